import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's node bundle registers no gradients; tfjs-layers registers tfjs' full set on import.
import '@tensorflow/tfjs-layers';
import { selectBackend } from './select-backend.js';

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** tf.slice along `axis` then squeeze: what unstack must equal. */
function slicesOf(x: tf.Tensor, axis: number): tf.Tensor[] {
  const ax = axis < 0 ? axis + x.rank : axis;
  return Array.from({ length: x.shape[ax] as number }, (_, i) => {
    const begin = x.shape.map((_d, j) => (j === ax ? i : 0));
    const sliceSize = x.shape.map((d, j) => (j === ax ? 1 : d));
    return tf.squeeze(tf.slice(x, begin, sliceSize), [ax]);
  });
}

const CASES: { shape: number[]; axis: number; dtype: 'float32' | 'int32' | 'bool' }[] = [
  { shape: [2, 3, 4], axis: 0, dtype: 'float32' },
  { shape: [2, 3, 4], axis: 1, dtype: 'float32' },
  { shape: [2, 3, 4], axis: 2, dtype: 'int32' },
  { shape: [2, 3, 4], axis: -1, dtype: 'float32' },
  { shape: [5], axis: 0, dtype: 'float32' },
  { shape: [1, 7, 1, 3], axis: 1, dtype: 'bool' },
  { shape: [4, 40, 8], axis: 1, dtype: 'float32' },
  { shape: [0, 3], axis: 1, dtype: 'float32' },
];

function valuesFor(shape: number[], dtype: 'float32' | 'int32' | 'bool'): tf.Tensor {
  const n = size(shape);
  if (dtype === 'bool') return tf.tensor(Array.from({ length: n }, (_, i) => i % 3 === 0), shape, dtype);
  return tf.tensor(Array.from({ length: n }, (_, i) => (dtype === 'int32' ? i - 7 : i * 0.5 - 3)), shape, dtype);
}

describe('Unpack on wasm', () => {
  let stockKernel: tf.KernelConfig | undefined;

  beforeAll(async () => {
    stockKernel = tf.getKernel('Unpack', 'wasm');
    await selectBackend('wasm');
  });

  it('replaces the stock kernel', () => {
    expect(stockKernel).toBeDefined();
    expect(tf.getKernel('Unpack', 'wasm')?.kernelFunc).not.toBe(stockKernel?.kernelFunc);
  });

  it('equals slice along every axis, for float32, int32 and bool', () => {
    for (const c of CASES) {
      tf.tidy(() => {
        const x = valuesFor(c.shape, c.dtype);
        const parts = tf.unstack(x, c.axis);
        const expected = slicesOf(x, c.axis);
        expect(parts.length, JSON.stringify(c)).toBe(expected.length);
        parts.forEach((part, i) => {
          expect(part.shape).toEqual(expected[i]?.shape);
          expect(part.dtype).toBe(c.dtype);
          expect(Array.from(part.dataSync())).toEqual(Array.from(expected[i]?.dataSync() ?? []));
        });
      });
    }
  });

  it('does not copy the whole input once per slice (the O(T²) defect)', () => {
    // The stock kernel reads the whole tensor back from the heap (readSync) for every slice.
    const backend = tf.backend() as unknown as { readSync: (...args: unknown[]) => unknown };
    const original = backend.readSync;
    let reads = 0;
    backend.readSync = function (this: unknown, ...args: unknown[]) {
      reads++;
      return original.apply(this, args);
    };
    try {
      tf.tidy(() => tf.unstack(tf.zeros([2, 64, 8]), 1));
    } finally {
      backend.readSync = original;
    }
    expect(reads).toBe(0);
  });

  it('leaves string tensors to the stock kernel', () => {
    const parts = tf.unstack(tf.tensor2d([['a', 'b'], ['c', 'd']]), 1);
    expect(parts.map((p) => p.arraySync())).toEqual([['a', 'c'], ['b', 'd']]);
    tf.dispose(parts);
  });

  it('gives the same gradient as cpu through an unstack-over-time loop', async () => {
    const shape = [3, 6, 4];
    const x0 = Array.from({ length: size(shape) }, (_, i) => Math.sin(i));
    const grad = (): number[] =>
      tf.tidy(() => {
        const x = tf.tensor3d(x0, shape as [number, number, number]);
        const g = tf.grad((t: tf.Tensor) => {
          const steps = tf.unstack(t, 1);
          let h = tf.zeros([3, 4]);
          steps.forEach((s) => {
            h = tf.tanh(tf.add(tf.mul(h, 0.5), s));
          });
          return tf.sum(h);
        })(x);
        return Array.from(g.dataSync());
      });
    const onWasm = grad();
    await selectBackend('cpu');
    const onCpu = grad();
    await selectBackend('wasm');
    onWasm.forEach((v, i) => expect(v).toBeCloseTo(onCpu[i] as number, 5));
  });
});
