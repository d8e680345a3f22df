import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { preparePairs, TableDataset } from '@seqtrain/data';
import { copyChrfBaseline, heldOutPairs } from './copy-chrf.js';
import { TRANSLATION } from './experiments.js';

describe('copy chrF', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quality-pairs-'));
  const file = join(dir, 'pairs.tsv');
  const lines = Array.from({ length: 40 }, (_, i) => `r${i}\tsource ${i} ${'x'.repeat(i % 7)}\tdestino ${i}${i % 5 === 0 ? ' largo'.repeat(3) : ''}`);
  writeFileSync(file, lines.join('\n') + '\n');

  it('holds out the same pairs as the pairs recipe', async () => {
    const out = join(dir, 'prepared');
    const manifest = await preparePairs({ input: file, out, maxChars: 20, seed: 7, validationFraction: 0.25 });
    const { heldOut, kept, dropped } = heldOutPairs(readFileSync(file, 'utf8'), { maxChars: 20, seed: 7, validationFraction: 0.25 });
    expect({ kept, dropped }).toEqual({ kept: 40 - manifest.dropped, dropped: manifest.dropped });
    expect(manifest.dropped).toBeGreaterThan(0);
    const table = await TableDataset.open(out, 'validation');
    const rows = await table.getRows(Array.from({ length: table.length }, (_, i) => i));
    const width = rows.columns.source?.width as number;
    const vocab = manifest.sourceVocab;
    const sources = Array.from({ length: rows.count }, (_, r) =>
      Array.from(rows.columns.source?.values.subarray(r * width, (r + 1) * width) ?? [], (id) => vocab[id]).join('')
    );
    table.close();
    expect(heldOut.map((p) => p.source)).toEqual(sources);
  });

  it('scores copying the source with corpus chrF', async () => {
    const { heldOut } = heldOutPairs(readFileSync(file, 'utf8'), { maxChars: 20 });
    const baseline = await copyChrfBaseline(file, { maxChars: 20 });
    const { corpusChrF } = await import('@seqtrain/models');
    expect(baseline.heldOutPairs).toBe(heldOut.length);
    expect(baseline.copyChrf).toBeCloseTo(corpusChrF(heldOut.map((p) => p.source), heldOut.map((p) => p.target)), 12);
    expect(baseline.copyChrf).toBeGreaterThan(0);
    expect(baseline.copyChrf).toBeLessThan(100);
  });

  it('holds out the same pairs as the pairs recipe under the held-out rule', async () => {
    const out = join(dir, 'prepared-held');
    const options = { maxChars: 20, heldOutEvery: 3, heldOutMaxChars: 16 };
    const manifest = await preparePairs({ input: file, out, ...options });
    const { heldOut } = heldOutPairs(readFileSync(file, 'utf8'), options);
    expect(heldOut.length).toBe(manifest.splits.validation.rows);
    expect(heldOut.length).toBeGreaterThan(0);
    const table = await TableDataset.open(out, 'validation');
    const rows = await table.getRows(Array.from({ length: table.length }, (_, i) => i));
    const width = rows.columns.source?.width as number;
    const sources = Array.from({ length: rows.count }, (_, r) =>
      Array.from(rows.columns.source?.values.subarray(r * width, (r + 1) * width) ?? [], (id) => manifest.sourceVocab[id]).join('')
    );
    table.close();
    expect(heldOut.map((p) => p.source)).toEqual(sources);
  });

  it("splits as datasets/jobs/seq2seq-eng-spa.yaml does, so the baseline is on the job's held-out pairs", () => {
    const job = parse(readFileSync(fileURLToPath(new URL('../../../datasets/jobs/seq2seq-eng-spa.yaml', import.meta.url)), 'utf8'));
    expect({ file: job.data.input, maxChars: job.data.maxChars, heldOutEvery: job.data.heldOutEvery, heldOutMaxChars: job.data.heldOutMaxChars }).toEqual({
      file: TRANSLATION.file,
      maxChars: TRANSLATION.maxChars,
      heldOutEvery: TRANSLATION.heldOutEvery,
      heldOutMaxChars: TRANSLATION.heldOutMaxChars,
    });
    // Every held-out pair is decoded for chrF (the run's copy chrF is then the baseline's).
    expect(job.chrf.maxSourceChars).toBe(TRANSLATION.heldOutMaxChars);
    const { heldOut } = heldOutPairs(readFileSync(fileURLToPath(new URL(`../../../${TRANSLATION.file}`, import.meta.url)), 'utf8'), TRANSLATION);
    expect(job.chrf.samples).toBeGreaterThanOrEqual(heldOut.length);
  });
});
