// The one matrix product every recurrence step runs: C[m, 0:N] (+)= Σ_k A[m, k] · Bm[k, 0:N], with A read
// through element strides (sam, sak) so a transposed A costs nothing (each A element is splatted), and Bm,
// C row-major with leading dimensions ldb, ldc. Vectorised along N with f32x4; register block of 4 rows
// x 8 columns (8 accumulators, 2 Bm loads and 4 splats per k) keeps within x64's 16 vector registers.
// Loop order: column strip outer, rows inner, so a strip of Bm (K x 8 floats) stays in L1 across rows.
import { at, put } from './common';

export function gemm(M: i32, N: i32, K: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  const aStepK: usize = <usize>sak << 2;
  const bStepK: usize = <usize>ldb << 2;
  const n8 = N & ~7;
  let n0 = 0;
  for (; n0 < n8; n0 += 8) {
    let m = 0;
    for (; m + 4 <= M; m += 4) {
      const c0 = c + (<usize>(m * ldc + n0) << 2);
      const c1 = c0 + (<usize>ldc << 2);
      const c2 = c1 + (<usize>ldc << 2);
      const c3 = c2 + (<usize>ldc << 2);
      let x00 = f32x4.splat(0);
      let x01 = f32x4.splat(0);
      let x10 = f32x4.splat(0);
      let x11 = f32x4.splat(0);
      let x20 = f32x4.splat(0);
      let x21 = f32x4.splat(0);
      let x30 = f32x4.splat(0);
      let x31 = f32x4.splat(0);
      if (accumulate) {
        x00 = v128.load(c0);
        x01 = v128.load(c0, 16);
        x10 = v128.load(c1);
        x11 = v128.load(c1, 16);
        x20 = v128.load(c2);
        x21 = v128.load(c2, 16);
        x30 = v128.load(c3);
        x31 = v128.load(c3, 16);
      }
      let pa0 = a + (<usize>(m * sam) << 2);
      const da: usize = <usize>sam << 2;
      let pb = b + (<usize>n0 << 2);
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        const a0 = f32x4.splat(load<f32>(pa0));
        const a1 = f32x4.splat(load<f32>(pa0 + da));
        const a2 = f32x4.splat(load<f32>(pa0 + 2 * da));
        const a3 = f32x4.splat(load<f32>(pa0 + 3 * da));
        x00 = f32x4.add(x00, f32x4.mul(a0, b0));
        x01 = f32x4.add(x01, f32x4.mul(a0, b1));
        x10 = f32x4.add(x10, f32x4.mul(a1, b0));
        x11 = f32x4.add(x11, f32x4.mul(a1, b1));
        x20 = f32x4.add(x20, f32x4.mul(a2, b0));
        x21 = f32x4.add(x21, f32x4.mul(a2, b1));
        x30 = f32x4.add(x30, f32x4.mul(a3, b0));
        x31 = f32x4.add(x31, f32x4.mul(a3, b1));
        pa0 += aStepK;
        pb += bStepK;
      }
      v128.store(c0, x00);
      v128.store(c0, x01, 16);
      v128.store(c1, x10);
      v128.store(c1, x11, 16);
      v128.store(c2, x20);
      v128.store(c2, x21, 16);
      v128.store(c3, x30);
      v128.store(c3, x31, 16);
    }
    for (; m < M; m++) {
      const c0 = c + (<usize>(m * ldc + n0) << 2);
      let x0 = f32x4.splat(0);
      let x1 = f32x4.splat(0);
      if (accumulate) {
        x0 = v128.load(c0);
        x1 = v128.load(c0, 16);
      }
      let pa = a + (<usize>(m * sam) << 2);
      let pb = b + (<usize>n0 << 2);
      for (let k = 0; k < K; k++) {
        const s = f32x4.splat(load<f32>(pa));
        x0 = f32x4.add(x0, f32x4.mul(s, v128.load(pb)));
        x1 = f32x4.add(x1, f32x4.mul(s, v128.load(pb, 16)));
        pa += aStepK;
        pb += bStepK;
      }
      v128.store(c0, x0);
      v128.store(c0, x1, 16);
    }
  }
  // Column tail (N not a multiple of 8): scalar, only for small or odd unit counts.
  for (; n0 < N; n0++) {
    for (let m = 0; m < M; m++) {
      let s: f32 = accumulate ? at(c, m * ldc + n0) : 0;
      for (let k = 0; k < K; k++) s += at(a, m * sam + k * sak) * at(b, k * ldb + n0);
      put(c, m * ldc + n0, s);
    }
  }
}
