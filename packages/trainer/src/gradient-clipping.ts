/**
 * Global-norm clipping (tf.clip_by_global_norm) on the flat, already all-reduced gradient: every
 * rank holds the same bytes, and the norm is summed in float64 in one fixed order, so every rank
 * scales identically and the replicas stay equal.
 */
export function globalNorm(flat: Float32Array): number {
  let sumSquares = 0;
  for (let i = 0; i < flat.length; i++) {
    const g = flat[i] ?? 0;
    sumSquares += g * g;
  }
  return Math.sqrt(sumSquares);
}

/** Scales `flat` in place so its L2 norm is at most clipNorm; returns the norm before clipping. */
export function clipByGlobalNorm(flat: Float32Array, clipNorm: number): number {
  const norm = globalNorm(flat);
  if (norm > clipNorm) {
    const scale = clipNorm / norm;
    for (let i = 0; i < flat.length; i++) flat[i] = (flat[i] ?? 0) * scale;
  }
  return norm;
}
