import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordBatchReader, Type, type FixedSizeList, type Uint16 } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeqtrainError } from '@seqtrain/common';
import { ArrowDataset } from './arrow-dataset.js';
import { readManifest, type Manifest } from './manifest.js';
import { prepareText, type PrepareTextOptions } from './prepare-text.js';

const CORPUS = fileURLToPath(new URL('../../../datasets/text/moby-dick.txt', import.meta.url));
const SLICE_CHARS = 20_000;
const SEQ_LEN = 16;
const STEP = 3;
const SHARDS = 3;
const ROWS_PER_BATCH = 500;
const VALIDATION_FRACTION = 0.1;

/** The windows of one part of the text, computed directly from the characters. */
function expectedRows(chars: string[], seqLen: number, step: number): { x: string; y: string }[] {
  const rows: { x: string; y: string }[] = [];
  for (let i = 0; i + seqLen < chars.length; i += step) {
    rows.push({ x: chars.slice(i, i + seqLen).join(''), y: chars[i + seqLen] as string });
  }
  return rows;
}

async function allRows(dir: string, split: 'train' | 'validation', manifest: Manifest): Promise<{ x: string; y: string }[]> {
  const ds = await ArrowDataset.open(dir, split);
  try {
    const batch = await ds.getBatch(Array.from({ length: ds.length }, (_, i) => i));
    const rows: { x: string; y: string }[] = [];
    for (let r = 0; r < batch.count; r++) {
      const x = Array.from(batch.x.subarray(r * batch.seqLen, (r + 1) * batch.seqLen), (id) => manifest.vocab[id]).join('');
      rows.push({ x, y: manifest.vocab[batch.y[r] as number] as string });
    }
    return rows;
  } finally {
    await ds.close();
  }
}

async function prepareError(options: PrepareTextOptions): Promise<SeqtrainError> {
  try {
    await prepareText(options);
  } catch (err) {
    if (err instanceof SeqtrainError) return err;
    throw err;
  }
  throw new Error('expected prepareText to fail');
}

