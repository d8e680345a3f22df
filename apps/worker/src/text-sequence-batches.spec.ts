import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeqtrainError } from '@seqtrain/common';
import { prepareText } from '@seqtrain/data';
import type { TensorBatch } from '@seqtrain/trainer';
import { openBatchSource } from './batch-source.js';
import { UNSCORED_TARGET_ID, validationContext } from './text-sequence-batches.js';

const SEQ_LEN = 8;
const VALIDATION_STEP = 5;
// 200 characters, the last half validation: windows of 8, training every 4, validation every 5 (B = 3).
const TEXT = Array.from({ length: 200 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz .,'[(i * 7 + (i >> 3)) % 29]).join('');

let root: string;
let dir: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-text-seq-'));
  writeFileSync(join(root, 'tiny.txt'), TEXT);
  dir = join(root, 'data');
  await prepareText({ input: join(root, 'tiny.txt'), out: dir, seqLen: SEQ_LEN, step: 4, validationStep: VALIDATION_STEP, shards: 2, validationFraction: 0.5 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const all = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('many-to-many text batches', () => {
  it('training rows: input ids [count, seqLen] and the input shifted by one as targets, every position scored', async () => {
    const source = await openBatchSource(dir, 'train', { targets: 'sequence' });
    expect(source.loss).toBe('token_sparse_categorical_crossentropy');
    const batch = (await source.getBatch([0, 3, 5])) as TensorBatch;
    expect(batch.count).toBe(3);
    expect(batch.inputs[0]?.shape).toEqual([SEQ_LEN]);
    expect(batch.target.shape).toEqual([SEQ_LEN]);
    const decode = (ids: ArrayLike<number>) => Array.from(ids, (id) => source.vocab[id]).join('');
    [0, 3, 5].forEach((row, r) => {
      const start = row * 4;
      expect(decode(batch.inputs[0]!.values.subarray(r * SEQ_LEN, (r + 1) * SEQ_LEN))).toBe(TEXT.slice(start, start + SEQ_LEN));
      expect(decode(batch.target.values.subarray(r * SEQ_LEN, (r + 1) * SEQ_LEN))).toBe(TEXT.slice(start + 1, start + SEQ_LEN + 1));
    });
    await source.close();
  });

  it('validation scores each character of the validation part once, with >= seqLen - validationStep chars of context', async () => {
    const source = await openBatchSource(dir, 'validation', { targets: 'sequence' });
    const part = TEXT.slice(100);
    const batch = (await source.getBatch(all(source.length))) as TensorBatch;
    const times = new Array<number>(part.length).fill(0);
    for (let k = 0; k < batch.count; k++) {
      for (let t = 0; t < SEQ_LEN; t++) {
        const id = batch.target.values[k * SEQ_LEN + t] ?? NaN;
        if (id === UNSCORED_TARGET_ID) continue;
        const at = k * VALIDATION_STEP + t + 1;
        expect(source.vocab[id]).toBe(part[at]);
        if (k > 0) expect(t).toBeGreaterThanOrEqual(SEQ_LEN - VALIDATION_STEP);
        times[at] = (times[at] ?? 0) + 1;
      }
    }
    // 100 chars: windows at 0, 5, ..., 90 (the last start s with s + 8 < 100); the scored ones are 1..98.
    expect(batch.count).toBe(19);
    const lastEnd = (batch.count - 1) * VALIDATION_STEP + SEQ_LEN;
    expect(times.slice(1, lastEnd + 1).every((n) => n === 1)).toBe(true);
    expect(times[0]).toBe(0);
    expect(times.slice(lastEnd + 1).every((n) => n === 0)).toBe(true);
    expect(part.length - 1 - lastEnd).toBeLessThan(VALIDATION_STEP);
    await source.close();
  });

  it('refuses validation windows that would skip characters, naming data.validationStep', () => {
    expect(validationContext({ seqLen: 8, step: 4, validationStep: 5 }, dir)).toBe(3);
    expect(validationContext({ seqLen: 8, step: 8 }, dir)).toBe(0);
    let caught: unknown;
    try {
      validationContext({ seqLen: 8, step: 9 }, dir);
    } catch (err) {
      caught = err;
    }
    expect(isSeqtrainError(caught, 'ERR_JOB_INVALID') && caught.details['field']).toBe('data.validationStep');
  });

  it('next-character targets stay one id per window', async () => {
    const source = await openBatchSource(dir, 'validation');
    expect(source.loss).toBe('sparse_categorical_crossentropy');
    const batch = await source.getBatch([0, 1]);
    expect('y' in batch && batch.y.length).toBe(2);
    await source.close();
  });
});
