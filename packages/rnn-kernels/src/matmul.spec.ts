import { describe, expect, it } from 'vitest';
import { createRnnKernels } from './create-rnn-kernels.js';
import { jsRnnKernels } from './js-kernels.js';
import { randomArray, relativeError, seededUniform } from './reference.testing.js';
import type { RnnKernels } from './types.js';

function transposed(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  return out;
}

const SETS: [string, () => RnnKernels][] = [
  ['js', jsRnnKernels],
  ['wasm-simd', () => createRnnKernels('wasm-simd')],
];
const FLAGS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

for (const [name, kernels] of SETS) {
  describe(`${name} matMul`, () => {
    // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]: exact in float32.
    const A = new Float32Array([1, 2, 3, 4, 5, 6]);
    const B = new Float32Array([7, 8, 9, 10, 11, 12]);
    for (const [transposeA, transposeB] of FLAGS) {
      it(`computes op(A)·op(B) with transposeA=${transposeA} transposeB=${transposeB}`, () => {
        const a = transposeA ? transposed(A, 2, 3) : A;
        const b = transposeB ? transposed(B, 3, 2) : B;
        expect(Array.from(kernels().matMul({ M: 2, N: 2, K: 3, a, b, transposeA, transposeB }))).toEqual([58, 64, 139, 154]);
      });
    }

    it('rejects an operand of the wrong size, naming it and its layout', () => {
      expect(() => kernels().matMul({ M: 2, N: 2, K: 3, a: A, b: new Float32Array(5), transposeA: false, transposeB: true })).toThrow(/b must be \[N,K\] = 6 elements, got 5/);
      expect(() => kernels().matMul({ M: 0, N: 2, K: 3, a: A, b: B, transposeA: false, transposeB: false })).toThrow(/M must be a positive integer/);
    });
  });
}

describe('wasm-simd matMul agrees with js', () => {
  // Row tails (M % 4), column tails (N % 8, e.g. a vocabulary of 83), K = 1, and padded rows of B (N = 64).
  const SHAPES = [
    { M: 9, N: 83, K: 33 },
    { M: 6, N: 64, K: 5 },
    { M: 4, N: 8, K: 1 },
    { M: 37, N: 19, K: 64 },
  ];
  for (const { M, N, K } of SHAPES) {
    for (const [transposeA, transposeB] of FLAGS) {
      it(`M=${M} N=${N} K=${K} transposeA=${transposeA} transposeB=${transposeB}`, () => {
        const rand = seededUniform(M * 10000 + N * 100 + K);
        const args = { M, N, K, a: randomArray(rand, M * K, 1), b: randomArray(rand, K * N, 1), transposeA, transposeB };
        const wasm = createRnnKernels('wasm-simd');
        const got = wasm.matMul(args);
        expect(relativeError(got, jsRnnKernels().matMul(args))).toBeLessThan(1e-5);
        // Bitwise reproducible: the same inputs give the same bits.
        expect(Buffer.from(wasm.matMul(args).buffer).equals(Buffer.from(got.buffer))).toBe(true);
      });
    }
  }
});
