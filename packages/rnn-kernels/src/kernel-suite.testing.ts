/**
 * The correctness suite every RnnKernels implementation passes: forward against the float64 reference,
 * backward against central finite differences of a scalar loss L = Σ h·R (+ Σ c_T·S for LSTM), with and
 * without masks, for both recurrent activations and several shapes including B=1, H=1, T=1.
 */
import { describe, expect, it } from 'vitest';
import { isSeqtrainError } from '@seqtrain/common';
import {
  finiteDifferenceGradient,
  randomArray,
  randomMask,
  referenceGru,
  referenceLstm,
  referenceSimpleRnn,
  relativeError,
  seededUniform,
  weightedSum,
} from './reference.testing.js';
import type { RecurrentActivation, RnnKernels, SimpleRnnActivation } from './types.js';

const SHAPES = [
  { T: 3, B: 2, H: 3 },
  { T: 1, B: 1, H: 1 },
  { T: 4, B: 1, H: 2 },
  { T: 2, B: 3, H: 1 },
  { T: 5, B: 2, H: 5 },
];
const FORWARD_TOLERANCE = 1e-5;
const GRADIENT_TOLERANCE = 2e-3;

interface Case {
  T: number;
  B: number;
  H: number;
  masked: boolean;
  seed: number;
}

function cases(): Case[] {
  return SHAPES.flatMap((s, i) => [false, true].map((masked) => ({ ...s, masked, seed: 17 + 31 * i + (masked ? 7 : 0) })));
}

function label(c: Case): string {
  return `T=${c.T} B=${c.B} H=${c.H}${c.masked ? ' masked' : ''}`;
}

function maybeMask(rand: () => number, c: Case): Float32Array | undefined {
  if (!c.masked) return undefined;
  const m = randomMask(rand, c.T, c.B, 0.6);
  m[0] = 0; // a padded first step: the initial state must pass through
  if (c.T > 1) m[c.B * (c.T - 1)] = 1;
  return m;
}

const f64 = (a: Float32Array): Float64Array => Float64Array.from(a);

/** Float32's smallest normal. */
const FLT_MIN = 1.1754943508222875e-38;

function countSubnormals(a: Float32Array): number {
  let n = 0;
  for (const v of a) if (v !== 0 && Math.abs(v) < FLT_MIN) n++;
  return n;
}

/** The last step's gradient is alive and the first step's has decayed below the flush threshold to exact zeros. */
function expectFlushedEarly(dxp: Float32Array, T: number, perStep: number): void {
  expect(dxp.subarray((T - 1) * perStep).some((v) => Math.abs(v) > 1e-6)).toBe(true);
  expect(dxp.subarray(0, perStep).every((v) => v === 0)).toBe(true);
}

