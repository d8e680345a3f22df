import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Collective, createInMemoryTransports } from '@seqtrain/collective';
import { buildModel, seededRandom } from '@seqtrain/models';
import { isSeqtrainError } from '@seqtrain/common';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DataParallelTrainer } from './data-parallel-trainer.js';
import type { IdBatch } from './train-batch.js';
import { CommitStore } from './elastic-state.js';
import { createOptimizer } from './optimizer-factory.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const VOCAB = 20;
const SEQ_LEN = 8;
const CONFIG = { vocabSize: VOCAB, seqLen: SEQ_LEN, embeddingDim: 8, units: 16, seed: 5 };
const GLOBAL = 12;

function globalBatches(steps: number): IdBatch[] {
  const random = seededRandom(11);
  const id = () => Math.floor(random() * VOCAB);
  return Array.from({ length: steps }, () => ({
    x: Int32Array.from({ length: GLOBAL * SEQ_LEN }, id),
    y: Int32Array.from({ length: GLOBAL }, id),
    count: GLOBAL,
    seqLen: SEQ_LEN,
  }));
}

function strided(batch: IdBatch, rank: number, world: number): IdBatch {
  const rows: number[] = [];
  for (let r = rank; r < batch.count; r += world) rows.push(r);
  const x = new Int32Array(rows.length * SEQ_LEN);
  rows.forEach((r, i) => x.set(batch.x.subarray(r * SEQ_LEN, (r + 1) * SEQ_LEN), i * SEQ_LEN));
  return { x, y: Int32Array.from(rows, (r) => batch.y[r] ?? 0), count: rows.length, seqLen: SEQ_LEN };
}

function flat(model: LayersModel): Float32Array {
  return Float32Array.from(model.getWeights().flatMap((w) => Array.from(w.dataSync())));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? 0))), 0);
}

/** One ring of `models.length` ranks over in-memory transports; model and optimizer outlive the ring, as in a re-formation. */
function ring(parts: { model: LayersModel; optimizer: tf.Optimizer }[]): DataParallelTrainer[] {
  return createInMemoryTransports(parts.length).map(
    (transport, rank) => new DataParallelTrainer({ model: parts[rank]!.model, optimizer: parts[rank]!.optimizer, collective: new Collective(transport, { timeoutMs: 20_000 }) })
  );
}

async function step(trainers: DataParallelTrainer[], batch: IdBatch, stepIndex: number): Promise<void> {
  await Promise.all(trainers.map((t, rank) => t.trainStep(strided(batch, rank, trainers.length), { step: stepIndex, globalCount: batch.count })));
}

describe('CommitStore', () => {
  it('3 ranks lose one after step 3 was applied on the survivors: rolling back to commit 3 and re-doing steps 3-4 on 2 ranks gives the uninterrupted trajectory', async () => {
    const batches = globalBatches(5);
    const reference = ring([{ model: buildModel('char-lm', CONFIG), optimizer: createOptimizer('adam', 0.01) }]);
    for (const [i, b] of batches.entries()) await step(reference, b, i);

    const parts = [0, 1, 2].map(() => ({ model: buildModel('char-lm', CONFIG), optimizer: createOptimizer('adam', 0.01) }));
    const stores = parts.map(() => new CommitStore());
    let trainers = ring(parts);
    await Promise.all(trainers.map((t) => t.syncFromRoot(0)));
    for (let i = 0; i < 4; i++) {
      await step(trainers, batches[i] as IdBatch, i);
      // The failure comes after step 3's update but before its commit: the survivors must undo step 3.
      if (i < 3) await Promise.all(trainers.map((t, r) => (stores[r] as CommitStore).commit(t, i + 1)));
    }
    expect(stores[0]?.steps()).toEqual([2, 3]);
    const atCommit = flat(parts[0]!.model);

    const survivors = parts.slice(0, 2);
    trainers = ring(survivors);
    await Promise.all(trainers.map((t, r) => (stores[r] as CommitStore).restore(t, 3, r)));
    expect(maxAbsDiff(flat(survivors[0]!.model), atCommit)).toBeGreaterThan(0); // step 3's update is undone ...
    await Promise.all(trainers.map((t) => t.syncFromRoot(3)));
    for (let i = 3; i < 5; i++) await step(trainers, batches[i] as IdBatch, i);
    // ... and re-done with the same global batch on 2 ranks: the math is that of one global batch.
    expect(maxAbsDiff(flat(survivors[0]!.model), flat(reference[0]!.model))).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(flat(survivors[1]!.model), flat(survivors[0]!.model))).toBe(0);
  });

  it('refuses a rollback to a step it holds no commit of, naming the rank and the steps held', async () => {
    const [trainer] = ring([{ model: buildModel('char-lm', CONFIG), optimizer: createOptimizer('sgd', 0.1) }]);
    const store = new CommitStore();
    await store.commit(trainer as DataParallelTrainer, 4);
    await store.commit(trainer as DataParallelTrainer, 5);
    await store.commit(trainer as DataParallelTrainer, 6);
    expect(store.steps()).toEqual([5, 6]);
    try {
      await store.restore(trainer as DataParallelTrainer, 4, 2);
      expect.unreachable();
    } catch (err) {
      expect(isSeqtrainError(err, 'ERR_CHECKPOINT_INVALID')).toBe(true);
      expect((err as Error).message).toMatch(/Rank 2 holds commits of steps \[5, 6\], not of step 4/);
    }
  });
});
