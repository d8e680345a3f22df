import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Collective, createInMemoryTransports } from '@seqtrain/collective';
import { buildModel, seededRandom } from '@seqtrain/models';
import { isSeqtrainError } from '@seqtrain/common';
import { DataParallelTrainer } from './data-parallel-trainer.js';
import { createOptimizer } from './optimizer-factory.js';
import { lossTerms, perSampleLoss } from './per-sample-loss.js';
import type { BatchArray, TensorBatch } from './train-batch.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('perSampleLoss', () => {
  it('mean_squared_error is the mean of each sample’s squared errors, whatever the output shape', () => {
    const out = tf.tensor3d([1, 2, 3, 4], [2, 2, 1]);
    const target = tf.tensor2d([1, 0, 0, 4], [2, 2]);
    expect(Array.from(perSampleLoss('mean_squared_error', out, target).dataSync())).toEqual([2, 4.5]);
  });

  it('sequence cross-entropy averages over the real tokens only (id 0 is padding)', () => {
    // Two samples, 3 steps, vocab 2: probabilities of the right token 0.5 / 0.25; padding steps are ignored.
    const probs = tf.tensor3d([0.5, 0.5, 0.75, 0.25, 0.9, 0.1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [2, 3, 2]);
    const target = tf.tensor2d([1, 1, 0, 1, 0, 0], [2, 3], 'int32');
    const losses = Array.from(perSampleLoss('sequence_sparse_categorical_crossentropy', probs, target).dataSync());
    expect(losses[0]).toBeCloseTo((Math.log(2) + Math.log(4)) / 2, 5);
    expect(losses[1]).toBeCloseTo(Math.log(2), 5);
  });

  it('token cross-entropy scores id 0 as a character and skips negative ids; lossTerms counts the scored tokens', () => {
    const probs = tf.tensor3d([0.5, 0.5, 0.75, 0.25, 0.9, 0.1, 0.5, 0.5, 0.2, 0.8, 0.5, 0.5], [2, 3, 2]);
    const target = tf.tensor2d([1, 1, 0, -1, 1, 0], [2, 3], 'int32');
    const losses = Array.from(perSampleLoss('token_sparse_categorical_crossentropy', probs, target).dataSync());
    expect(losses[0]).toBeCloseTo((Math.log(2) + Math.log(4) - Math.log(0.9)) / 3, 5);
    expect(losses[1]).toBeCloseTo((-Math.log(0.8) + Math.log(2)) / 2, 5);
    const terms = lossTerms('token_sparse_categorical_crossentropy', probs, target);
    expect(terms.count.dataSync()[0]).toBe(5);
    expect(terms.sum.dataSync()[0]).toBeCloseTo(Math.log(2) + Math.log(4) - Math.log(0.9) - Math.log(0.8) + Math.log(2), 5);
    // Every other loss counts samples.
    const mse = lossTerms('mean_squared_error', tf.tensor2d([1, 2], [2, 1]), tf.tensor1d([1, 0]));
    expect(mse.count.dataSync()[0]).toBe(2);
    expect(mse.sum.dataSync()[0]).toBeCloseTo(4, 6);
  });
});

const WINDOW = 6;

function take(a: BatchArray, rows: number[]): BatchArray {
  const size = a.shape.reduce((x, y) => x * y, 1);
  const values = a.values instanceof Int32Array ? new Int32Array(rows.length * size) : new Float32Array(rows.length * size);
  rows.forEach((r, i) => values.set(a.values.subarray(r * size, (r + 1) * size), i * size));
  return { values, shape: a.shape };
}

function strided(batch: TensorBatch, rank: number, world: number): TensorBatch {
  const rows: number[] = [];
  for (let r = rank; r < batch.count; r += world) rows.push(r);
  return { inputs: batch.inputs.map((a) => take(a, rows)), target: take(batch.target, rows), count: rows.length };
}

