import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@seqtrain/backend';
import { activeRnnKernels } from './active-kernels.js';
import { registerRnnKernels } from './register-rnn-kernels.js';
import { fastMatMulDims, setFastMatMul } from './wasm-batch-matmul.js';

function seededValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  });
}

/** float64 op(A)·op(B) of row-major arrays. */
function reference(a: Float32Array, b: Float32Array, M: number, N: number, K: number, ta: boolean, tb: boolean): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (a[ta ? k * M + i : i * K + k] as number) * (b[tb ? j * K + k : k * N + j] as number);
      c[i * N + j] = s;
    }
  return c;
}

function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (y[i] as number)));
  return m;
}

describe('wasm BatchMatMul with transposed operands', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    registerRnnKernels();
  });

  // M=37 (row tail), N=83 (a vocabulary: column tail), K=20.
  const [M, N, K] = [37, 83, 20];
  for (const [ta, tb] of [
    [true, false],
    [false, true],
    [true, true],
    [false, false],
  ] as const) {
    it(`transposeA=${ta} transposeB=${tb}: matches float64 and, when transposed, is the rnn-kernels product bit for bit`, () => {
      const a = seededValues(M * K, 1);
      const b = seededValues(K * N, 2);
      const at = tf.tensor2d(a, ta ? [K, M] : [M, K]);
      const bt = tf.tensor2d(b, tb ? [N, K] : [K, N]);
      const got = tf.matMul(at, bt, ta, tb);
      expect(got.shape).toEqual([M, N]);
      const values = got.dataSync();
      expect(maxAbsDiff(values, reference(a, b, M, N, K, ta, tb))).toBeLessThan(1e-5);
      const ours = activeRnnKernels().matMul({ M, N, K, a, b, transposeA: ta, transposeB: tb });
      // Routed when an operand is transposed: bitwise the rnn-kernels product.
      if (ta || tb) expect(Buffer.from(values.buffer, values.byteOffset, values.byteLength).equals(Buffer.from(ours.buffer))).toBe(true);
      tf.dispose([at, bt, got]);
    });
  }

  it('keeps rank-3 batch-1 shapes and routes them; leaves broadcast batches and setFastMatMul(false) to the stock kernel', () => {
    const a = tf.tensor3d(seededValues(2 * 5 * 3, 3), [2, 5, 3]);
    const b = tf.tensor3d(seededValues(2 * 4 * 3, 4), [2, 4, 3]);
    const one = tf.slice(a, [1, 0, 0], [1, 5, 3]);
    const oneB = tf.slice(b, [1, 0, 0], [1, 4, 3]);
    expect(fastMatMulDims(one, oneB, false, true)).toEqual({ batch: 1, M: 5, N: 4, K: 3 });
    expect(fastMatMulDims(one, tf.slice(oneB, [0, 0, 0], [1, 4, 3]), false, false)).toBeUndefined(); // K mismatch: stock reports
    expect(fastMatMulDims(tf.reshape(one, [5, 3]), tf.reshape(oneB, [4, 3]), false, false)).toBeUndefined();
    expect(fastMatMulDims(one, b, false, true)).toBeUndefined(); // broadcast batch
    const routed = tf.matMul(one, oneB, false, true);
    expect(routed.shape).toEqual([1, 5, 4]);
    const was = setFastMatMul(false);
    try {
      const stock = tf.matMul(one, oneB, false, true);
      expect(maxAbsDiff(stock.dataSync(), routed.dataSync())).toBeLessThan(1e-6);
    } finally {
      setFastMatMul(was);
    }
  });

  // The attention products of the seq2seq model: batched, with and without transposes, rank 3 and 4.
  for (const [ta, tb] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    it(`batched transposeA=${ta} transposeB=${tb}: one rnn-kernels gemm per batch entry, equal to float64 and to the stock kernel`, () => {
      const outer = [2, 3];
      const batch = 6;
      const a = seededValues(batch * M * K, 5);
      const b = seededValues(batch * K * N, 6);
      const at = tf.tensor(a, [...outer, ...(ta ? [K, M] : [M, K])]);
      const bt = tf.tensor(b, [...outer, ...(tb ? [N, K] : [K, N])]);
      expect(fastMatMulDims(at, bt, ta, tb)).toEqual({ batch, M, N, K });
      const got = tf.matMul(at, bt, ta, tb);
      expect(got.shape).toEqual([...outer, M, N]);
      const values = got.dataSync();
      for (let i = 0; i < batch; i++) {
        const ai = a.subarray(i * M * K, (i + 1) * M * K);
        const bi = b.subarray(i * K * N, (i + 1) * K * N);
        const slice = values.subarray(i * M * N, (i + 1) * M * N);
        expect(maxAbsDiff(slice, reference(ai, bi, M, N, K, ta, tb))).toBeLessThan(1e-5);
        const ours = activeRnnKernels().matMul({ M, N, K, a: ai, b: bi, transposeA: ta, transposeB: tb });
        expect(Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).equals(Buffer.from(ours.buffer))).toBe(true);
      }
      const was = setFastMatMul(false);
      try {
        const stock = tf.matMul(at, bt, ta, tb);
        expect(maxAbsDiff(stock.dataSync(), values)).toBeLessThan(1e-5);
        tf.dispose(stock);
      } finally {
        setFastMatMul(was);
      }
      tf.dispose([at, bt, got]);
    });
  }
});
