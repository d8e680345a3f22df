import { flush, simpleActivationFn, simpleActivationGradFn } from './activations.js';
import { accumulateOuter } from './js-outer.js';
import type { SimpleRnnBackwardArgs, SimpleRnnBackwardResult, SimpleRnnForwardArgs, SimpleRnnForwardResult } from './types.js';
import { checkSimpleRnnBackward, checkSimpleRnnForward } from './validate.js';

/** Pure-JS SimpleRNN recurrence (types.ts has the contract). */
export function simpleRnnForwardJs(a: SimpleRnnForwardArgs): SimpleRnnForwardResult {
  checkSimpleRnnForward('simpleRnnForward', a);
  const { T, B, H, xp, u, h0, mask } = a;
  const BH = B * H;
  const h = new Float32Array(T * BH);
  const act = simpleActivationFn(a.activation);
  const pre = new Float64Array(H);
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
      for (let j = 0; j < H; j++) pre[j] = xp[so + j]!;
      for (let k = 0; k < H; k++) {
        const hk = hp[sp + k]!;
        if (hk === 0) continue;
        const row = k * H;
        for (let j = 0; j < H; j++) pre[j] = pre[j]! + hk * u[row + j]!;
      }
      for (let j = 0; j < H; j++) h[so + j] = flush(act(pre[j]!));
    }
  }
  return { h };
}

/** Pure-JS SimpleRNN BPTT (types.ts has the contract). */
export function simpleRnnBackwardJs(a: SimpleRnnBackwardArgs): SimpleRnnBackwardResult {
  checkSimpleRnnBackward('simpleRnnBackward', a);
  const { T, B, H, u, h0, mask, h, dh } = a;
  const BH = B * H;
  const dxp = new Float32Array(T * BH);
  const dhn = new Float32Array(BH);
  const du = a.computeDu === true ? new Float64Array(H * H) : undefined;
  const actg = simpleActivationGradFn(a.activation);
  for (let t = T - 1; t >= 0; t--) {
    const hp = t === 0 ? h0 : h;
    const po = t === 0 ? 0 : (t - 1) * BH;
    for (let b = 0; b < B; b++) {
      const sr = b * H;
      const so = t * BH + sr;
      if (mask !== undefined && mask[t * B + b] === 0) {
        for (let j = 0; j < H; j++) dhn[sr + j] = flush(dh[so + j]! + dhn[sr + j]!);
        continue;
      }
      for (let j = 0; j < H; j++) dxp[so + j] = flush((dh[so + j]! + dhn[sr + j]!) * actg(h[so + j]!));
      for (let k = 0; k < H; k++) {
        const row = k * H;
        let s = 0;
        for (let j = 0; j < H; j++) s += dxp[so + j]! * u[row + j]!;
        dhn[sr + k] = flush(s);
      }
      if (du !== undefined) accumulateOuter(du, hp, po + sr, dxp, so, H, H);
    }
  }
  const out: SimpleRnnBackwardResult = { dxp, dh0: dhn };
  if (du !== undefined) out.du = Float32Array.from(du, flush);
  return out;
}
