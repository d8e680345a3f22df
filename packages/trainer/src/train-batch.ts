/**
 * What one rank trains on in one step, in two forms:
 *  - IdBatch: row-major Int32 x [count, seqLen] and Int32 y [count] (text windows, classification
 *    rows); the form the trainer has always had, kept so those runs stay bitwise unchanged.
 *  - TensorBatch: one or more named inputs and one target, each int32 or float32 of any per-sample
 *    shape (time-series windows, image rows, encoder/decoder ids of a translation pair).
 * Both carry `count` samples; every loss is a per-sample loss, so the trainer's global-batch scaling
 * (data-parallel-trainer.ts) is the same for every form.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';

export interface IdBatch {
  /** Row-major [count, seqLen] token ids. */
  x: Int32Array;
  /** [count] next-token (or label) ids. */
  y: Int32Array;
  count: number;
  seqLen: number;
}

/** `count` samples of one per-sample `shape` ([] = a scalar per sample), row-major. */
export interface BatchArray {
  values: Int32Array | Float32Array;
  shape: readonly number[];
}

export interface TensorBatch {
  /** In the model's input order (a one-input model gets one). */
  inputs: readonly BatchArray[];
  target: BatchArray;
  count: number;
}

export type TrainBatch = IdBatch | TensorBatch;

export function isTensorBatch(batch: TrainBatch): batch is TensorBatch {
  return 'inputs' in batch;
}

function sampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkArray(a: BatchArray, count: number, what: string, rank: number): void {
  if (a.shape.some((d) => !Number.isInteger(d) || d < 1) || a.values.length !== count * sampleSize(a.shape)) {
    throw new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `Batch ${what}: ${count} samples of shape [${a.shape.join(', ')}] need ${count * sampleSize(a.shape)} values; got ${a.values.length}.`,
      { rank, field: what }
    );
  }
}

/** Shape errors name the rank and the field; the fix is in the batch source that built it. */
export function checkBatch(batch: TrainBatch, rank: number): void {
  const { count } = batch;
  if (!Number.isInteger(count) || count < 0) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Batch count must be an integer >= 0; got ${count}.`, { rank });
  }
  if (isTensorBatch(batch)) {
    if (batch.inputs.length === 0) throw new SeqtrainError('ERR_INVALID_ARGUMENT', 'A TensorBatch needs at least one input.', { rank });
    batch.inputs.forEach((a, i) => checkArray(a, count, `inputs[${i}]`, rank));
    checkArray(batch.target, count, 'target', rank);
    return;
  }
  const { x, y, seqLen } = batch;
  if (!Number.isInteger(seqLen) || seqLen < 1) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Batch count must be an integer >= 0 and seqLen >= 1; got count ${count}, seqLen ${seqLen}.`, { rank });
  }
  if (x.length !== count * seqLen || y.length !== count) {
    throw new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `Batch of ${count} x ${seqLen} needs x.length ${count * seqLen} and y.length ${count}; got ${x.length} and ${y.length}.`,
      { rank }
    );
  }
}

function slice(a: BatchArray, start: number, n: number): BatchArray {
  const size = sampleSize(a.shape);
  return { values: a.values.subarray(start * size, (start + n) * size), shape: a.shape };
}

/** Samples [start, start + n) of a batch (evaluation works in chunks). */
export function sliceBatch(batch: TrainBatch, start: number, n: number): TrainBatch {
  if (isTensorBatch(batch)) {
    return { inputs: batch.inputs.map((a) => slice(a, start, n)), target: slice(batch.target, start, n), count: n };
  }
  return {
    x: batch.x.subarray(start * batch.seqLen, (start + n) * batch.seqLen),
    y: batch.y.subarray(start, start + n),
    count: n,
    seqLen: batch.seqLen,
  };
}

function tensorOf(a: BatchArray, count: number): tf.Tensor {
  return tf.tensor(a.values, [count, ...a.shape], a.values instanceof Int32Array ? 'int32' : 'float32');
}

/** The model's input(s) and the target as tensors (call inside tf.tidy). */
export function batchTensors(batch: TrainBatch): { xs: tf.Tensor | tf.Tensor[]; ys: tf.Tensor } {
  if (isTensorBatch(batch)) {
    const inputs = batch.inputs.map((a) => tensorOf(a, batch.count));
    return { xs: inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, ys: tensorOf(batch.target, batch.count) };
  }
  return { xs: tf.tensor2d(batch.x, [batch.count, batch.seqLen], 'int32'), ys: tf.tensor1d(batch.y, 'int32') };
}
