// Four-lane transcendental functions for the gate nonlinearities. AssemblyScript's scalar Mathf.exp/tanh
// made the nonlinearities cost more than the step's matmul (LSTM forward at T=40, B=128, H=128: 362 ms with
// Mathf, 96 ms with these; scripts/bench-kernels.mjs), so the kernels use Cephes' expf polynomial (relative
// error ~1e-7 over the clamped range) and tanh through it, with an odd Taylor polynomial near 0 where
// 1 - e^(-2|x|) would cancel. Scalar tails go through the same functions (splat, lane 0).
//
// The constants live in linear memory and are read with v128.load: as v128.const immediates V8 rebuilds
// each one inside the loop (several instructions apiece, 117 of them in the LSTM forward's loop body).

const EXP_LO = 0;
const EXP_HI = 1;
const LOG2E = 2;
const LN2_HI = 3;
const LN2_LO = 4;
const P0 = 5;
const P1 = 6;
const P2 = 7;
const P3 = 8;
const P4 = 9;
const P5 = 10;
const ONE = 11;
const ZERO = 12;
const BIAS = 13;
const POINT2 = 14;
const HALF = 15;
const MINUS2 = 16;
const T9 = 17;
const T7 = 18;
const T5 = 19;
const T3 = 20;
const TANH_SMALL = 21;
const SIGN = 22;
const FLUSH = 23;

const KV: usize = memory.data<f32>([
  <f32>(-87.3), <f32>(-87.3), <f32>(-87.3), <f32>(-87.3),
  <f32>(88.3), <f32>(88.3), <f32>(88.3), <f32>(88.3),
  <f32>(1.44269504088896341), <f32>(1.44269504088896341), <f32>(1.44269504088896341), <f32>(1.44269504088896341),
  <f32>(0.693359375), <f32>(0.693359375), <f32>(0.693359375), <f32>(0.693359375),
  <f32>(-2.12194440e-4), <f32>(-2.12194440e-4), <f32>(-2.12194440e-4), <f32>(-2.12194440e-4),
  <f32>(1.9875691500e-4), <f32>(1.9875691500e-4), <f32>(1.9875691500e-4), <f32>(1.9875691500e-4),
  <f32>(1.3981999507e-3), <f32>(1.3981999507e-3), <f32>(1.3981999507e-3), <f32>(1.3981999507e-3),
  <f32>(8.3334519073e-3), <f32>(8.3334519073e-3), <f32>(8.3334519073e-3), <f32>(8.3334519073e-3),
  <f32>(4.1665795894e-2), <f32>(4.1665795894e-2), <f32>(4.1665795894e-2), <f32>(4.1665795894e-2),
  <f32>(1.6666665459e-1), <f32>(1.6666665459e-1), <f32>(1.6666665459e-1), <f32>(1.6666665459e-1),
  <f32>(5.0000001201e-1), <f32>(5.0000001201e-1), <f32>(5.0000001201e-1), <f32>(5.0000001201e-1),
  <f32>(1.0), <f32>(1.0), <f32>(1.0), <f32>(1.0),
  <f32>(0.0), <f32>(0.0), <f32>(0.0), <f32>(0.0),
  <f32>(127.0), <f32>(127.0), <f32>(127.0), <f32>(127.0),
  <f32>(0.2), <f32>(0.2), <f32>(0.2), <f32>(0.2),
  <f32>(0.5), <f32>(0.5), <f32>(0.5), <f32>(0.5),
  <f32>(-2.0), <f32>(-2.0), <f32>(-2.0), <f32>(-2.0),
  <f32>(62.0 / 2835.0), <f32>(62.0 / 2835.0), <f32>(62.0 / 2835.0), <f32>(62.0 / 2835.0),
  <f32>(17.0 / 315.0), <f32>(17.0 / 315.0), <f32>(17.0 / 315.0), <f32>(17.0 / 315.0),
  <f32>(2.0 / 15.0), <f32>(2.0 / 15.0), <f32>(2.0 / 15.0), <f32>(2.0 / 15.0),
  <f32>(1.0 / 3.0), <f32>(1.0 / 3.0), <f32>(1.0 / 3.0), <f32>(1.0 / 3.0),
  <f32>(0.125), <f32>(0.125), <f32>(0.125), <f32>(0.125),
  <f32>(-0.0), <f32>(-0.0), <f32>(-0.0), <f32>(-0.0),
  <f32>(1e-30), <f32>(1e-30), <f32>(1e-30), <f32>(1e-30)
], 16);

