import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Collective, createInMemoryTransports } from '@seqtrain/collective';
import { buildModel, seededRandom } from '@seqtrain/models';
import { isSeqtrainError } from '@seqtrain/common';
import { DataParallelTrainer, type TrainBatch } from './data-parallel-trainer.js';
import { createOptimizer, type OptimizerName } from './optimizer-factory.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const VOCAB = 20;
const SEQ_LEN = 8;
const CONFIG = { vocabSize: VOCAB, seqLen: SEQ_LEN, embeddingDim: 8, units: 16, seed: 3 };
const STEPS = 5;

interface GlobalBatch {
  x: Int32Array;
  y: Int32Array;
  count: number;
}

function globalBatches(count: number, steps: number, seed: number): GlobalBatch[] {
  const random = seededRandom(seed);
  const id = () => Math.floor(random() * VOCAB);
  return Array.from({ length: steps }, () => ({
    x: Int32Array.from({ length: count * SEQ_LEN }, id),
    y: Int32Array.from({ length: count }, id),
    count,
  }));
}

/** Rows rank, rank + world, rank + 2 * world, ... of the global batch. */
function strided(batch: GlobalBatch, rank: number, world: number): TrainBatch {
  const rows: number[] = [];
  for (let r = rank; r < batch.count; r += world) rows.push(r);
  const x = new Int32Array(rows.length * SEQ_LEN);
  rows.forEach((r, i) => x.set(batch.x.subarray(r * SEQ_LEN, (r + 1) * SEQ_LEN), i * SEQ_LEN));
  return { x, y: Int32Array.from(rows, (r) => batch.y[r] ?? 0), count: rows.length, seqLen: SEQ_LEN };
}

