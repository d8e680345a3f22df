import { flush, recurrentActivationFn, recurrentActivationGradFn } from './activations.js';
import { accumulateOuter } from './js-outer.js';
import type { LstmBackwardArgs, LstmBackwardResult, LstmForwardArgs, LstmForwardResult } from './types.js';
import { checkLstmBackward, checkLstmForward } from './validate.js';

/** Pure-JS LSTM recurrence (types.ts has the contract). Accumulates in float64, stores float32. */
export function lstmForwardJs(a: LstmForwardArgs): LstmForwardResult {
  checkLstmForward('lstmForward', a);
  const { T, B, H, xp, u, h0, c0, mask } = a;
  const G = 4 * H;
  const BH = B * H;
  const h = new Float32Array(T * BH);
  const c = new Float32Array(T * BH);
  const gates = new Float32Array(T * B * G);
  const ra = recurrentActivationFn(a.recurrentActivation);
  const pre = new Float64Array(G);
  for (let t = 0; t < T; t++) {
    const hp = t === 0 ? h0 : h;
    const cp = t === 0 ? c0 : c;
    const po = t === 0 ? 0 : (t - 1) * BH;
    for (let b = 0; b < B; b++) {
      const sp = po + b * H; // previous state row
      const so = t * BH + b * H; // this step's state row
      if (mask !== undefined && mask[t * B + b] === 0) {
        for (let j = 0; j < H; j++) {
          h[so + j] = hp[sp + j]!;
          c[so + j] = cp[sp + j]!;
        }
        continue;
      }
      const xo = (t * B + b) * G;
      for (let j = 0; j < G; j++) pre[j] = xp[xo + j]!;
      for (let k = 0; k < H; k++) {
        const hk = hp[sp + k]!;
        if (hk === 0) continue;
        const row = k * G;
        for (let j = 0; j < G; j++) pre[j] = pre[j]! + hk * u[row + j]!;
      }
      for (let j = 0; j < H; j++) {
        const i = flush(ra(pre[j]!));
        const f = flush(ra(pre[H + j]!));
        const g = flush(Math.tanh(pre[2 * H + j]!));
        const o = flush(ra(pre[3 * H + j]!));
        const cn = Math.fround(flush(f * cp[sp + j]! + i * g));
        gates[xo + j] = i;
        gates[xo + H + j] = f;
        gates[xo + 2 * H + j] = g;
        gates[xo + 3 * H + j] = o;
        c[so + j] = cn;
        h[so + j] = flush(o * Math.tanh(cn));
      }
    }
  }
  return { h, c, gates };
}

/** Pure-JS LSTM BPTT (types.ts has the contract). */
export function lstmBackwardJs(a: LstmBackwardArgs): LstmBackwardResult {
  checkLstmBackward('lstmBackward', a);
  const { T, B, H, u, h0, c0, mask, h, c, gates, dh } = a;
  const G = 4 * H;
  const BH = B * H;
  const dxp = new Float32Array(T * B * G);
  const dhn = new Float32Array(BH); // gradient reaching h_t from step t+1
  const dcn = a.dcT === undefined ? new Float32Array(BH) : Float32Array.from(a.dcT, flush);
  const du = a.computeDu === true ? new Float64Array(H * G) : undefined;
  const rag = recurrentActivationGradFn(a.recurrentActivation);
  for (let t = T - 1; t >= 0; t--) {
    const hp = t === 0 ? h0 : h;
    const cp = t === 0 ? c0 : c;
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
        const dht = dh[so + j]! + dhn[sr + j]!;
        const i = gates[go + j]!;
        const f = gates[go + H + j]!;
        const g = gates[go + 2 * H + j]!;
        const o = gates[go + 3 * H + j]!;
        const tc = Math.tanh(c[so + j]!);
        const dc = dcn[sr + j]! + dht * o * (1 - tc * tc);
        dxp[go + j] = flush(dc * g * rag(i));
        dxp[go + H + j] = flush(dc * cp[sp + j]! * rag(f));
        dxp[go + 2 * H + j] = flush(dc * i * (1 - g * g));
        dxp[go + 3 * H + j] = flush(dht * tc * rag(o));
        dcn[sr + j] = flush(dc * f);
      }
      for (let k = 0; k < H; k++) {
        const row = k * G;
        let s = 0;
        for (let j = 0; j < G; j++) s += dxp[go + j]! * u[row + j]!;
        dhn[sr + k] = flush(s);
      }
      if (du !== undefined) accumulateOuter(du, hp, sp, dxp, go, H, G);
    }
  }
  const out: LstmBackwardResult = { dxp, dh0: dhn, dc0: dcn };
  if (du !== undefined) out.du = Float32Array.from(du, flush);
  return out;
}
