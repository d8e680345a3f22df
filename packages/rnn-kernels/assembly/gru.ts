// GRU recurrence, reset_after=false (contract: src/types.ts). Per step a [B,H]x[H,2H] gemm for z, r and a
// [B,H]x[H,H] gemm of (r*h) for the candidate.
import { addRange, flushRange, ld, present, st, transpose } from './common';
import { one, flushV, raGradV, raV, tanhV } from './vmath';
import { gemm } from './gemm';

/** rh ([B,H]) is scratch. */
export function gruForward(T: i32, B: i32, H: i32, xp: usize, u: usize, h0: usize, mask: usize, h: usize, gates: usize, rh: usize, hard: i32): void {
  const G = 3 * H;
  const BH = B * H;
  const uh = u + (<usize>(2 * H) << 2);
  for (let t = 0; t < T; t++) {
    const hp = t == 0 ? h0 : h + (<usize>((t - 1) * BH) << 2);
    const gt = gates + (<usize>(t * B * G) << 2);
    memory.copy(gt, xp + (<usize>(t * B * G) << 2), <usize>(B * G) << 2);
    gemm(B, 2 * H, H, hp, H, 1, u, G, gt, G, 1);
    for (let b = 0; b < B; b++) {
      const g = gt + (<usize>(b * G) << 2);
      for (let j = 0; j < H; ) {
        const full = j + 4 <= H;
        const r = raV(ld(g, H + j, full), hard);
        st(g, j, raV(ld(g, j, full), hard), full);
        st(g, H + j, r, full);
        st(rh, b * H + j, f32x4.mul(r, ld(hp, b * H + j, full)), full);
        j += full ? 4 : 1;
      }
    }
    gemm(B, H, H, rh, H, 1, uh, G, gt + (<usize>(2 * H) << 2), G, 1);
    for (let b = 0; b < B; b++) {
      const so = t * BH + b * H;
      const g = gt + (<usize>(b * G) << 2);
      if (!present(mask, t, B, b)) {
        memory.copy(h + (<usize>so << 2), hp + (<usize>(b * H) << 2), <usize>H << 2);
        memory.fill(g, 0, <usize>G << 2);
        continue;
      }
      for (let j = 0; j < H; ) {
        const full = j + 4 <= H;
        const hh = flushV(tanhV(ld(g, 2 * H + j, full)));
        const z = ld(g, j, full);
        st(g, 2 * H + j, hh, full);
        st(h, so + j, flushV(f32x4.add(f32x4.mul(z, ld(hp, b * H + j, full)), f32x4.mul(f32x4.sub(one(), z), hh))), full);
        j += full ? 4 : 1;
      }
    }
  }
}

/** BPTT. dhn returns dh0; du ([H,3H], zeroed by the caller) is accumulated; ut ([3H,H]), dht, drh, rh ([B,H]) are scratch. */
export function gruBackward(
  T: i32, B: i32, H: i32, u: usize, ut: usize, h0: usize, mask: usize, h: usize, gates: usize, dh: usize,
  dhn: usize, dht: usize, drh: usize, rh: usize, dxp: usize, du: usize, hard: i32
): void {
  const G = 3 * H;
  const BH = B * H;
  transpose(u, G, H, G, ut);
  memory.fill(dhn, 0, <usize>BH << 2);
  const h2 = <usize>(2 * H) << 2;
  for (let t = T - 1; t >= 0; t--) {
    const hp = t == 0 ? h0 : h + (<usize>((t - 1) * BH) << 2);
    const dxt = dxp + (<usize>(t * B * G) << 2);
    const gt = gates + (<usize>(t * B * G) << 2);
    for (let b = 0; b < B; b++) {
      const sr = b * H;
      const so = t * BH + sr;
      addRange(dht + (<usize>sr << 2), dh + (<usize>so << 2), dhn + (<usize>sr << 2), H);
      const d = dxt + (<usize>(b * G) << 2);
      if (!present(mask, t, B, b)) {
        memory.fill(d, 0, <usize>G << 2);
        continue;
      }
      const g = gt + (<usize>(b * G) << 2);
      for (let j = 0; j < H; ) {
        const full = j + 4 <= H;
        const d1 = ld(dht, sr + j, full);
        const z = ld(g, j, full);
        const hh = ld(g, 2 * H + j, full);
        st(d, j, flushV(f32x4.mul(f32x4.mul(d1, f32x4.sub(ld(hp, sr + j, full), hh)), raGradV(z, hard))), full);
        st(d, 2 * H + j, flushV(f32x4.mul(f32x4.mul(d1, f32x4.sub(one(), z)), f32x4.sub(one(), f32x4.mul(hh, hh)))), full);
        j += full ? 4 : 1;
      }
    }
    gemm(B, H, H, dxt + h2, G, 1, ut + (<usize>(2 * H * H) << 2), H, drh, H, 0);
    for (let b = 0; b < B; b++) {
      const sr = b * H;
      const g = gt + (<usize>(b * G) << 2);
      const d = dxt + (<usize>(b * G) << 2);
      if (!present(mask, t, B, b)) {
        memory.fill(rh + (<usize>sr << 2), 0, <usize>H << 2);
        continue;
      }
      for (let k = 0; k < H; ) {
        const full = k + 4 <= H;
        const r = ld(g, H + k, full);
        const hk = ld(hp, sr + k, full);
        const dr = ld(drh, sr + k, full);
        st(rh, sr + k, f32x4.mul(r, hk), full);
        st(d, H + k, flushV(f32x4.mul(f32x4.mul(dr, hk), raGradV(r, hard))), full);
        st(dhn, sr + k, f32x4.add(f32x4.mul(ld(dht, sr + k, full), ld(g, k, full)), f32x4.mul(dr, r)), full);
        k += full ? 4 : 1;
      }
    }
    gemm(B, H, 2 * H, dxt, G, 1, ut, H, dhn, H, 1);
    for (let b = 0; b < B; b++) {
      if (!present(mask, t, B, b)) memory.copy(dhn + (<usize>(b * H) << 2), dht + (<usize>(b * H) << 2), <usize>H << 2);
    }
    flushRange(dhn, BH);
    gemm(H, 2 * H, B, hp, 1, H, dxt, G, du, G, 1);
    gemm(H, H, B, rh, 1, H, dxt + h2, G, du + h2, G, 1);
  }
  flushRange(du, H * G);
}