export function describeKernelSuite(title: string, make: () => RnnKernels): void {
  describe(`${title}: LSTM`, () => {
    for (const recurrentActivation of ['sigmoid', 'hard_sigmoid'] as RecurrentActivation[]) {
      for (const c of cases()) {
        it(`${recurrentActivation} ${label(c)}: forward = float64 reference, backward = finite differences`, () => {
          const k = make();
          const { T, B, H } = c;
          const rand = seededUniform(c.seed);
          const xp = randomArray(rand, T * B * 4 * H, 1.5);
          const u = randomArray(rand, H * 4 * H, 0.8);
          const h0 = randomArray(rand, B * H, 0.9);
          const c0 = randomArray(rand, B * H, 1.2);
          const mask = maybeMask(rand, c);
          const R = randomArray(rand, T * B * H, 1);
          const S = randomArray(rand, B * H, 1);
          const args = { T, B, H, xp, u, h0, c0, mask, recurrentActivation };
          const fwd = k.lstmForward(args);
          const ref = referenceLstm(args);
          expect(relativeError(fwd.h, ref.h)).toBeLessThan(FORWARD_TOLERANCE);
          expect(relativeError(fwd.c, ref.c)).toBeLessThan(FORWARD_TOLERANCE);
          const bwd = k.lstmBackward({ ...args, ...fwd, dh: R, dcT: S, computeDu: true });

          const p = { xp: f64(xp), u: f64(u), h0: f64(h0), c0: f64(c0) };
          const loss = (): number => {
            const r = referenceLstm({ T, B, H, ...p, mask, recurrentActivation });
            return weightedSum(r.h, R) + weightedSum(r.c, S, (T - 1) * B * H);
          };
          expect(relativeError(bwd.dxp, finiteDifferenceGradient(p.xp, loss))).toBeLessThan(GRADIENT_TOLERANCE);
          expect(relativeError(bwd.du!, finiteDifferenceGradient(p.u, loss))).toBeLessThan(GRADIENT_TOLERANCE);
          expect(relativeError(bwd.dh0, finiteDifferenceGradient(p.h0, loss))).toBeLessThan(GRADIENT_TOLERANCE);
          expect(relativeError(bwd.dc0, finiteDifferenceGradient(p.c0, loss))).toBeLessThan(GRADIENT_TOLERANCE);
          if (mask !== undefined) {
            for (let t = 0; t < T; t++) {
              for (let b = 0; b < B; b++) {
                if (mask[t * B + b] !== 0) continue;
                expect(Array.from(bwd.dxp.subarray((t * B + b) * 4 * H, (t * B + b + 1) * 4 * H)).every((v) => v === 0)).toBe(true);
              }
            }
          }
        });
      }
    }

    it('without computeDu returns no du; without dcT the final cell gradient is 0', () => {
      const k = make();
      const rand = seededUniform(5);
      const T = 2;
      const B = 2;
      const H = 3;
      const args = {
        T,
        B,
        H,
        xp: randomArray(rand, T * B * 4 * H, 1),
        u: randomArray(rand, H * 4 * H, 1),
        h0: new Float32Array(B * H),
        c0: new Float32Array(B * H),
        recurrentActivation: 'sigmoid' as const,
      };
      const fwd = k.lstmForward(args);
      const dh = randomArray(rand, T * B * H, 1);
      const a = k.lstmBackward({ ...args, ...fwd, dh });
      const b = k.lstmBackward({ ...args, ...fwd, dh, dcT: new Float32Array(B * H) });
      expect(a.du).toBeUndefined();
      expect(Array.from(a.dxp)).toEqual(Array.from(b.dxp));
    });

    it('rejects a wrongly sized array with ERR_SHAPE_MISMATCH naming the field', () => {
      const k = make();
      const bad = { T: 2, B: 1, H: 2, xp: new Float32Array(15), u: new Float32Array(16), h0: new Float32Array(2), c0: new Float32Array(2) };
      let caught: unknown;
      try {
        k.lstmForward({ ...bad, recurrentActivation: 'sigmoid' });
      } catch (err) {
        caught = err;
      }
      expect(isSeqtrainError(caught, 'ERR_SHAPE_MISMATCH')).toBe(true);
      expect((caught as Error).message).toMatch(/xp must be \[T,B,4H\] = 16 elements, got 15/);
    });
  });

  describe(`${title}: subnormals`, () => {
    // Small recurrent weights and saturated gates make the gradient shrink ~100x per step backwards (and
    // sigmoid(-100) = 4e-44 forwards): without the flush these arrays hold subnormals.
    const T = 40;
    const B = 3;
    const H = 8;
    const rand = seededUniform(99);
    const dh = new Float32Array(T * B * H);
    dh.set(randomArray(rand, B * H, 1), (T - 1) * B * H);
    const small = (n: number): Float32Array => randomArray(rand, n, 0.01);
    /** Sets one gate's input projection to v for the first `steps` steps. */
    const saturate = (xp: Float32Array, gate: number, gates: number, v: number, steps = T): Float32Array => {
      for (let r = 0; r < steps * B; r++) xp.fill(v, r * gates * H + gate * H, r * gates * H + (gate + 1) * H);
      return xp;
    };

    it('LSTM stores none, forward or backward; the early gradient is flushed to exact zeros', () => {
      const k = make();
      const xp = saturate(saturate(randomArray(rand, T * B * 4 * H, 1), 0, 4, -100, 2), 1, 4, -6);
      const args = { T, B, H, xp, u: small(4 * H * H), h0: small(B * H), c0: small(B * H), recurrentActivation: 'sigmoid' as const };
      const fwd = k.lstmForward(args);
      const bwd = k.lstmBackward({ ...args, ...fwd, dh, dcT: randomArray(rand, B * H, 1), computeDu: true });
      for (const [name, arr] of Object.entries({ ...fwd, ...bwd })) expect(countSubnormals(arr!), name).toBe(0);
      expectFlushedEarly(bwd.dxp, T, B * 4 * H);
    });

    it('GRU stores none; the early gradient is flushed to exact zeros', () => {
      const k = make();
      const xp = saturate(saturate(randomArray(rand, T * B * 3 * H, 1), 0, 3, -6), 0, 3, -100, 2);
      const args = { T, B, H, xp, u: small(3 * H * H), h0: small(B * H), recurrentActivation: 'sigmoid' as const };
      const fwd = k.gruForward(args);
      const bwd = k.gruBackward({ ...args, ...fwd, dh });
      for (const [name, arr] of Object.entries({ ...fwd, ...bwd })) expect(countSubnormals(arr), name).toBe(0);
      expectFlushedEarly(bwd.dxp, T, B * 3 * H);
    });

    it('SimpleRNN stores none; the early gradient is flushed to exact zeros', () => {
      const k = make();
      const args = { T, B, H, xp: randomArray(rand, T * B * H, 1), u: small(H * H), h0: small(B * H), activation: 'tanh' as const };
      const fwd = k.simpleRnnForward(args);
      const bwd = k.simpleRnnBackward({ ...args, ...fwd, dh, computeDu: true });
      for (const [name, arr] of Object.entries({ ...fwd, ...bwd })) expect(countSubnormals(arr!), name).toBe(0);
      expectFlushedEarly(bwd.dxp, T, B * H);
    });
  });

  describe(`${title}: GRU`, () => {
    for (const recurrentActivation of ['sigmoid', 'hard_sigmoid'] as RecurrentActivation[]) {
      for (const c of cases()) {
        it(`${recurrentActivation} ${label(c)}: forward = float64 reference, backward (with du) = finite differences`, () => {
          const k = make();
          const { T, B, H } = c;
          const rand = seededUniform(c.seed + 1000);
          const xp = randomArray(rand, T * B * 3 * H, 1.5);
          const u = randomArray(rand, H * 3 * H, 0.8);
          const h0 = randomArray(rand, B * H, 0.9);
          const mask = maybeMask(rand, c);
          const R = randomArray(rand, T * B * H, 1);
          const args = { T, B, H, xp, u, h0, mask, recurrentActivation };
          const fwd = k.gruForward(args);
          expect(relativeError(fwd.h, referenceGru(args).h)).toBeLessThan(FORWARD_TOLERANCE);
          const bwd = k.gruBackward({ ...args, ...fwd, dh: R });
          const p = { xp: f64(xp), u: f64(u), h0: f64(h0) };
          const loss = (): number => weightedSum(referenceGru({ T, B, H, ...p, mask, recurrentActivation }).h, R);
          expect(relativeError(bwd.dxp, finiteDifferenceGradient(p.xp, loss))).toBeLessThan(GRADIENT_TOLERANCE);
          expect(relativeError(bwd.du, finiteDifferenceGradient(p.u, loss))).toBeLessThan(GRADIENT_TOLERANCE);
          expect(relativeError(bwd.dh0, finiteDifferenceGradient(p.h0, loss))).toBeLessThan(GRADIENT_TOLERANCE);
        });
      }
    }
  });

  describe(`${title}: SimpleRNN`, () => {
    for (const activation of ['tanh', 'relu', 'linear'] as SimpleRnnActivation[]) {
      for (const c of cases()) {
        it(`${activation} ${label(c)}: forward = float64 reference, backward = finite differences`, () => {
          const k = make();
          const { T, B, H } = c;
          const rand = seededUniform(c.seed + 2000);
          const xp = randomArray(rand, T * B * H, 1.5);
          const u = randomArray(rand, H * H, 0.8);
          const h0 = randomArray(rand, B * H, 0.9);
          const mask = maybeMask(rand, c);
          const R = randomArray(rand, T * B * H, 1);
          const args = { T, B, H, xp, u, h0, mask, activation };
          const fwd = k.simpleRnnForward(args);
          expect(relativeError(fwd.h, referenceSimpleRnn(args).h)).toBeLessThan(FORWARD_TOLERANCE);
          const bwd = k.simpleRnnBackward({ ...args, ...fwd, dh: R, computeDu: true });
          const p = { xp: f64(xp), u: f64(u), h0: f64(h0) };
          const loss = (): number => weightedSum(referenceSimpleRnn({ T, B, H, ...p, mask, activation }).h, R);
          expect(relativeError(bwd.dxp, finiteDifferenceGradient(p.xp, loss))).toBeLessThan(GRADIENT_TOLERANCE);
          expect(relativeError(bwd.du!, finiteDifferenceGradient(p.u, loss))).toBeLessThan(GRADIENT_TOLERANCE);
          expect(relativeError(bwd.dh0, finiteDifferenceGradient(p.h0, loss))).toBeLessThan(GRADIENT_TOLERANCE);
        });
      }
    }
  });
}