function flatWeights(trainer: DataParallelTrainer): Float32Array {
  const parts = trainer.model.getWeights().map((w) => w.dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

function makeTrainers(world: number, optimizer: OptimizerName, learningRate: number, clipNorm?: number): DataParallelTrainer[] {
  return createInMemoryTransports(world).map(
    (transport) =>
      new DataParallelTrainer({
        model: buildModel('char-lm', CONFIG),
        optimizer: createOptimizer(optimizer, learningRate),
        collective: new Collective(transport, { timeoutMs: 20_000 }),
        clipNorm,
      })
  );
}

/** Trains `world` in-process ranks on the same global batches; returns the final weights and the global mean loss per step. */
async function train(world: number, optimizer: OptimizerName, learningRate: number, batches: GlobalBatch[]) {
  const trainers = makeTrainers(world, optimizer, learningRate);
  const losses: number[] = [];
  for (const [step, batch] of batches.entries()) {
    const results = await Promise.all(
      trainers.map((t, rank) => t.trainStep(strided(batch, rank, world), { step, globalCount: batch.count }))
    );
    expect(results.reduce((n, r) => n + r.count, 0)).toBe(batch.count);
    losses.push(results.reduce((sum, r) => sum + (r.count > 0 ? r.loss * r.count : 0), 0) / batch.count);
  }
  const weights = trainers.map(flatWeights);
  // Every rank applied the same all-reduced gradient: the replicas are bitwise equal.
  for (const w of weights.slice(1)) expect(maxAbsDiff(w, weights[0]!)).toBe(0);
  return { weights: weights[0]!, losses, initial: flatWeights(makeTrainers(1, optimizer, learningRate)[0]!) };
}

describe('DataParallelTrainer world-size invariance', () => {
  it('SGD: 1, 2 and 3 ranks (unequal splits) reach the same weights on a 13-sample batch', async () => {
    const batches = globalBatches(13, STEPS, 1);
    const one = await train(1, 'sgd', 0.5, batches);
    const two = await train(2, 'sgd', 0.5, batches); // 7 + 6
    const three = await train(3, 'sgd', 0.5, batches); // 5 + 4 + 4
    // Training moved the weights far more than the tolerance, so the comparison can fail.
    expect(maxAbsDiff(one.weights, one.initial)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(two.weights, one.weights)).toBeLessThan(1e-5);
    expect(maxAbsDiff(three.weights, one.weights)).toBeLessThan(1e-5);
  });

  it('SGD: a rank with no samples contributes zeros and the result is unchanged', async () => {
    const batches = globalBatches(2, 3, 2);
    const one = await train(1, 'sgd', 0.5, batches);
    const three = await train(3, 'sgd', 0.5, batches); // 1 + 1 + 0
    expect(maxAbsDiff(three.weights, one.weights)).toBeLessThan(1e-5);
  });

  it('Adam: 1, 2 and 3 ranks follow the same loss curve', async () => {
    // One batch, seen every step: the loss must fall, so the curve is not flat noise.
    const batches = Array.from({ length: STEPS }, () => globalBatches(13, 1, 3)[0]!);
    const one = await train(1, 'adam', 0.01, batches);
    const two = await train(2, 'adam', 0.01, batches);
    const three = await train(3, 'adam', 0.01, batches);
    for (let step = 0; step < STEPS; step++) {
      expect(Math.abs(two.losses[step]! - one.losses[step]!)).toBeLessThan(1e-4);
      expect(Math.abs(three.losses[step]! - one.losses[step]!)).toBeLessThan(1e-4);
    }
    expect(one.losses[STEPS - 1]).toBeLessThan(one.losses[0]!);
    expect(maxAbsDiff(three.weights, one.weights)).toBeLessThan(1e-4);
  });
});

describe('DataParallelTrainer', () => {
  it('syncFromRoot makes differently initialised replicas (weights and Adam state) equal to rank 0', async () => {
    const models = [buildModel('char-lm', { ...CONFIG, seed: 1 }), buildModel('char-lm', { ...CONFIG, seed: 2 })];
    const optimizers = [createOptimizer('adam', 0.01), createOptimizer('adam', 0.01)];
    // Give rank 0 some Adam state by training it alone first.
    const [solo] = createInMemoryTransports(1);
    const alone = new DataParallelTrainer({ model: models[0]!, optimizer: optimizers[0]!, collective: new Collective(solo!) });
    for (const [step, batch] of globalBatches(4, 2, 4).entries()) {
      await alone.trainStep(strided(batch, 0, 1), { step, globalCount: batch.count });
    }
    const trainers = createInMemoryTransports(2).map(
      (t, rank) => new DataParallelTrainer({ model: models[rank]!, optimizer: optimizers[rank]!, collective: new Collective(t) })
    );
    expect(maxAbsDiff(flatWeights(trainers[0]!), flatWeights(trainers[1]!))).toBeGreaterThan(0);

    await Promise.all(trainers.map((t) => t.syncFromRoot(0)));
    expect(maxAbsDiff(flatWeights(trainers[0]!), flatWeights(trainers[1]!))).toBe(0);
    const [s0, s1] = await Promise.all(trainers.map((t) => t.getOptimizerState()));
    expect(s1!.specs.map((s) => s.shape)).toEqual(s0!.specs.map((s) => s.shape));
    expect(Array.from(s1!.data)).toEqual(Array.from(s0!.data));
    expect(optimizers[1]!.iterations).toBe(2);

    // And they stay equal through a step on different local samples.
    const batch = globalBatches(6, 1, 5)[0]!;
    await Promise.all(trainers.map((t, rank) => t.trainStep(strided(batch, rank, 2), { step: 1, globalCount: 6 })));
    expect(maxAbsDiff(flatWeights(trainers[0]!), flatWeights(trainers[1]!))).toBe(0);
  });

  it('does not leak tensors across steps, and reports loss and timings', async () => {
    const [trainer] = makeTrainers(1, 'adam', 0.01);
    const batches = globalBatches(4, 6, 6);
    const step = (i: number) => trainer!.trainStep(strided(batches[i]!, 0, 1), { step: i, globalCount: 4 });
    await step(0); // creates Adam's slot variables
    const before = tf.memory().numTensors;
    for (let i = 1; i < 6; i++) {
      const result = await step(i);
      expect(result.count).toBe(4);
      expect(result.loss).toBeGreaterThan(0);
      expect(result.computeSeconds).toBeGreaterThan(0);
      expect(result.commSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('evaluate sums per-sample losses without changing weights, matching the step loss', async () => {
    const [trainer] = makeTrainers(1, 'sgd', 0.5);
    const batch = strided(globalBatches(5, 1, 7)[0]!, 0, 1);
    const weights = flatWeights(trainer!);
    const { lossSum, count } = trainer!.evaluate(batch);
    expect(count).toBe(5);
    expect(maxAbsDiff(flatWeights(trainer!), weights)).toBe(0);
    // An untrained model is near uniform over 20 ids: loss ~ ln 20.
    expect(lossSum / count).toBeCloseTo(Math.log(VOCAB), 1);
    const result = await trainer!.trainStep(batch, { step: 0, globalCount: 5 });
    expect(result.loss).toBeCloseTo(lossSum / count, 5);
    expect(trainer!.evaluate({ ...batch, x: new Int32Array(0), y: new Int32Array(0), count: 0 })).toEqual({ lossSum: 0, count: 0, correct: 0 });
  });

  it('clips the all-reduced gradient to clipNorm', async () => {
    const clipNorm = 1e-3;
    const [trainer] = makeTrainers(1, 'sgd', 1, clipNorm);
    const before = flatWeights(trainer!);
    await trainer!.trainStep(strided(globalBatches(4, 1, 8)[0]!, 0, 1), { step: 0, globalCount: 4 });
    const after = flatWeights(trainer!);
    let squares = 0;
    for (let i = 0; i < after.length; i++) squares += ((after[i] ?? 0) - (before[i] ?? 0)) ** 2;
    // SGD with learning rate 1 moves the weights by exactly the (clipped) gradient.
    expect(Math.sqrt(squares)).toBeCloseTo(clipNorm, 6);
  });

  it('rejects a batch whose arrays do not match its count and a globalCount below the local count', async () => {
    const [trainer] = makeTrainers(1, 'sgd', 0.1);
    const bad = { x: new Int32Array(3), y: new Int32Array(1), count: 1, seqLen: SEQ_LEN };
    await expect(trainer!.trainStep(bad, { step: 0, globalCount: 1 })).rejects.toSatisfy((e) => isSeqtrainError(e, 'ERR_SHAPE_MISMATCH'));
    const ok = strided(globalBatches(2, 1, 9)[0]!, 0, 1);
    await expect(trainer!.trainStep(ok, { step: 0, globalCount: 1 })).rejects.toSatisfy((e) => isSeqtrainError(e, 'ERR_INVALID_ARGUMENT'));
  });
});

describe('DataParallelTrainer with binary_crossentropy (a two-class sentiment-lstm, sigmoid head)', () => {
  const SENTIMENT = { vocabSize: VOCAB, maxlen: SEQ_LEN, embeddingDim: 8, units: 8, numClasses: 2, seed: 5 };

  function sentimentTrainers(world: number): DataParallelTrainer[] {
    return createInMemoryTransports(world).map(
      (transport) =>
        new DataParallelTrainer({
          model: buildModel('sentiment-lstm', SENTIMENT),
          optimizer: createOptimizer('sgd', 0.5),
          collective: new Collective(transport, { timeoutMs: 20_000 }),
          loss: 'binary_crossentropy',
        })
    );
  }

  /** Labels in {0, 1}: the first token's parity, so there is something to learn. */
  function labelled(batch: GlobalBatch): GlobalBatch {
    return { ...batch, y: Int32Array.from({ length: batch.count }, (_, i) => (batch.x[i * SEQ_LEN] ?? 0) % 2) };
  }

  it('1 and 3 ranks reach the same weights, and evaluate counts the right predictions', async () => {
    const batches = globalBatches(13, STEPS, 11).map(labelled);
    const finals: Float32Array[] = [];
    let initial: Float32Array | undefined;
    for (const world of [1, 3]) {
      const trainers = sentimentTrainers(world);
      initial ??= flatWeights(trainers[0]!);
      for (const [step, batch] of batches.entries()) {
        const results = await Promise.all(trainers.map((t, rank) => t.trainStep(strided(batch, rank, world), { step, globalCount: batch.count })));
        // An untrained sigmoid head predicts ~0.5: the first loss is near ln 2.
        if (step === 0) for (const r of results) expect(r.loss).toBeCloseTo(Math.LN2, 1);
      }
      finals.push(flatWeights(trainers[0]!));
      const whole = strided(batches[0]!, 0, 1);
      const { count, correct, lossSum } = trainers[0]!.evaluate(whole);
      expect(count).toBe(13);
      expect(Number.isInteger(correct) && correct >= 0 && correct <= 13).toBe(true);
      expect(lossSum).toBeGreaterThan(0);
    }
    expect(maxAbsDiff(finals[0]!, initial!)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(finals[1]!, finals[0]!)).toBeLessThan(1e-5);
  });

  it('evaluate: p >= 0.5 is class 1', () => {
    const [trainer] = sentimentTrainers(1);
    const batch = labelled(globalBatches(6, 1, 12)[0]!);
    const probs = (trainer!.model.predict(tf.tensor2d(batch.x, [6, SEQ_LEN], 'int32')) as tf.Tensor).dataSync();
    const expected = Array.from(batch.y).filter((y, i) => ((probs[i] ?? 0) >= 0.5 ? 1 : 0) === y).length;
    expect(trainer!.evaluate(strided(batch, 0, 1)).correct).toBe(expected);
  });
});
