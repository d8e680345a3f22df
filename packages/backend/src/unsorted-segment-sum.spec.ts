import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's node bundle registers no gradients; tfjs-layers registers tfjs' full set on import.
import '@tensorflow/tfjs-layers';
import { isSeqtrainError } from '@seqtrain/common';
import { selectBackend } from './select-backend.js';

/** Deterministic values in [-1, 1) (a small LCG), so every backend sees the same inputs. */
function seeded(count: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

function maxRelDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    worst = Math.max(worst, Math.abs(a - e) / Math.max(1, Math.abs(e)));
  }
  return worst;
}

/** Direct reference: TF semantics (ids' shape a prefix of x's; ids outside [0, n) dropped). */
function reference(x: number[], xShape: number[], ids: number[], numSegments: number): number[] {
  const rowSize = xShape.reduce((a, b) => a * b, 1) / ids.length;
  const out = new Array<number>(numSegments * rowSize).fill(0);
  ids.forEach((id, row) => {
    if (id < 0 || id >= numSegments) return;
    for (let k = 0; k < rowSize; k++) out[id * rowSize + k] = (out[id * rowSize + k] as number) + (x[row * rowSize + k] as number);
  });
  return out;
}

interface Case {
  label: string;
  xShape: number[];
  ids: number[];
  numSegments: number;
  dtype: 'float32' | 'int32';
}

const CASES: Case[] = [
  { label: 'rows of 3, repeated ids', xShape: [6, 3], ids: [0, 2, 2, 5, 1, 0], numSegments: 6, dtype: 'float32' },
  { label: '1-D x', xShape: [7], ids: [3, 3, 0, 1, 3, 2, 0], numSegments: 4, dtype: 'float32' },
  { label: 'rank-3 x, empty segments', xShape: [4, 2, 3], ids: [1, 4, 1, 1], numSegments: 9, dtype: 'float32' },
  { label: 'ids outside [0, n) dropped', xShape: [5, 2], ids: [-1, 0, 7, 2, 2], numSegments: 3, dtype: 'float32' },
  { label: 'int32 x', xShape: [4, 2], ids: [1, 0, 1, 1], numSegments: 2, dtype: 'int32' },
];

function xValues(c: Case, seed: number): number[] {
  const size = c.xShape.reduce((a, b) => a * b, 1);
  const values = seeded(size, seed);
  return c.dtype === 'int32' ? values.map((v) => Math.round(v * 50)) : values;
}

function runCase(c: Case, seed: number): number[] {
  return tf.tidy(() => {
    const x = tf.tensor(xValues(c, seed), c.xShape, c.dtype);
    const out = tf.unsortedSegmentSum(x, tf.tensor1d(c.ids, 'int32'), c.numSegments);
    expect(out.shape).toEqual([c.numSegments, ...c.xShape.slice(1)]);
    return Array.from(out.dataSync());
  });
}

/** The Embedding layer's backward pass: d/dparams of Σ w ⊙ gather(params, ids) runs UnsortedSegmentSum. */
function gatherGrad(vocab: number, dim: number, ids: number[], seed: number): number[] {
  return tf.tidy(() => {
    const params = tf.tensor2d(seeded(vocab * dim, seed), [vocab, dim]);
    const weights = tf.tensor2d(seeded(ids.length * dim, seed + 1), [ids.length, dim]);
    const indices = tf.tensor1d(ids, 'int32');
    const grad = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, indices), weights)))(params);
    return Array.from(grad.dataSync());
  });
}

const GRAD_CASES = [
  { vocab: 11, dim: 4, ids: [0, 3, 3, 10, 7, 3, 0] },
  { vocab: 257, dim: 16, ids: seeded(96, 5).map((v) => Math.floor((v + 1) * 128)) },
];

describe('UnsortedSegmentSum fixes', () => {
  const stock = new Map<string, number[]>();

  beforeAll(async () => {
    // Record the stock cpu results before any fix is registered.
    await tf.setBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    CASES.forEach((c, i) => stock.set(c.label, runCase(c, 100 + i)));
    GRAD_CASES.forEach((g, i) => stock.set(`grad ${i}`, gatherGrad(g.vocab, g.dim, g.ids, 200 + i)));
  });

  it('is missing from stock wasm (the defect this fixes)', () => {
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
  });

  it('stock cpu agrees with the direct reference on every case', () => {
    CASES.forEach((c, i) => {
      const expected = reference(xValues(c, 100 + i), c.xShape, c.ids, c.numSegments);
      expect(maxRelDiff(stock.get(c.label) ?? [], expected), c.label).toBeLessThan(1e-6);
    });
  });

  for (const backendName of ['cpu', 'wasm'] as const) {
    it(`${backendName}: the fixed kernel equals stock cpu for every case`, async () => {
      await selectBackend(backendName);
      expect(tf.getBackend()).toBe(backendName);
      CASES.forEach((c, i) => {
        expect(maxRelDiff(runCase(c, 100 + i), stock.get(c.label) ?? []), c.label).toBeLessThan(1e-6);
      });
    });

    it(`${backendName}: the gradient of gather wrt params equals stock cpu`, async () => {
      await selectBackend(backendName);
      GRAD_CASES.forEach((g, i) => {
        expect(maxRelDiff(gatherGrad(g.vocab, g.dim, g.ids, 200 + i), stock.get(`grad ${i}`) ?? [])).toBeLessThan(1e-6);
      });
    });

    it(`${backendName}: rank-2 segment ids follow TensorFlow's prefix semantics`, async () => {
      await selectBackend(backendName);
      const x = seeded(2 * 3 * 2, 9);
      const ids = [0, 2, 2, 1, -1, 2];
      // tf.unsortedSegmentSum types its ids as 1-D; the kernel itself takes any prefix shape.
      const got = tf.tidy(() => {
        const inputs = { x: tf.tensor3d(x, [2, 3, 2]), segmentIds: tf.tensor2d(ids, [2, 3], 'int32') };
        const out = tf.engine().runKernel('UnsortedSegmentSum', inputs, { numSegments: 3 }) as tf.Tensor;
        expect(out.shape).toEqual([3, 2]);
        return Array.from(out.dataSync());
      });
      expect(maxRelDiff(got, reference(x, [6, 2], ids, 3))).toBeLessThan(1e-6);
    });

    it(`${backendName}: rejects segment ids whose shape is not a prefix of x's`, async () => {
      await selectBackend(backendName);
      let caught: unknown;
      try {
        tf.unsortedSegmentSum(tf.zeros([4, 2]), tf.tensor1d([0, 1, 2], 'int32'), 3);
      } catch (err) {
        caught = err;
      }
      expect(isSeqtrainError(caught, 'ERR_SHAPE_MISMATCH')).toBe(true);
    });
  }
});
