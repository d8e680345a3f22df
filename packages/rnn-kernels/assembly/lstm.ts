// LSTM recurrence over the whole sequence (contract: src/types.ts). Per step one gemm [B,H]x[H,4H] into the
// step's gate block (pre-filled with xp), then the gate nonlinearities in place.
// ldu (forward), ldut and ldx (backward) are the leading dimensions of u [H,4H], of the scratch ut [4H,H]
// and of dxp's rows [T*B, 4H]: the JS side pads rows whose byte length is a multiple of 256 (each is a
// gemm's B operand; src/padded-leading-dim.ts says why).
import { addRange, flushRange, ld, present, st, transposeLd } from './common';
import { one, flushV, raGradV, raV, tanhV } from './vmath';
import { gemm } from './gemm';

export function lstmForward(
  T: i32, B: i32, H: i32, xp: usize, u: usize, ldu: i32, h0: usize, c0: usize, mask: usize, h: usize, c: usize, gates: usize, hard: i32
): void {
  const G = 4 * H;
  const BH = B * H;
  for (let t = 0; t < T; t++) {
    const hp = t == 0 ? h0 : h + (<usize>((t - 1) * BH) << 2);
    const cp = t == 0 ? c0 : c + (<usize>((t - 1) * BH) << 2);
    const gt = gates + (<usize>(t * B * G) << 2);
    memory.copy(gt, xp + (<usize>(t * B * G) << 2), <usize>(B * G) << 2);
    gemm(B, G, H, hp, H, 1, u, ldu, gt, G, 1);
    for (let b = 0; b < B; b++) {
      const so = t * BH + b * H;
      const sp = b * H;
      const g = gt + (<usize>(b * G) << 2);
      if (!present(mask, t, B, b)) {
        memory.copy(h + (<usize>so << 2), hp + (<usize>sp << 2), <usize>H << 2);
        memory.copy(c + (<usize>so << 2), cp + (<usize>sp << 2), <usize>H << 2);
        memory.fill(g, 0, <usize>G << 2);
        continue;
      }
      for (let j = 0; j < H; ) {
        const full = j + 4 <= H;
        const i = raV(ld(g, j, full), hard);
        const f = raV(ld(g, H + j, full), hard);
        const gg = flushV(tanhV(ld(g, 2 * H + j, full)));
        const o = raV(ld(g, 3 * H + j, full), hard);
        const cn = flushV(f32x4.add(f32x4.mul(f, ld(cp, sp + j, full)), f32x4.mul(i, gg)));
        st(g, j, i, full);
        st(g, H + j, f, full);
        st(g, 2 * H + j, gg, full);
        st(g, 3 * H + j, o, full);
        st(c, so + j, cn, full);
        st(h, so + j, flushV(f32x4.mul(o, tanhV(cn))), full);
        j += full ? 4 : 1;
      }
    }
  }
}

/**
 * BPTT. dcn holds dcT on entry and dc0 on return; dhn returns dh0; ut ([4H,H]) and dht ([B,H]) are scratch;
 * du ([H,4H], zeroed by the caller) is accumulated when non-zero.
 */
export function lstmBackward(
  T: i32, B: i32, H: i32, u: usize, ut: usize, ldut: i32, h0: usize, c0: usize, mask: usize, h: usize, c: usize, gates: usize,
  dh: usize, dcn: usize, dhn: usize, dht: usize, dxp: usize, ldx: i32, du: usize, hard: i32
): void {
  const G = 4 * H;
  const BH = B * H;
  transposeLd(u, G, H, G, ut, ldut);
  memory.fill(dhn, 0, <usize>BH << 2);
  flushRange(dcn, BH);
  for (let t = T - 1; t >= 0; t--) {
    const hp = t == 0 ? h0 : h + (<usize>((t - 1) * BH) << 2);
    const cp = t == 0 ? c0 : c + (<usize>((t - 1) * BH) << 2);
    const dxt = dxp + (<usize>(t * B * ldx) << 2);
    const gt = gates + (<usize>(t * B * G) << 2);
    for (let b = 0; b < B; b++) {
      const sr = b * H;
      const so = t * BH + sr;
      addRange(dht + (<usize>sr << 2), dh + (<usize>so << 2), dhn + (<usize>sr << 2), H);
      const d = dxt + (<usize>(b * ldx) << 2);
      if (!present(mask, t, B, b)) {
        memory.fill(d, 0, <usize>G << 2);
        continue;
      }
      const g = gt + (<usize>(b * G) << 2);
      for (let j = 0; j < H; ) {
        const full = j + 4 <= H;
        const dh1 = ld(dht, sr + j, full);
        const i = ld(g, j, full);
        const f = ld(g, H + j, full);
        const gg = ld(g, 2 * H + j, full);
        const o = ld(g, 3 * H + j, full);
        const tc = tanhV(ld(c, so + j, full));
        const dc = f32x4.add(ld(dcn, sr + j, full), f32x4.mul(f32x4.mul(dh1, o), f32x4.sub(one(), f32x4.mul(tc, tc))));
        st(d, j, flushV(f32x4.mul(f32x4.mul(dc, gg), raGradV(i, hard))), full);
        st(d, H + j, flushV(f32x4.mul(f32x4.mul(dc, ld(cp, sr + j, full)), raGradV(f, hard))), full);
        st(d, 2 * H + j, flushV(f32x4.mul(f32x4.mul(dc, i), f32x4.sub(one(), f32x4.mul(gg, gg)))), full);
        st(d, 3 * H + j, flushV(f32x4.mul(f32x4.mul(dh1, tc), raGradV(o, hard))), full);
        st(dcn, sr + j, flushV(f32x4.mul(dc, f)), full);
        j += full ? 4 : 1;
      }
    }
    gemm(B, H, G, dxt, ldx, 1, ut, ldut, dhn, H, 0);
    for (let b = 0; b < B; b++) {
      if (!present(mask, t, B, b)) memory.copy(dhn + (<usize>(b * H) << 2), dht + (<usize>(b * H) << 2), <usize>H << 2);
    }
    flushRange(dhn, BH);
    if (du != 0) gemm(H, G, B, hp, 1, H, dxt, ldx, du, G, 1);
  }
  if (du != 0) flushRange(du, H * G);
}