function weightsOf(trainer: DataParallelTrainer): Float32Array {
  return Float32Array.from(trainer.model.getWeights().flatMap((w) => Array.from(w.dataSync())));
}

async function trainWorld(world: number, model: () => ReturnType<typeof buildModel>, loss: 'mean_squared_error' | 'sequence_sparse_categorical_crossentropy' | 'sparse_categorical_crossentropy' | 'token_sparse_categorical_crossentropy', batches: TensorBatch[]): Promise<Float32Array> {
  const trainers = createInMemoryTransports(world).map(
    (t) => new DataParallelTrainer({ model: model(), optimizer: createOptimizer('sgd', 0.3), collective: new Collective(t, { timeoutMs: 20_000 }), loss })
  );
  for (const [step, batch] of batches.entries()) {
    await Promise.all(trainers.map((t, rank) => t.trainStep(strided(batch, rank, world), { step, globalCount: batch.count })));
  }
  return weightsOf(trainers[0]!);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? 0))), 0);
}

describe('DataParallelTrainer on TensorBatches: 1 rank x 7 samples vs 2 ranks (4 + 3), SGD', () => {
  const random = seededRandom(5);
  const floats = (n: number) => Float32Array.from({ length: n }, () => random());
  const ids = (n: number, vocab: number, from = 1) => Int32Array.from({ length: n }, () => from + Math.floor(random() * (vocab - from)));

  it('timeseries-lstm with mean squared error', async () => {
    const batches = Array.from({ length: 3 }, (): TensorBatch => ({ inputs: [{ values: floats(7 * WINDOW), shape: [WINDOW, 1] }], target: { values: floats(7), shape: [1] }, count: 7 }));
    const model = () => buildModel('timeseries-lstm', { window: WINDOW, units: 8, seed: 1 });
    const one = await trainWorld(1, model, 'mean_squared_error', batches);
    const two = await trainWorld(2, model, 'mean_squared_error', batches);
    expect(maxAbsDiff(one, weightsOf(new DataParallelTrainer({ model: model(), optimizer: createOptimizer('sgd', 0.3), collective: new Collective(createInMemoryTransports(1)[0]!) })))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(one, two)).toBeLessThan(1e-5);
  });

  it('seq2seq-attention with padded sequence cross-entropy (two int32 inputs)', async () => {
    const batches = Array.from({ length: 2 }, (): TensorBatch => {
      const target = ids(7 * 5, 9);
      for (let r = 0; r < 7; r++) for (let t = 2 + (r % 3); t < 5; t++) target[r * 5 + t] = 0;
      return { inputs: [{ values: ids(7 * 4, 6), shape: [4] }, { values: ids(7 * 5, 9), shape: [5] }], target: { values: target, shape: [5] }, count: 7 };
    });
    const model = () => buildModel('seq2seq-attention', { srcVocab: 6, tgtVocab: 9, srcLen: 4, tgtLen: 5, embeddingDim: 4, units: 8, seed: 2 });
    const one = await trainWorld(1, model, 'sequence_sparse_categorical_crossentropy', batches);
    const two = await trainWorld(2, model, 'sequence_sparse_categorical_crossentropy', batches);
    expect(maxAbsDiff(one, two)).toBeLessThan(1e-5);
  });

  it('many-to-many char-lm with token cross-entropy (id 0 a real character); evaluate counts scored tokens', async () => {
    const batches = Array.from({ length: 2 }, (): TensorBatch => ({ inputs: [{ values: ids(7 * WINDOW, 9, 0), shape: [WINDOW] }], target: { values: ids(7 * WINDOW, 9, 0), shape: [WINDOW] }, count: 7 }));
    const model = () => buildModel('char-lm', { vocabSize: 9, seqLen: WINDOW, embeddingDim: 4, units: 8, targets: 'sequence', seed: 4 });
    const one = await trainWorld(1, model, 'token_sparse_categorical_crossentropy', batches);
    const two = await trainWorld(2, model, 'token_sparse_categorical_crossentropy', batches);
    expect(maxAbsDiff(one, two)).toBeLessThan(1e-5);
    const trainer = new DataParallelTrainer({ model: model(), optimizer: createOptimizer('sgd', 0.1), collective: new Collective(createInMemoryTransports(1)[0]!), loss: 'token_sparse_categorical_crossentropy' });
    const masked = Int32Array.from(batches[0]!.target.values);
    masked.fill(-1, 0, 4);
    const r = trainer.evaluate({ ...batches[0]!, target: { values: masked, shape: [WINDOW] } });
    expect(r.count).toBe(7 * WINDOW - 4);
    expect(r.lossSum / r.count).toBeGreaterThan(0);
  });

  it('mnist-rows with float32 rows and class ids; evaluate counts correct predictions', async () => {
    const batches = Array.from({ length: 2 }, (): TensorBatch => ({ inputs: [{ values: floats(7 * 16), shape: [4, 4] }], target: { values: ids(7, 3, 0), shape: [] }, count: 7 }));
    const model = () => buildModel('mnist-rows', { timesteps: 4, features: 4, units: 8, numClasses: 3, seed: 3 });
    const one = await trainWorld(1, model, 'sparse_categorical_crossentropy', batches);
    const two = await trainWorld(2, model, 'sparse_categorical_crossentropy', batches);
    expect(maxAbsDiff(one, two)).toBeLessThan(1e-5);
    const trainer = new DataParallelTrainer({ model: model(), optimizer: createOptimizer('sgd', 0.1), collective: new Collective(createInMemoryTransports(1)[0]!) });
    const r = trainer.evaluate(batches[0]!);
    expect(r.count).toBe(7);
    expect(r.correct).toBeGreaterThanOrEqual(0);
    expect(r.correct).toBeLessThanOrEqual(7);
  });

  it('predict returns the outputs evaluate scores: their mean squared error is its per-sample loss', () => {
    const model = buildModel('timeseries-lstm', { window: WINDOW, units: 4, seed: 5 });
    const trainer = new DataParallelTrainer({ model, optimizer: createOptimizer('sgd', 0.1), collective: new Collective(createInMemoryTransports(1)[0]!), loss: 'mean_squared_error' });
    const target = floats(9);
    const batch: TensorBatch = { inputs: [{ values: floats(9 * WINDOW), shape: [WINDOW, 1] }], target: { values: target, shape: [1] }, count: 9 };
    const outputs = trainer.predict(batch);
    expect(outputs).toHaveLength(9);
    const mse = Array.from(outputs).reduce((sum, v, i) => sum + (v - target[i]!) ** 2, 0);
    expect(trainer.evaluate(batch).lossSum).toBeCloseTo(mse, 5);
    // evaluate's own outputs (one forward pass for loss and outputs) are predict's, bit for bit.
    const both = trainer.evaluate(batch, { outputs: true });
    expect(both.outputs).toEqual(outputs);
    expect(both.lossSum).toBe(trainer.evaluate(batch).lossSum);
    expect(trainer.evaluate(batch).outputs).toBeUndefined();
  });

  it('refuses a target whose size does not match the count, naming the field', async () => {
    const trainer = new DataParallelTrainer({ model: buildModel('timeseries-lstm', { window: WINDOW, units: 4 }), optimizer: createOptimizer('sgd', 0.1), collective: new Collective(createInMemoryTransports(1)[0]!), loss: 'mean_squared_error' });
    const bad: TensorBatch = { inputs: [{ values: new Float32Array(2 * WINDOW), shape: [WINDOW, 1] }], target: { values: new Float32Array(3), shape: [1] }, count: 2 };
    await expect(trainer.trainStep(bad, { step: 0, globalCount: 2 })).rejects.toSatisfy((e) => isSeqtrainError(e, 'ERR_SHAPE_MISMATCH') && /target/.test((e as Error).message));
  });
});
