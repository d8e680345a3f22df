/**
 * Float64 reference recurrences written straight from tfjs-layers' cell formulas (LSTMCell, GRUCell,
 * SimpleRNNCell.call), a seeded generator, and central finite differences: the specs check both kernel
 * sets against these, never against each other alone.
 */
import type { RecurrentActivation, SimpleRnnActivation } from './types.js';

export type Vec = Float64Array;

/** mulberry32: deterministic uniform in [0, 1). */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [-scale, scale]. */
export function randomArray(rand: () => number, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rand() - 1) * scale);
}

/** [T,B] mask with about `presentFraction` ones. */
export function randomMask(rand: () => number, T: number, B: number, presentFraction: number): Float32Array {
  return Float32Array.from({ length: T * B }, () => (rand() < presentFraction ? 1 : 0));
}

function ra(kind: RecurrentActivation, x: number): number {
  if (kind === 'hard_sigmoid') return Math.min(1, Math.max(0, 0.2 * x + 0.5));
  return 1 / (1 + Math.exp(-x));
}

function act(kind: SimpleRnnActivation, x: number): number {
  return kind === 'tanh' ? Math.tanh(x) : kind === 'relu' ? Math.max(0, x) : x;
}

interface RefArgs {
  T: number;
  B: number;
  H: number;
  xp: ArrayLike<number>;
  u: ArrayLike<number>;
  h0: ArrayLike<number>;
  mask?: ArrayLike<number> | undefined;
}

function present(a: RefArgs, t: number, b: number): boolean {
  return a.mask === undefined || a.mask[t * a.B + b] !== 0;
}

/** h_prev · U[:, off:off+n] for one batch row. */
function dotRow(hprev: ArrayLike<number>, ho: number, u: ArrayLike<number>, H: number, G: number, off: number, j: number): number {
  let s = 0;
  for (let k = 0; k < H; k++) s += hprev[ho + k]! * u[k * G + off + j]!;
  return s;
}

export function referenceLstm(a: RefArgs & { c0: ArrayLike<number>; recurrentActivation: RecurrentActivation }): { h: Vec; c: Vec } {
  const { T, B, H } = a;
  const G = 4 * H;
  const h = new Float64Array(T * B * H);
  const c = new Float64Array(T * B * H);
  for (let t = 0; t < T; t++) {
    const hp = t === 0 ? a.h0 : h;
    const cp = t === 0 ? a.c0 : c;
    const po = t === 0 ? 0 : (t - 1) * B * H;
    for (let b = 0; b < B; b++) {
      const sp = po + b * H;
      const so = (t * B + b) * H;
      for (let j = 0; j < H; j++) {
        if (!present(a, t, b)) {
          h[so + j] = hp[sp + j]!;
          c[so + j] = cp[sp + j]!;
          continue;
        }
        const x = (gate: number): number => a.xp[(t * B + b) * G + gate * H + j]! + dotRow(hp, sp, a.u, H, G, gate * H, j);
        const i = ra(a.recurrentActivation, x(0));
        const f = ra(a.recurrentActivation, x(1));
        const g = Math.tanh(x(2));
        const o = ra(a.recurrentActivation, x(3));
        c[so + j] = f * cp[sp + j]! + i * g;
        h[so + j] = o * Math.tanh(c[so + j]!);
      }
    }
  }
  return { h, c };
}

export function referenceGru(a: RefArgs & { recurrentActivation: RecurrentActivation }): { h: Vec } {
  const { T, B, H } = a;
  const G = 3 * H;
  const h = new Float64Array(T * B * H);
  const rh = new Float64Array(H);
  for (let t = 0; t < T; t++) {
    const hp = t === 0 ? a.h0 : h;
    const po = t === 0 ? 0 : (t - 1) * B * H;
    for (let b = 0; b < B; b++) {
      const sp = po + b * H;
      const so = (t * B + b) * H;
      const xo = (t * B + b) * G;
      if (!present(a, t, b)) {
        for (let j = 0; j < H; j++) h[so + j] = hp[sp + j]!;
        continue;
      }
      const z = Array.from({ length: H }, (_, j) => ra(a.recurrentActivation, a.xp[xo + j]! + dotRow(hp, sp, a.u, H, G, 0, j)));
      for (let j = 0; j < H; j++) rh[j] = ra(a.recurrentActivation, a.xp[xo + H + j]! + dotRow(hp, sp, a.u, H, G, H, j)) * hp[sp + j]!;
      for (let j = 0; j < H; j++) {
        const hh = Math.tanh(a.xp[xo + 2 * H + j]! + dotRow(rh, 0, a.u, H, G, 2 * H, j));
        h[so + j] = z[j]! * hp[sp + j]! + (1 - z[j]!) * hh;
      }
    }
  }
  return { h };
}

export function referenceSimpleRnn(a: RefArgs & { activation: SimpleRnnActivation }): { h: Vec } {
  const { T, B, H } = a;
  const h = new Float64Array(T * B * H);
  for (let t = 0; t < T; t++) {
    const hp = t === 0 ? a.h0 : h;
    const po = t === 0 ? 0 : (t - 1) * B * H;
    for (let b = 0; b < B; b++) {
      const sp = po + b * H;
      const so = (t * B + b) * H;
      for (let j = 0; j < H; j++) {
        h[so + j] = present(a, t, b) ? act(a.activation, a.xp[so + j]! + dotRow(hp, sp, a.u, H, H, 0, j)) : hp[sp + j]!;
      }
    }
  }
  return { h };
}

/** Σ a·w over all elements. */
export function weightedSum(a: ArrayLike<number>, w: ArrayLike<number>, offset = 0): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += a[offset + i]! * w[i]!;
  return s;
}

/** Central-difference gradient of `loss` with respect to every element of `x` (perturbed in place, restored). */
export function finiteDifferenceGradient(x: Float64Array, loss: () => number, eps = 1e-4): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    x[i] = v + eps;
    const up = loss();
    x[i] = v - eps;
    const down = loss();
    x[i] = v;
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

/** max |a - b| / max(max |b|, floor): one relative figure for a whole array. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
