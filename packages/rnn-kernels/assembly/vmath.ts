// Four-lane transcendental functions for the gate nonlinearities. AssemblyScript's scalar Mathf.exp/tanh
// cost more than the step's matmul at H=128 (LSTM forward at T=40, B=128: 362 ms with Mathf vs ~96 ms of
// gemm, measured with bench-kernels.mjs), so the kernels use these: Cephes' expf polynomial (relative error
// ~1e-7 over the clamped range) and tanh through it, with an odd Taylor polynomial near 0 where 1 - e^{-2|x|}
// would cancel. Scalar tails go through the same functions (splat, lane 0) so every unit gets the same math.
import { FLUSH_ABS } from './common';

@inline
function c4(v: f32): v128 {
  return f32x4.splat(v);
}

/** e^x for x clamped to [-87.3, 88.3] (so 2^n stays a normal float). */
@inline
export function expV(x0: v128): v128 {
  let x = f32x4.min(f32x4.max(x0, c4(-87.3)), c4(88.3));
  const fx = f32x4.nearest(f32x4.mul(x, c4(1.44269504088896341)));
  x = f32x4.sub(x, f32x4.mul(fx, c4(0.693359375)));
  x = f32x4.sub(x, f32x4.mul(fx, c4(-2.12194440e-4)));
  let y = c4(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, x), c4(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, x), c4(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, x), c4(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, x), c4(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, x), c4(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, x), x), x), c4(1));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2n);
}

@inline
export function sigmoidV(x: v128): v128 {
  return f32x4.div(c4(1), f32x4.add(c4(1), expV(f32x4.neg(x))));
}

/** tfjs' hard_sigmoid: clip(0.2x + 0.5, 0, 1). */
@inline
export function hardSigmoidV(x: v128): v128 {
  return f32x4.min(c4(1), f32x4.max(c4(0), f32x4.add(f32x4.mul(c4(0.2), x), c4(0.5))));
}

@inline
export function tanhV(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| >= 0.125: sign(x) * (1 - t) / (1 + t), t = e^{-2|x|}.
  const t = expV(f32x4.mul(c4(-2), ax));
  const big = f32x4.div(f32x4.sub(c4(1), t), f32x4.add(c4(1), t));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  // |x| < 0.125: x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 (next term < 2e-12 relative).
  const x2 = f32x4.mul(x, x);
  let p = c4(62.0 / 2835.0);
  p = f32x4.sub(f32x4.mul(p, x2), c4(17.0 / 315.0));
  p = f32x4.add(f32x4.mul(p, x2), c4(2.0 / 15.0));
  p = f32x4.sub(f32x4.mul(p, x2), c4(1.0 / 3.0));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, x2), x), x);
  return v128.bitselect(p, signed, f32x4.lt(ax, c4(0.125)));
}

@inline
export function flushV(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(f32x4.abs(v), c4(FLUSH_ABS)));
}

/** Recurrent activation (hard != 0: hard_sigmoid), flushed. */
@inline
export function raV(x: v128, hard: i32): v128 {
  return flushV(hard ? hardSigmoidV(x) : sigmoidV(x));
}

/** d ra / dx from the activated y: y(1-y), or 0.2 strictly inside (0, 1) for hard_sigmoid. */
@inline
export function raGradV(y: v128, hard: i32): v128 {
  if (hard) return v128.and(c4(0.2), v128.and(f32x4.gt(y, c4(0)), f32x4.lt(y, c4(1))));
  return f32x4.mul(y, f32x4.sub(c4(1), y));
}

/** Lane 0 of a four-lane function, for scalar tails. */
@inline
export function lane0(v: v128): f32 {
  return f32x4.extract_lane(v, 0);
}
