/**
 * Tensor fusion: the gradients of a step are packed into buckets, each all-reduced as one call, so a
 * model with many small weights does not pay one ring pass per weight, and a large model does not wait
 * for one huge pass before the first byte moves.
 *
 * Order (as PyTorch DDP): buckets are filled in REVERSE layer order (model.trainableWeights from last
 * to first), since backpropagation produces the last layer's gradients first; the first bucket is
 * capped smaller (firstBucketCapBytes) so communication can start early. A weight is never split; a
 * weight larger than the cap gets a bucket of its own.
 *
 * Identical on every rank: the plan is a pure function of the weight shapes (in trainableWeights
 * order) and the two caps, so ranks that built the same model config get the same buckets. Ranks whose
 * models differ get different bucket lengths, which the collective's agreement check reports as
 * ERR_SHAPE_MISMATCH naming the rank (the call names carry the bucket index).
 *
 * Layout: the flat gradient array holds the buckets back to back (bucket 0 first), each bucket's
 * weights in reverse layer order; bucket b is flat[offset, offset + length).
 */
import { SeqtrainError } from '@seqtrain/common';

export interface BucketEntry {
  /** Index in model.trainableWeights. */
  weight: number;
  /** First element of this weight in the flat gradient array. */
  offset: number;
  size: number;
}

export interface GradientBucket {
  index: number;
  /** First element in the flat gradient array. */
  offset: number;
  /** Elements in the bucket. */
  length: number;
  entries: BucketEntry[];
}

export interface BucketPlan {
  buckets: GradientBucket[];
  /** Elements over all buckets (= all trainable weights). */
  totalLength: number;
  /** Flat-array offset of each weight, index = trainableWeights index. */
  weightOffsets: number[];
}

export interface BucketCaps {
  /** Largest bucket in bytes (float32), except for a single weight larger than it. */
  bucketCapBytes: number;
  /** Cap of the first bucket (the last layers' gradients); default min(bucketCapBytes, 1 MiB) as DDP. */
  firstBucketCapBytes?: number;
}

/** DDP's first-bucket cap (1 MiB): small so that the first all-reduce starts early. */
export const FIRST_BUCKET_CAP_BYTES = 1024 * 1024;

export function planBuckets(shapes: readonly (readonly number[])[], caps: BucketCaps): BucketPlan {
  const { bucketCapBytes } = caps;
  const firstCap = caps.firstBucketCapBytes ?? Math.min(bucketCapBytes, FIRST_BUCKET_CAP_BYTES);
  for (const [field, value] of [['bucketCapBytes', bucketCapBytes], ['firstBucketCapBytes', firstCap]] as const) {
    if (!Number.isSafeInteger(value) || value < 4) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `${field} must be an integer number of bytes >= 4, got ${value}.`, { field });
    }
  }
  const sizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  const buckets: GradientBucket[] = [];
  const weightOffsets = new Array<number>(sizes.length).fill(0);
  let current: GradientBucket | undefined;
  let offset = 0;
  for (let weight = sizes.length - 1; weight >= 0; weight--) {
    const size = sizes[weight] as number;
    if (!current || (current.length > 0 && current.length + size > capOf(buckets, current, firstCap, bucketCapBytes))) {
      current = { index: buckets.length, offset, length: 0, entries: [] };
      buckets.push(current);
    }
    current.entries.push({ weight, offset, size });
    current.length += size;
    weightOffsets[weight] = offset;
    offset += size;
  }
  return { buckets, totalLength: offset, weightOffsets };
}

function capOf(buckets: GradientBucket[], bucket: GradientBucket, firstCapBytes: number, capBytes: number): number {
  return (bucket === buckets[0] ? firstCapBytes : capBytes) / 4;
}
