/** du[k, j] += hs[ho + k] * gs[go + off + j] for k < H, j < n: one batch row's outer-product term of a recurrent-kernel gradient (row stride G). */
export function accumulateOuter(
  du: Float64Array,
  hs: ArrayLike<number>,
  ho: number,
  gs: Float32Array,
  go: number,
  H: number,
  G: number,
  off = 0,
  n = G
): void {
  for (let k = 0; k < H; k++) {
    const hk = hs[ho + k]!;
    if (hk === 0) continue;
    const row = k * G + off;
    for (let j = 0; j < n; j++) du[row + j] = du[row + j]! + hk * gs[go + off + j]!;
  }
}
