/**
 * Many tensors <-> one Float32Array, in a fixed order. The trainer moves gradients and weights
 * between ranks as one array per collective call (one ring pass instead of one per weight).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';

export function totalSize(shapes: readonly (readonly number[])[]): number {
  return shapes.reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0);
}

/** Copies float32 tensors into one new array, in the given order. */
export async function flattenTensors(tensors: readonly tf.Tensor[]): Promise<Float32Array> {
  const out = new Float32Array(totalSize(tensors.map((t) => t.shape)));
  let offset = 0;
  for (const t of tensors) {
    if (t.dtype !== 'float32') {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Only float32 tensors can be flattened; got ${t.dtype} of shape [${t.shape.join(', ')}].`);
    }
    out.set((await t.data()) as Float32Array, offset);
    offset += t.size;
  }
  return out;
}

/** New tensors (the caller disposes them) cut from `flat` in order; the sizes must add up exactly. */
export function tensorsFromFlat(flat: Float32Array, shapes: readonly number[][], what: string): tf.Tensor[] {
  const expected = totalSize(shapes);
  if (flat.length !== expected) {
    throw new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `${what}: expected ${expected} values for ${shapes.length} tensors, got ${flat.length}. The ranks' models differ; build every rank's model from the same config.`
    );
  }
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(flat.slice(offset, offset + size), shape, 'float32');
    offset += size;
    return t;
  });
}
