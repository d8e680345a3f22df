import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PairsManifest } from './manifest.js';
import { END_TOKEN, START_TOKEN, preparePairs } from './prepare-pairs.js';
import { TableDataset } from './table-dataset.js';

const BIBLE = fileURLToPath(new URL('../../../datasets/translation/eng-spa-bible.tsv', import.meta.url));
const PAIRS = 300;
const MAX_CHARS = 60;

describe('preparePairs on 300 verse pairs', () => {
  let tmp = '';
  let lines: string[][] = [];
  let manifest: PairsManifest;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-pairs-'));
    const all = (await readFile(BIBLE, 'utf8')).split('\n').slice(0, PAIRS);
    lines = all.map((l) => l.split('\t'));
    const input = path.join(tmp, 'pairs.tsv');
    await writeFile(input, all.join('\n') + '\n');
    manifest = await preparePairs({ input, out: path.join(tmp, 'out'), maxChars: MAX_CHARS, validationFraction: 0.2, seed: 7, rowsPerBatch: 64 });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('drops and counts pairs longer than maxChars, pads to the longest kept', () => {
    const keep = lines.filter(([, en, es]) => Array.from(en as string).length <= MAX_CHARS && Array.from(es as string).length <= MAX_CHARS);
    expect(manifest.dropped).toBe(PAIRS - keep.length);
    expect(manifest.dropped).toBeGreaterThan(0);
    expect(manifest.splits.train.rows + manifest.splits.validation.rows).toBe(keep.length);
    expect(manifest.sourceLength).toBe(Math.max(...keep.map(([, en]) => Array.from(en as string).length)));
    expect(manifest.targetLength).toBe(Math.max(...keep.map(([, , es]) => Array.from(es as string).length)) + 2);
    expect(manifest.targetVocab).toContain(START_TOKEN);
    expect(manifest.sourceVocab[0]).toBe('');
  });

  it('decodes every row back to a kept pair, target framed by start and end tokens', async () => {
    const known = new Set(lines.map(([, en, es]) => `${en}|${es}`));
    const seen = new Set<string>();
    for (const split of ['train', 'validation'] as const) {
      const ds = await TableDataset.open(path.join(tmp, 'out'), split);
      const rows = await ds.getRows(Array.from({ length: ds.length }, (_, i) => i));
      await ds.close();
      const { source, target, sourceLength, targetLength } = rows.columns;
      for (let r = 0; r < rows.count; r++) {
        const sLen = sourceLength?.values[r] as number;
        const tLen = targetLength?.values[r] as number;
        const s = Array.from(source?.values.subarray(r * manifest.sourceLength, (r + 1) * manifest.sourceLength) ?? []);
        const t = Array.from(target?.values.subarray(r * manifest.targetLength, (r + 1) * manifest.targetLength) ?? []);
        expect(s.slice(sLen).every((id) => id === 0)).toBe(true);
        expect(t.slice(tLen).every((id) => id === 0)).toBe(true);
        const tText = t.slice(0, tLen).map((id) => manifest.targetVocab[id]).join('');
        expect(tText.startsWith(START_TOKEN) && tText.endsWith(END_TOKEN)).toBe(true);
        const key = `${s.slice(0, sLen).map((id) => manifest.sourceVocab[id]).join('')}|${tText.slice(1, -1)}`;
        expect(known.has(key)).toBe(true);
        seen.add(key);
      }
    }
    expect(seen.size).toBe(manifest.splits.train.rows + manifest.splits.validation.rows);
  });
});

describe('preparePairs with the held-out rule', () => {
  let tmp = '';
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('writes the held-out pairs in file order as validation and records the rule in the manifest', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-pairs-held-'));
    const lines = (await readFile(BIBLE, 'utf8')).split('\n').slice(0, 400);
    const input = path.join(tmp, 'pairs.tsv');
    await writeFile(input, lines.join('\n') + '\n');
    const out = path.join(tmp, 'out');
    const manifest = await preparePairs({ input, out, maxChars: 90, heldOutEvery: 10, heldOutMaxChars: 50, seed: 3 });
    expect(manifest.heldOut).toMatchObject({ every: 10, maxChars: 50 });
    const fields = lines.map((l) => l.split('\t'));
    const candidates: string[] = [];
    for (const [, en = '', es = ''] of fields) {
      if (Array.from(en).length <= 50 && Array.from(es).length <= 50 && !candidates.some((c) => c.startsWith(`${en}|`))) candidates.push(`${en}|${es}`);
    }
    const expected = candidates.filter((_, i) => i % 10 === 0);
    const ds = await TableDataset.open(out, 'validation');
    const rows = await ds.getRows(Array.from({ length: ds.length }, (_, i) => i));
    await ds.close();
    const { source, target, sourceLength, targetLength } = rows.columns;
    const got = Array.from({ length: rows.count }, (_, r) => {
      const s = Array.from(source?.values.subarray(r * manifest.sourceLength, r * manifest.sourceLength + (sourceLength?.values[r] as number)) ?? []);
      const t = Array.from(target?.values.subarray(r * manifest.targetLength + 1, r * manifest.targetLength + (targetLength?.values[r] as number) - 1) ?? []);
      return `${s.map((id) => manifest.sourceVocab[id]).join('')}|${t.map((id) => manifest.targetVocab[id]).join('')}`;
    });
    expect(got).toEqual(expected);
    expect(manifest.splits.validation.rows).toBe(expected.length);
  });

  it('refuses heldOutMaxChars without heldOutEvery, naming the field', async () => {
    await expect(preparePairs({ input: BIBLE, out: path.join(os.tmpdir(), 'never-written'), heldOutMaxChars: 80 })).rejects.toThrow(/heldOutMaxChars was given without heldOutEvery/);
  });
});
