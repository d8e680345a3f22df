/**
 * The recurrences as tfjs ops, for backends without the fused kernels (tensorflow, webgl) and as a
 * second implementation on cpu and wasm. Versus tfjs-layers' loop (one x·W, one h·U, one SplitV and
 * the mask blend per step, then stack): the input projection of all steps is already one matmul (the
 * caller's xp), xp is split into per-gate sequences once, U into per-gate matrices once, so a step is
 * only the h·U_gate matmuls and element-wise ops, and the outputs are stacked once at the end.
 * Autodiff is tfjs'. Activations are the layer's own objects, so any activation works here.
 * All tensors are time-major: xp [T,B,G·H], mask [T,B] of 0/1 or null.
 */
import type { Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { add, expandDims, matMul, mul, neg, split, stack, sub, unstack } from '@tensorflow/tfjs-core';

export type TensorActivation = (x: Tensor) => Tensor;

/** Per-step [B,1] masks and their complements, or null. */
function stepMasks(mask: Tensor2D | null): { keep: Tensor[]; carry: Tensor[] } | null {
  if (mask === null) return null;
  const keep = unstack(expandDims(mask, 2), 0);
  return { keep, carry: keep.map((m) => sub(1, m)) };
}

/** tfjs-layers' masked blend: new·m + old·(1-m). */
function blend(next: Tensor, previous: Tensor, masks: { keep: Tensor[]; carry: Tensor[] } | null, t: number): Tensor {
  if (masks === null) return next;
  return add(mul(next, masks.keep[t] as Tensor), mul(previous, masks.carry[t] as Tensor));
}

/** Splits xp [T,B,G·H] into G per-gate lists of T tensors [B,H], and u [H,G·H] into G matrices [H,H]. */
function perGate(xp: Tensor3D, u: Tensor2D, gates: number): { x: Tensor[][]; u: Tensor[] } {
  return { x: split(xp, gates, 2).map((g) => unstack(g, 0)), u: split(u, gates, 1) };
}

function at(steps: Tensor[][], gate: number, t: number): Tensor {
  return (steps[gate] as Tensor[])[t] as Tensor;
}

export interface LstmOpsResult {
  h: Tensor3D;
  cT: Tensor2D;
}

export function lstmOps(
  xp: Tensor3D,
  u: Tensor2D,
  h0: Tensor2D,
  c0: Tensor2D,
  mask: Tensor2D | null,
  activation: TensorActivation,
  recurrentActivation: TensorActivation
): LstmOpsResult {
  const T = xp.shape[0];
  const g = perGate(xp, u, 4);
  const [ui, uf, uc, uo] = g.u as [Tensor, Tensor, Tensor, Tensor];
  const masks = stepMasks(mask);
  let h: Tensor = h0;
  let c: Tensor = c0;
  const hs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const i = recurrentActivation(add(at(g.x, 0, t), matMul(h, ui)));
    const f = recurrentActivation(add(at(g.x, 1, t), matMul(h, uf)));
    const cc = activation(add(at(g.x, 2, t), matMul(h, uc)));
    const o = recurrentActivation(add(at(g.x, 3, t), matMul(h, uo)));
    const cNext = add(mul(f, c), mul(i, cc));
    const hNext = mul(o, activation(cNext));
    h = blend(hNext, h, masks, t);
    c = blend(cNext, c, masks, t);
    hs.push(h);
  }
  return { h: stack(hs, 0) as Tensor3D, cT: c as Tensor2D };
}

/** GRU, reset_after=false: z, r from h·U_z, h·U_r; the candidate from (r*h)·U_h. */
export function gruOps(
  xp: Tensor3D,
  u: Tensor2D,
  h0: Tensor2D,
  mask: Tensor2D | null,
  activation: TensorActivation,
  recurrentActivation: TensorActivation
): Tensor3D {
  const T = xp.shape[0];
  const g = perGate(xp, u, 3);
  const [uz, ur, uh] = g.u as [Tensor, Tensor, Tensor];
  const masks = stepMasks(mask);
  let h: Tensor = h0;
  const hs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const z = recurrentActivation(add(at(g.x, 0, t), matMul(h, uz)));
    const r = recurrentActivation(add(at(g.x, 1, t), matMul(h, ur)));
    const hh = activation(add(at(g.x, 2, t), matMul(mul(r, h), uh)));
    const hNext = add(mul(z, h), mul(add(1, neg(z)), hh));
    h = blend(hNext, h, masks, t);
    hs.push(h);
  }
  return stack(hs, 0) as Tensor3D;
}

export function simpleRnnOps(
  xp: Tensor3D,
  u: Tensor2D,
  h0: Tensor2D,
  mask: Tensor2D | null,
  activation: TensorActivation
): Tensor3D {
  const T = xp.shape[0];
  const xs = unstack(xp, 0);
  const masks = stepMasks(mask);
  let h: Tensor = h0;
  const hs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const hNext = activation(add(xs[t] as Tensor, matMul(h, u)));
    h = blend(hNext, h, masks, t);
    hs.push(h);
  }
  return stack(hs, 0) as Tensor3D;
}