/** Constant k, four lanes. */
@inline
export function kv(k: i32): v128 {
  return v128.load(KV + (<usize>k << 4));
}

@inline
export function one(): v128 {
  return kv(ONE);
}

/** e^x for x clamped to [-87.3, 88.3] (so 2^n stays a normal float). */
@inline
export function expV(x0: v128): v128 {
  let x = f32x4.min(f32x4.max(x0, kv(EXP_LO)), kv(EXP_HI));
  const fx = f32x4.nearest(f32x4.mul(x, kv(LOG2E)));
  x = f32x4.sub(x, f32x4.mul(fx, kv(LN2_HI)));
  x = f32x4.sub(x, f32x4.mul(fx, kv(LN2_LO)));
  let y = kv(P0);
  y = f32x4.add(f32x4.mul(y, x), kv(P1));
  y = f32x4.add(f32x4.mul(y, x), kv(P2));
  y = f32x4.add(f32x4.mul(y, x), kv(P3));
  y = f32x4.add(f32x4.mul(y, x), kv(P4));
  y = f32x4.add(f32x4.mul(y, x), kv(P5));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, x), x), x), kv(ONE));
  const pow2n = i32x4.shl(i32x4.trunc_sat_f32x4_s(f32x4.add(fx, kv(BIAS))), 23);
  return f32x4.mul(y, pow2n);
}

@inline
export function sigmoidV(x: v128): v128 {
  return f32x4.div(kv(ONE), f32x4.add(kv(ONE), expV(f32x4.neg(x))));
}

/** tfjs' hard_sigmoid: clip(0.2x + 0.5, 0, 1). */
@inline
export function hardSigmoidV(x: v128): v128 {
  return f32x4.min(kv(ONE), f32x4.max(kv(ZERO), f32x4.add(f32x4.mul(kv(POINT2), x), kv(HALF))));
}

@inline
export function tanhV(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| >= 0.125: sign(x) * (1 - t) / (1 + t), t = e^(-2|x|).
  const t = expV(f32x4.mul(kv(MINUS2), ax));
  const big = f32x4.div(f32x4.sub(kv(ONE), t), f32x4.add(kv(ONE), t));
  const signed = v128.or(big, v128.and(x, kv(SIGN)));
  // |x| < 0.125: x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 (next term < 2e-12 relative).
  const x2 = f32x4.mul(x, x);
  let p = kv(T9);
  p = f32x4.sub(f32x4.mul(p, x2), kv(T7));
  p = f32x4.add(f32x4.mul(p, x2), kv(T5));
  p = f32x4.sub(f32x4.mul(p, x2), kv(T3));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, x2), x), x);
  return v128.bitselect(p, signed, f32x4.lt(ax, kv(TANH_SMALL)));
}

/** |v| < 1e-30 (common.ts FLUSH_ABS) -> 0. */
@inline
export function flushV(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(f32x4.abs(v), kv(FLUSH)));
}

/** Recurrent activation (hard != 0: hard_sigmoid), flushed. */
@inline
export function raV(x: v128, hard: i32): v128 {
  return flushV(hard ? hardSigmoidV(x) : sigmoidV(x));
}

/** d ra / dx from the activated y: y(1-y), or 0.2 strictly inside (0, 1) for hard_sigmoid. */
@inline
export function raGradV(y: v128, hard: i32): v128 {
  if (hard) return v128.and(kv(POINT2), v128.and(f32x4.gt(y, kv(ZERO)), f32x4.lt(y, kv(ONE))));
  return f32x4.mul(y, f32x4.sub(kv(ONE), y));
}
