// SimpleRNN recurrence (contract: src/types.ts). act: 0 = tanh, 1 = relu, 2 = linear.
import { addRange, flushRange, ld, present, st, transpose } from './common';
import { one, flushV, tanhV } from './vmath';
import { gemm } from './gemm';

export function simpleRnnForward(T: i32, B: i32, H: i32, xp: usize, u: usize, h0: usize, mask: usize, h: usize, act: i32): void {
  const BH = B * H;
  for (let t = 0; t < T; t++) {
    const hp = t == 0 ? h0 : h + (<usize>((t - 1) * BH) << 2);
    const ht = h + (<usize>(t * BH) << 2);
    memory.copy(ht, xp + (<usize>(t * BH) << 2), <usize>BH << 2);
    gemm(B, H, H, hp, H, 1, u, H, ht, H, 1);
    for (let b = 0; b < B; b++) {
      const r = ht + (<usize>(b * H) << 2);
      if (!present(mask, t, B, b)) {
        memory.copy(r, hp + (<usize>(b * H) << 2), <usize>H << 2);
        continue;
      }
      for (let j = 0; j < H; ) {
        const full = j + 4 <= H;
        const x = ld(r, j, full);
        st(r, j, flushV(act == 0 ? tanhV(x) : act == 1 ? f32x4.max(x, f32x4.splat(0)) : x), full);
        j += full ? 4 : 1;
      }
    }
  }
}

/** BPTT. dhn returns dh0; du ([H,H], zeroed by the caller) is accumulated when non-zero; ut ([H,H]) and dht ([B,H]) are scratch. */
export function simpleRnnBackward(
  T: i32, B: i32, H: i32, u: usize, ut: usize, h0: usize, mask: usize, h: usize, dh: usize, dhn: usize, dht: usize, dxp: usize, du: usize, act: i32
): void {
  const BH = B * H;
  transpose(u, H, H, H, ut);
  memory.fill(dhn, 0, <usize>BH << 2);
  for (let t = T - 1; t >= 0; t--) {
    const hp = t == 0 ? h0 : h + (<usize>((t - 1) * BH) << 2);
    const dxt = dxp + (<usize>(t * BH) << 2);
    for (let b = 0; b < B; b++) {
      const sr = b * H;
      const so = t * BH + sr;
      const on = present(mask, t, B, b);
      addRange(dht + (<usize>sr << 2), dh + (<usize>so << 2), dhn + (<usize>sr << 2), H);
      if (!on) {
        memory.fill(dxt + (<usize>sr << 2), 0, <usize>H << 2);
        continue;
      }
      for (let j = 0; j < H; ) {
        const full = j + 4 <= H;
        const d = ld(dht, sr + j, full);
        const y = ld(h, so + j, full);
        const g = act == 0 ? f32x4.sub(one(), f32x4.mul(y, y)) : act == 1 ? v128.and(one(), f32x4.gt(y, f32x4.splat(0))) : one();
        st(dxt, sr + j, flushV(f32x4.mul(d, g)), full);
        j += full ? 4 : 1;
      }
    }
    gemm(B, H, H, dxt, H, 1, ut, H, dhn, H, 0);
    for (let b = 0; b < B; b++) {
      if (!present(mask, t, B, b)) memory.copy(dhn + (<usize>(b * H) << 2), dht + (<usize>(b * H) << 2), <usize>H << 2);
    }
    flushRange(dhn, BH);
    if (du != 0) gemm(H, H, B, hp, 1, H, dxt, H, du, H, 1);
  }
  if (du != 0) flushRange(du, H * H);
}
