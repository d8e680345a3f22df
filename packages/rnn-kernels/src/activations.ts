import type { RecurrentActivation, SimpleRnnActivation } from './types.js';

/**
 * Every state, gate and gradient a kernel stores with |v| below this is stored as 0. Float32's smallest
 * normal is 1.18e-38; gradients through a long recurrence shrink geometrically into subnormals (from T ~ 140
 * in the issue's LSTM(32) measurement), and x86 handles subnormal operands in microcode, up to ~100x slower
 * (wasm's matmul on them was measured 33x slower). WebAssembly has no flush-to-zero mode, so the kernels
 * flush at the store instead; 1e-30 leaves eight decades of headroom so one step's products of stored
 * values stay normal. The change is far below float32 resolution of any non-tiny value.
 */
export const SUBNORMAL_FLUSH_ABS = 1e-30;

export function flush(v: number): number {
  return v < SUBNORMAL_FLUSH_ABS && v > -SUBNORMAL_FLUSH_ABS ? 0 : v;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** tfjs-layers' hardSigmoid: clip(0.2x + 0.5, 0, 1). */
export function hardSigmoid(x: number): number {
  const y = 0.2 * x + 0.5;
  return y < 0 ? 0 : y > 1 ? 1 : y;
}

export function recurrentActivationFn(kind: RecurrentActivation): (x: number) => number {
  return kind === 'hard_sigmoid' ? hardSigmoid : sigmoid;
}

/**
 * d act / d x written in terms of the activated value y. hard_sigmoid's slope is 0.2 strictly inside
 * (0, 1) and 0 where it clipped; tfjs' clipByValue gradient also passes at the exact boundaries, a set
 * of measure zero.
 */
export function recurrentActivationGradFn(kind: RecurrentActivation): (y: number) => number {
  return kind === 'hard_sigmoid' ? (y) => (y > 0 && y < 1 ? 0.2 : 0) : (y) => y * (1 - y);
}

export function simpleActivationFn(kind: SimpleRnnActivation): (x: number) => number {
  switch (kind) {
    case 'tanh':
      return Math.tanh;
    case 'relu':
      return (x) => (x > 0 ? x : 0);
    case 'linear':
      return (x) => x;
  }
}

/** d act / d x in terms of the activated value y (relu: 1 where y > 0). */
export function simpleActivationGradFn(kind: SimpleRnnActivation): (y: number) => number {
  switch (kind) {
    case 'tanh':
      return (y) => 1 - y * y;
    case 'relu':
      return (y) => (y > 0 ? 1 : 0);
    case 'linear':
      return () => 1;
  }
}
