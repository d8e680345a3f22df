import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '@seqtrain/models';
import { planBuckets } from './gradient-buckets.js';

// Building models needs an initialised backend; importing @seqtrain/models registers wasm (the fused RNN kernels), which outranks cpu until initialised.
beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('planBuckets', () => {
  it('fills buckets in reverse layer order, with a small first bucket, never splitting a weight', () => {
    // 100, 50, 400 (bigger than the cap), 30, 30 elements; cap 240 bytes = 60 elements, first bucket 40 bytes = 10 elements.
    const shapes = [[10, 10], [50], [20, 20], [30], [5, 6]];
    const plan = planBuckets(shapes, { bucketCapBytes: 240, firstBucketCapBytes: 40 });
    expect(plan.buckets.map((b) => b.entries.map((e) => e.weight))).toEqual([[4], [3], [2], [1], [0]]);
    const roomier = planBuckets(shapes, { bucketCapBytes: 400 * 4, firstBucketCapBytes: 60 * 4 });
    expect(roomier.buckets.map((b) => b.entries.map((e) => e.weight))).toEqual([[4, 3], [2], [1, 0]]);
    expect(roomier.totalLength).toBe(610);
    // Buckets are back to back; each weight's offset is where its entry sits.
    let offset = 0;
    for (const bucket of roomier.buckets) {
      expect(bucket.offset).toBe(offset);
      expect(bucket.length).toBe(bucket.entries.reduce((n, e) => n + e.size, 0));
      for (const entry of bucket.entries) expect(roomier.weightOffsets[entry.weight]).toBe(entry.offset);
      offset += bucket.length;
    }
    expect(roomier.weightOffsets).toEqual([510, 460, 60, 30, 0]);
  });

  it('is the same on every rank for any model: a pure function of the shapes (two builds with other seeds)', () => {
    for (const config of [{ cell: 'lstm', units: 64 }, { cell: 'gru', units: 32, layers: 2 }, { cell: 'simple_rnn', units: 16 }]) {
      const shapesOf = (seed: number) => buildModel('char-lm', { vocabSize: 40, seqLen: 10, embeddingDim: 8, ...config, seed }).trainableWeights.map((w) => [...w.shape] as number[]);
      const a = planBuckets(shapesOf(1), { bucketCapBytes: 1024 });
      const b = planBuckets(shapesOf(2), { bucketCapBytes: 1024 });
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      expect(a.buckets.length).toBeGreaterThan(1);
    }
  });

  it('rejects caps below one float', () => {
    expect(() => planBuckets([[3]], { bucketCapBytes: 2 })).toThrow(/bucketCapBytes/);
  });
});
