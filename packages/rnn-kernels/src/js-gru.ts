import { flush, recurrentActivationFn, recurrentActivationGradFn } from './activations.js';
import { accumulateOuter } from './js-outer.js';
import type { GruBackwardArgs, GruBackwardResult, GruForwardArgs, GruForwardResult } from './types.js';
import { checkGruBackward, checkGruForward } from './validate.js';

/** Pure-JS GRU recurrence, reset_after=false (types.ts has the contract). */
export function gruForwardJs(a: GruForwardArgs): GruForwardResult {
  checkGruForward('gruForward', a);
  const { T, B, H, xp, u, h0, mask } = a;
  const G = 3 * H;
  const BH = B * H;
  const h = new Float32Array(T * BH);
  const gates = new Float32Array(T * B * G);
  const ra = recurrentActivationFn(a.recurrentActivation);
  const pre = new Float64Array(G);
  const rh = new Float64Array(H);
  for (let t = 0; t < T; t++) {
    const hp = t === 0 ? h0 : h;
    const po = t === 0 ? 0 : (t - 1) * BH;
    for (let b = 0; b < B; b++) {
      const sp = po + b * H;
      const so = t * BH + b * H;
      if (mask !== undefined && mask[t * B + b] === 0) {
        for (let j = 0; j < H; j++) h[so + j] = hp[sp + j]!;
        continue;
      }
      const xo = (t * B + b) * G;
      for (let j = 0; j < G; j++) pre[j] = xp[xo + j]!;
      for (let k = 0; k < H; k++) {
        const hk = hp[sp + k]!;
        if (hk === 0) continue;
        const row = k * G;
        for (let j = 0; j < 2 * H; j++) pre[j] = pre[j]! + hk * u[row + j]!;
      }
      for (let j = 0; j < H; j++) {
        const z = flush(ra(pre[j]!));
        const r = flush(ra(pre[H + j]!));
        gates[xo + j] = z;
        gates[xo + H + j] = r;
        rh[j] = r * hp[sp + j]!;
      }
      for (let k = 0; k < H; k++) {
        const v = rh[k]!;
        if (v === 0) continue;
        const row = k * G + 2 * H;
        for (let j = 0; j < H; j++) pre[2 * H + j] = pre[2 * H + j]! + v * u[row + j]!;
      }
      for (let j = 0; j < H; j++) {
        const hh = flush(Math.tanh(pre[2 * H + j]!));
        const z = gates[xo + j]!;
        gates[xo + 2 * H + j] = hh;
        h[so + j] = flush(z * hp[sp + j]! + (1 - z) * hh);
      }
    }
  }
  return { h, gates };
}

/** Pure-JS GRU BPTT, returning du as well (types.ts says why). */
export function gruBackwardJs(a: GruBackwardArgs): GruBackwardResult {
  checkGruBackward('gruBackward', a);
  const { T, B, H, u, h0, mask, h, gates, dh } = a;
  const G = 3 * H;
  const BH = B * H;
  const dxp = new Float32Array(T * B * G);
  const dhn = new Float32Array(BH);
  const du = new Float64Array(H * G);
  const rag = recurrentActivationGradFn(a.recurrentActivation);
  const dht = new Float64Array(H);
  const rh = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    const hp = t === 0 ? h0 : h;
    const po = t === 0 ? 0 : (t - 1) * BH;
    for (let b = 0; b < B; b++) {
      const sr = b * H;
      const so = t * BH + sr;
      const sp = po + sr;
      if (mask !== undefined && mask[t * B + b] === 0) {
        for (let j = 0; j < H; j++) dhn[sr + j] = flush(dh[so + j]! + dhn[sr + j]!);
        continue;
      }
      const go = (t * B + b) * G;
      for (let j = 0; j < H; j++) {
        const d = dh[so + j]! + dhn[sr + j]!;
        const z = gates[go + j]!;
        const hh = gates[go + 2 * H + j]!;
        dht[j] = d;
        dxp[go + j] = flush(d * (hp[sp + j]! - hh) * rag(z));
        dxp[go + 2 * H + j] = flush(d * (1 - z) * (1 - hh * hh));
      }
      // d(r*h) = dah · Uh^T; dar = d(r*h) * h * ra'(r); dh_prev = dht*z + d(r*h)*r + [daz, dar] · [Uz, Ur]^T.
      for (let k = 0; k < H; k++) {
        const row = k * G;
        let drh = 0;
        for (let j = 0; j < H; j++) drh += dxp[go + 2 * H + j]! * u[row + 2 * H + j]!;
        const r = gates[go + H + k]!;
        const hk = hp[sp + k]!;
        rh[k] = r * hk;
        dxp[go + H + k] = flush(drh * hk * rag(r));
        dhn[sr + k] = dht[k]! * gates[go + k]! + drh * r;
      }
      for (let k = 0; k < H; k++) {
        const row = k * G;
        let s = dhn[sr + k]!;
        for (let j = 0; j < 2 * H; j++) s += dxp[go + j]! * u[row + j]!;
        dhn[sr + k] = flush(s);
      }
      accumulateOuter(du, hp, sp, dxp, go, H, G, 0, 2 * H);
      accumulateOuter(du, rh, 0, dxp, go, H, G, 2 * H, H);
    }
  }
  return { dxp, dh0: dhn, du: Float32Array.from(du, flush) };
}
