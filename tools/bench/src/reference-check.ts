/**
 * Correctness of a benchmarked all-reduce, checked in the same run as its timing: every rank fills its
 * array with values that depend on its rank, sums them over the ring, and compares each element with the
 * float64 sum of all ranks' values, which every rank can compute because the values are a pure function
 * of (rank, element). The allowed error is wire-codec.ts's stated bound for the wire encoding.
 */
import { COMPRESSION_UNIT_ROUNDOFF, type WireCompression } from '@seqtrain/collective';

/** float32 epsilon / 2: one rounding of a float32 addition. */
const FLOAT32_UNIT_ROUNDOFF = 2 ** -24;
/** Spacing of fp16's subnormals, the absolute error floor of an fp16 rounding. */
const FP16_SUBNORMAL_SPACING = 2 ** -24;

/** Rank r's value at element i: in [-1, 1), not exactly representable sums, different on every rank. */
export function referenceValue(rank: number, index: number): number {
  return Math.fround(Math.sin(index * 0.618_034 + rank * 1.414_213) * 0.999);
}

export function referenceInput(rank: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => referenceValue(rank, i));
}

export interface ReferenceCheck {
  maxAbsError: number;
  /** Every element within u * N * sum|x| + (N-1) float32 additions (+ N fp16 subnormal spacings). */
  withinBound: boolean;
}

/** Compares a sum all-reduce's result over `worldSize` ranks with the float64 sum, element by element. */
export function checkAgainstReference(result: Float32Array, worldSize: number, compression: WireCompression): ReferenceCheck {
  const u = COMPRESSION_UNIT_ROUNDOFF[compression];
  let maxAbsError = 0;
  let withinBound = true;
  for (let i = 0; i < result.length; i++) {
    let sum = 0;
    let sumAbs = 0;
    for (let r = 0; r < worldSize; r++) {
      const x = referenceValue(r, i);
      sum += x;
      sumAbs += Math.abs(x);
    }
    const error = Math.abs((result[i] as number) - sum);
    const bound = (u * worldSize + 2 * FLOAT32_UNIT_ROUNDOFF * worldSize) * sumAbs + (compression === 'fp16' ? worldSize * FP16_SUBNORMAL_SPACING : 0);
    if (error > maxAbsError) maxAbsError = error;
    if (!(error <= bound)) withinBound = false;
  }
  return { maxAbsError, withinBound };
}
