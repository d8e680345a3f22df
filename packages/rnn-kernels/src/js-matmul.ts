import type { MatMulArgs } from './types.js';
import { checkMatMul } from './validate.js';

/** The reference product (float64 accumulation, float32 result), as the other js kernels. */
export function matMulJs(m: MatMulArgs): Float32Array {
  checkMatMul('matMul', m);
  const { M, N, K, a, b, transposeA, transposeB } = m;
  const c = new Float32Array(M * N);
  const row = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const aik = a[transposeA ? k * M + i : i * K + k]!;
      if (aik === 0) continue;
      if (transposeB) for (let j = 0; j < N; j++) row[j] = row[j]! + aik * b[j * K + k]!;
      else for (let j = 0; j < N; j++) row[j] = row[j]! + aik * b[k * N + j]!;
    }
    for (let j = 0; j < N; j++) c[i * N + j] = row[j]!;
  }
  return c;
}