describe('prepareText on a slice of Moby Dick', () => {
  let tmp = '';
  let input = '';
  let out = '';
  let chars: string[] = [];
  let manifest: Manifest;
  const progress: [number, number][] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-prepare-'));
    chars = Array.from(await readFile(CORPUS, 'utf8')).slice(0, SLICE_CHARS);
    input = path.join(tmp, 'moby-20k.txt');
    out = path.join(tmp, 'prepared');
    await writeFile(input, chars.join(''));
    manifest = await prepareText({
      input,
      out,
      seqLen: SEQ_LEN,
      step: STEP,
      shards: SHARDS,
      validationFraction: VALIDATION_FRACTION,
      rowsPerBatch: ROWS_PER_BATCH,
      onProgress: (written, total) => progress.push([written, total]),
    });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('writes a manifest that reads back equal, with the vocabulary of the whole text', async () => {
    expect(await readManifest(out)).toEqual(manifest);
    expect(manifest.vocab).toEqual([...new Set(chars)].sort((a, b) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0)));
    expect(manifest.vocab).toContain('—');
    expect(manifest.schema).toEqual({ x: `FixedSizeList<Uint16>[${SEQ_LEN}]`, y: 'Uint16' });
    expect(manifest.source.bytes).toBe(Buffer.byteLength(chars.join('')));
    expect(manifest.splits.train.files.map((f) => f.path)).toEqual([
      'train-00000-of-00003.arrow',
      'train-00001-of-00003.arrow',
      'train-00002-of-00003.arrow',
    ]);
    expect(manifest.splits.validation.files.map((f) => f.path)).toEqual(['validation-00000-of-00001.arrow']);
  });

  it('stores exactly the windows of each part: x = ids[i..i+seqLen), y = ids[i+seqLen]', async () => {
    const splitAt = Math.floor(chars.length * (1 - VALIDATION_FRACTION));
    const train = expectedRows(chars.slice(0, splitAt), SEQ_LEN, STEP);
    const validation = expectedRows(chars.slice(splitAt), SEQ_LEN, STEP);
    expect(manifest.splits.train.rows).toBe(train.length);
    expect(manifest.splits.validation.rows).toBe(validation.length);
    expect(await allRows(out, 'train', manifest)).toEqual(train);
    expect(await allRows(out, 'validation', manifest)).toEqual(validation);
  });

  it('writes several record batches per shard in the Arrow IPC file format', async () => {
    for (const info of [...manifest.splits.train.files, ...manifest.splits.validation.files]) {
      const bytes = await readFile(path.join(out, info.path));
      expect(bytes.subarray(0, 6).toString('latin1')).toBe('ARROW1');
      const reader = RecordBatchReader.from(bytes);
      expect(reader.isFile()).toBe(true);
      const batches = reader.readAll();
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.map((b) => b.numRows)).toEqual(info.batches);
      expect(info.batches.slice(0, -1).every((rows) => rows === ROWS_PER_BATCH)).toBe(true);
      const x = batches[0]?.schema.fields[0];
      expect(x?.type.typeId).toBe(Type.FixedSizeList);
      expect((x?.type as FixedSizeList).listSize).toBe(SEQ_LEN);
      expect(((x?.type as FixedSizeList).children[0]?.type as Uint16).bitWidth).toBe(16);
    }
  });

  it('reports progress up to the total', () => {
    const total = manifest.splits.train.rows + manifest.splits.validation.rows;
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every(([, t]) => t === total)).toBe(true);
    expect(progress.map(([w]) => w)).toEqual([...progress.map(([w]) => w)].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual([total, total]);
  });

  it('overwrites a previous output, removing its stale shards', async () => {
    const again = path.join(tmp, 'again');
    await prepareText({ input, out: again, seqLen: SEQ_LEN, step: STEP, shards: 4 });
    await prepareText({ input, out: again, seqLen: SEQ_LEN, step: STEP, shards: 2 });
    expect((await readdir(again)).sort()).toEqual([
      'manifest.json',
      'train-00000-of-00002.arrow',
      'train-00001-of-00002.arrow',
      'validation-00000-of-00001.arrow',
    ]);
  });

  it('validates options, naming the option', async () => {
    const base = { input, out: path.join(tmp, 'never'), seqLen: SEQ_LEN, step: STEP, shards: SHARDS };
    for (const [field, patch] of [
      ['seqLen', { seqLen: 0 }],
      ['step', { step: 1.5 }],
      ['shards', { shards: 0 }],
      ['validationFraction', { validationFraction: 1 }],
      ['rowsPerBatch', { rowsPerBatch: -1 }],
      ['seqLen', { seqLen: SLICE_CHARS }],
      ['shards', { shards: 100_000 }],
      ['validationFraction', { validationFraction: 0.0001 }],
    ] as const) {
      const err = await prepareError({ ...base, ...patch });
      expect(err.code, field).toBe('ERR_INVALID_ARGUMENT');
      expect(err.details.field).toBe(field);
      expect(err.message).toContain(`"${field}"`);
    }
    const missing = await prepareError({ ...base, input: path.join(tmp, 'no-such.txt') });
    expect(missing.code).toBe('ERR_DATA_NOT_FOUND');
    expect(missing.message).toContain('no-such.txt');
  });

  it('refuses a non-empty directory that is not a previous output', async () => {
    const foreign = path.join(tmp, 'foreign');
    await mkdir(foreign);
    await writeFile(path.join(foreign, 'notes.txt'), 'mine');
    const err = await prepareError({ input, out: foreign, seqLen: SEQ_LEN, step: STEP, shards: 1 });
    expect(err.details.field).toBe('out');
    expect(err.message).toContain('notes.txt');
    expect(await readdir(foreign)).toEqual(['notes.txt']);
  });
});

describe('prepareText on small synthetic corpora', () => {
  let tmp = '';
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'seqtrain-prepare-small-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('handles astral characters and validationFraction 0 (no validation rows)', async () => {
    const text = 'whale 🐋 ahoy 🐳 sea '.repeat(20);
    const input = path.join(tmp, 'emoji.txt');
    await writeFile(input, text);
    const out = path.join(tmp, 'emoji');
    const manifest = await prepareText({ input, out, seqLen: 5, step: 2, shards: 2, validationFraction: 0, rowsPerBatch: 16 });
    expect(manifest.vocab).toContain('🐋');
    expect(manifest.splits.validation).toEqual({ rows: 0, files: [] });
    expect(await allRows(out, 'train', manifest)).toEqual(expectedRows(Array.from(text), 5, 2));
  });

  it('stores ids as Uint32 when the vocabulary exceeds 65,536 tokens', async () => {
    const codePoints = Array.from({ length: 70_000 }, (_, i) => 0x20000 + i);
    const chars = codePoints.map((c) => String.fromCodePoint(c));
    const input = path.join(tmp, 'wide.txt');
    await writeFile(input, chars.join(''));
    const out = path.join(tmp, 'wide');
    const manifest = await prepareText({ input, out, seqLen: 3, step: 7, shards: 2, validationFraction: 0.5 });
    expect(manifest.schema).toEqual({ x: 'FixedSizeList<Uint32>[3]', y: 'Uint32' });
    expect(await allRows(out, 'validation', manifest)).toEqual(expectedRows(chars.slice(35_000), 3, 7));
  });
});
