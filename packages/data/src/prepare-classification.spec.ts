import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqtrainError } from '@seqtrain/common';
import type { ClassificationManifest } from './manifest.js';
import { prepareClassification } from './prepare-classification.js';
import { TableDataset } from './table-dataset.js';
import { OOV_ID, PAD_ID, tokenize } from './word-tokenizer.js';

const TRAIN = fileURLToPath(new URL('../../../datasets/sentiment/train.tsv', import.meta.url));
const REVIEWS = 200;
const MAXLEN = 30;

describe('tokenize', () => {
  it('lowercases, strips HTML tags, keeps inner apostrophes', () => {
    expect(tokenize("I LOVE it.<br />Don't 'buy' x2!", 'word')).toEqual(['i', 'love', 'it', "don't", 'buy', 'x2']);
    expect(tokenize('Añ!', 'char')).toEqual(['A', 'ñ', '!']);
  });
});

describe('prepareClassification on 200 food reviews', () => {
  let tmp = '';
  let input = '';
  let lines: string[][] = [];
  let manifest: ClassificationManifest;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-cls-'));
    const all = (await readFile(TRAIN, 'utf8')).split('\n');
    input = path.join(tmp, 'reviews.tsv');
    await writeFile(input, all.slice(0, REVIEWS + 1).join('\n') + '\n');
    lines = all.slice(1, REVIEWS + 1).map((l) => l.split('\t'));
    manifest = await prepareClassification({ input, out: path.join(tmp, 'out'), vocabSize: 50, maxlen: MAXLEN, validationFraction: 0.25, rowsPerBatch: 40, shards: 2 });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('writes sorted labels, a capped vocabulary with pad and oov first, and several record batches', () => {
    expect(manifest.kind).toBe('classification');
    expect(manifest.labels).toEqual(['great', 'other']);
    expect(manifest.vocab.slice(0, 2)).toEqual(['<pad>', '<oov>']);
    expect(manifest.vocab).toHaveLength(50);
    expect(manifest.splits.train.rows).toBe(150);
    expect(manifest.splits.validation.rows).toBe(50);
    expect(manifest.splits.train.files).toHaveLength(2);
    expect(manifest.splits.train.files[0]?.batches).toEqual([40, 35]);
    expect(manifest.schema).toEqual({ x: `FixedSizeList<Int32>[${MAXLEN}]`, y: 'Int32' });
  });

  it('reads back every row: pre-padding, pre-truncation, OOV and label ids exactly as Keras would', async () => {
    const ds = await TableDataset.open(path.join(tmp, 'out'), 'train');
    const rows = await ds.getRows(Array.from({ length: ds.length }, (_, i) => i));
    await ds.close();
    const x = rows.columns.x;
    const y = rows.columns.y;
    expect(x?.width).toBe(MAXLEN);
    expect(x?.values).toBeInstanceOf(Int32Array);
    const ids = new Map(manifest.vocab.map((t, i) => [t, i]));
    // Each train row must equal the encoding of some review with its label; check all rows this way.
    const expected = new Set(
      lines.map(([label, , text]) => {
        const tokens = tokenize(text as string, 'word');
        const kept = tokens.slice(Math.max(0, tokens.length - MAXLEN));
        const row = [...Array<number>(MAXLEN - kept.length).fill(PAD_ID), ...kept.map((t) => ids.get(t) ?? OOV_ID)];
        return `${manifest.labels.indexOf(label as string)}:${row.join(',')}`;
      })
    );
    let sawOov = false;
    let sawPad = false;
    for (let r = 0; r < rows.count; r++) {
      const row = Array.from((x?.values as Int32Array).subarray(r * MAXLEN, (r + 1) * MAXLEN));
      sawOov ||= row.includes(OOV_ID);
      sawPad ||= row[0] === PAD_ID;
      expect(expected.has(`${y?.values[r]}:${row.join(',')}`)).toBe(true);
    }
    expect(sawOov && sawPad).toBe(true);
    // Truncation really happened on this slice: some review is longer than maxlen.
    expect(lines.some(([, , text]) => tokenize(text as string, 'word').length > MAXLEN)).toBe(true);
  });

  it('uses a separate test file as validation, with post padding/truncation', async () => {
    const test = path.join(tmp, 'test.tsv');
    await writeFile(test, 'label\tproduct\ttext\ngreat\tP\tZzzunknownword good\nother\tP\t' + 'good '.repeat(20) + '\n');
    const m = await prepareClassification({ input, test, out: path.join(tmp, 'out2'), vocabSize: 50, maxlen: 4, padding: 'post', truncating: 'post' });
    expect(m.testSource?.path).toBe(test);
    const ds = await TableDataset.open(path.join(tmp, 'out2'), 'validation');
    const rows = await ds.getRows([0, 1]);
    await ds.close();
    const good = m.vocab.indexOf('good');
    expect(good).toBeGreaterThan(1);
    expect(Array.from(rows.columns.x?.values ?? [])).toEqual([OOV_ID, good, PAD_ID, PAD_ID, good, good, good, good]);
    expect(Array.from(rows.columns.y?.values ?? [])).toEqual([0, 1]);
  });

  it('with a test file and validationFraction: validation carved from the input (seeded, disjoint from train), the file as test', async () => {
    const test = path.join(tmp, 'test3.tsv');
    await writeFile(test, 'label\tproduct\ttext\ngreat\tP\tgood\nother\tP\tbad bad\nother\tP\tmeh\n');
    const prepare = (out: string, seed: number) =>
      prepareClassification({ input, test, out: path.join(tmp, out), vocabSize: 50, maxlen: MAXLEN, validationFraction: 0.2, seed, shards: 2 });
    const m = await prepare('split-a', 7);
    expect([m.splits.train.rows, m.splits.validation.rows, m.splits.test?.rows]).toEqual([160, 40, 3]);
    const read = async (out: string, split: 'train' | 'validation' | 'test'): Promise<string[]> => {
      const ds = await TableDataset.open(path.join(tmp, out), split);
      const rows = await ds.getRows(Array.from({ length: ds.length }, (_, i) => i));
      await ds.close();
      const x = rows.columns.x?.values as Int32Array;
      return Array.from({ length: rows.count }, (_, r) => `${rows.columns.y?.values[r]}:${x.subarray(r * MAXLEN, (r + 1) * MAXLEN).join(',')}`);
    };
    const train = await read('split-a', 'train');
    const validation = await read('split-a', 'validation');
    expect(await read('split-a', 'test')).toHaveLength(3);
    // Disjoint: no validation row is a training row (the 200 reviews are distinct at this maxlen).
    const trainSet = new Set(train);
    expect(new Set([...train, ...validation]).size).toBe(200);
    expect(validation.some((row) => trainSet.has(row))).toBe(false);
    // Deterministic: the same seed gives the same split, another seed another one.
    await prepare('split-b', 7);
    expect(await read('split-b', 'validation')).toEqual(validation);
    await prepare('split-c', 8);
    expect(await read('split-c', 'validation')).not.toEqual(validation);
  });

  it('refuses a validationFraction outside [0, 1) and one that leaves no validation row beside a test file', async () => {
    for (const bad of [1, -0.1, 1.5]) {
      const err = await prepareClassification({ input, out: path.join(tmp, `bad-${bad}`), validationFraction: bad }).catch((e: unknown) => e);
      expect((err as SeqtrainError).code).toBe('ERR_INVALID_ARGUMENT');
      expect((err as SeqtrainError).message).toMatch(/validationFraction.*\[0, 1\)/);
    }
    const err = await prepareClassification({ input, test: input, out: path.join(tmp, 'bad-0'), validationFraction: 0 }).catch((e: unknown) => e);
    expect((err as SeqtrainError).message).toContain('leaves no validation row');
  });

  it('reads CSV with quoted fields and columns by index, without header', async () => {
    const csv = path.join(tmp, 'small.csv');
    await writeFile(csv, '"a, ""b""",pos\n"c\nd",neg\nb a,pos\n');
    const m = await prepareClassification({ input: csv, out: path.join(tmp, 'out3'), header: false, labelColumn: 1, textColumn: 0, maxlen: 3, validationFraction: 0 });
    expect(m.format).toBe('csv');
    expect(m.labels).toEqual(['neg', 'pos']);
    expect(m.vocab).toEqual(['<pad>', '<oov>', 'a', 'b', 'c', 'd']);
  });

  it('refuses an unknown label column, naming the header', async () => {
    const err = await prepareClassification({ input, out: path.join(tmp, 'out4'), labelColumn: 'stars' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeqtrainError);
    expect((err as SeqtrainError).message).toContain('"label", "product", "text"');
  });
});
