/**
 * The trainer's communication options end to end over in-memory collectives: buckets, gradient
 * accumulation, wire compression, learning-rate scaling and warm-up.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Collective, createInMemoryTransports } from '@seqtrain/collective';
import { buildModel, seededRandom } from '@seqtrain/models';
import { DataParallelTrainer, type DataParallelTrainerOptions, type StepResult } from './data-parallel-trainer.js';
import type { IdBatch } from './train-batch.js';
import { createOptimizer } from './optimizer-factory.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const VOCAB = 20;
const SEQ_LEN = 6;
const CONFIG = { vocabSize: VOCAB, seqLen: SEQ_LEN, embeddingDim: 8, units: 16, seed: 3 };

type Extra = Omit<DataParallelTrainerOptions, 'model' | 'optimizer' | 'collective'>;

function batchOf(count: number, seed: number): IdBatch {
  const random = seededRandom(seed);
  const id = () => Math.floor(random() * VOCAB);
  return { x: Int32Array.from({ length: count * SEQ_LEN }, id), y: Int32Array.from({ length: count }, id), count, seqLen: SEQ_LEN };
}

function strided(batch: IdBatch, rank: number, world: number): IdBatch {
  const rows: number[] = [];
  for (let r = rank; r < batch.count; r += world) rows.push(r);
  const x = new Int32Array(rows.length * SEQ_LEN);
  rows.forEach((r, i) => x.set(batch.x.subarray(r * SEQ_LEN, (r + 1) * SEQ_LEN), i * SEQ_LEN));
  return { x, y: Int32Array.from(rows, (r) => batch.y[r] ?? 0), count: rows.length, seqLen: SEQ_LEN };
}

function weightsOf(trainer: DataParallelTrainer): Float32Array {
  return Float32Array.from(trainer.model.getWeights().flatMap((w) => Array.from(w.dataSync())));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Trains `world` ranks for `steps` steps of a 12-sample batch with SGD; returns rank 0's weights and every step's results. */
async function train(world: number, steps: number, extra: Extra, learningRate = 0.5, config = CONFIG) {
  const trainers = createInMemoryTransports(world).map(
    (transport) => new DataParallelTrainer({ model: buildModel('char-lm', config), optimizer: createOptimizer('sgd', learningRate), collective: new Collective(transport, { timeoutMs: 20_000 }), ...extra })
  );
  const results: StepResult[][] = [];
  for (let step = 0; step < steps; step++) {
    const batch = batchOf(12, 100 + step);
    results.push(await Promise.all(trainers.map((t, rank) => t.trainStep(strided(batch, rank, world), { step, globalCount: batch.count }))));
  }
  const weights = trainers.map(weightsOf);
  return { weights: weights[0] as Float32Array, replicas: weights, results, trainers };
}

describe('DataParallelTrainer communication options', () => {
  it('buckets (several, small cap) give the single-bucket weights; every replica equal; hidden share reported', async () => {
    const single = await train(1, 3, {});
    const bucketed = await train(2, 3, { bucketCapBytes: 1024 });
    expect(bucketed.trainers[0]?.buckets.buckets.length).toBeGreaterThan(3);
    expect(maxAbsDiff(bucketed.weights, single.weights)).toBeLessThan(1e-5);
    expect(maxAbsDiff(bucketed.replicas[1] as Float32Array, bucketed.weights)).toBe(0);
    for (const result of bucketed.results.flat()) {
      expect(result.commHiddenFraction).toBeGreaterThanOrEqual(0);
      expect(result.commHiddenFraction).toBeLessThanOrEqual(1);
      expect(result.commExposedSeconds).toBeLessThanOrEqual(result.commSeconds + 1e-9);
    }
  });

  it('fails every rank with ERR_SHAPE_MISMATCH naming the rank whose model (so buckets) differs', async () => {
    const trainers = createInMemoryTransports(2).map(
      (transport, rank) =>
        new DataParallelTrainer({
          model: buildModel('char-lm', { ...CONFIG, units: rank === 1 ? 17 : 16 }),
          optimizer: createOptimizer('sgd', 0.1),
          collective: new Collective(transport, { timeoutMs: 20_000 }),
          bucketCapBytes: 1024,
        })
    );
    const batch = batchOf(4, 1);
    const settled = await Promise.allSettled(trainers.map((t, rank) => t.trainStep(strided(batch, rank, 2), { step: 0, globalCount: 4 })));
    for (const result of settled) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_SHAPE_MISMATCH', details: { rank: 1 }, message: expect.stringMatching(/grads\/b\d+/) });
    }
  });

  it('accumulates micro-batches without extra communication: 2 ranks x 3 micro-batches equal 1 rank x 1', async () => {
    const single = await train(1, 3, {});
    const accumulated = await train(2, 3, { accumulateSteps: 3 });
    const initial = weightsOf((await train(1, 0, {})).trainers[0] as DataParallelTrainer);
    expect(maxAbsDiff(single.weights, initial)).toBeGreaterThan(1e-2); // training moved the weights far more than the tolerance
    expect(maxAbsDiff(accumulated.weights, single.weights)).toBeLessThan(1e-5);
  });

  it('fp16 and bf16 gradients on the wire stay close to float32 training, replicas bitwise equal', async () => {
    const reference = await train(2, 3, {});
    for (const compression of ['fp16', 'bf16'] as const) {
      const compressed = await train(2, 3, { compression });
      expect(maxAbsDiff(compressed.replicas[1] as Float32Array, compressed.weights)).toBe(0);
      expect(maxAbsDiff(compressed.weights, reference.weights)).toBeLessThan(compression === 'fp16' ? 1e-3 : 1e-2);
      expect(maxAbsDiff(compressed.weights, reference.weights)).toBeGreaterThan(0);
    }
  });

  it('lrScaling linear on 2 ranks equals 1 rank at twice the rate; warm-up ramps the reported rate', async () => {
    const doubled = await train(1, 2, {}, 1.0);
    const scaled = await train(2, 2, { lrScaling: 'linear' }, 0.5);
    expect(maxAbsDiff(scaled.weights, doubled.weights)).toBeLessThan(1e-5);
    const warm = await train(2, 3, { lrScaling: 'linear', warmupSteps: 2 }, 0.5);
    expect(warm.results.map((r) => r[0]?.learningRate)).toEqual([0.75, 1, 1]);
  });
});
