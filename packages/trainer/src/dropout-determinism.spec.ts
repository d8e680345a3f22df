/**
 * Dropout under data parallelism: masks keyed by (dropoutSeed, step, rank, micro-batch) make a run
 * replay bitwise with the same seed, another seed train differently, replicas stay equal (they apply
 * the same all-reduced gradient), and evaluation is dropout-free.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Collective, createInMemoryTransports } from '@seqtrain/collective';
import { buildModel, seededRandom } from '@seqtrain/models';
import { DataParallelTrainer, type TrainBatch } from './data-parallel-trainer.js';
import { sliceBatch, type TensorBatch } from './train-batch.js';
import { createOptimizer } from './optimizer-factory.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const MAXLEN = 6;
const CONFIG = { vocabSize: 30, maxlen: MAXLEN, embeddingDim: 8, units: 8, embeddingDropout: 0.5, dropout: 0.5, pooling: 'max', seed: 5 };
const ROWS = 8;

/** A token batch (the TrainBatch variant these tests build). */
interface TokenRows {
  x: Int32Array;
  y: Int32Array;
  count: number;
  seqLen: number;
}

function batch(seed: number, rows = ROWS): TokenRows {
  const random = seededRandom(seed);
  return {
    x: Int32Array.from({ length: rows * MAXLEN }, () => 1 + Math.floor(random() * 29)),
    y: Int32Array.from({ length: rows }, () => (random() < 0.5 ? 0 : 1)),
    count: rows,
    seqLen: MAXLEN,
  };
}

/** Rows rank, rank + 2, ... of `b`. */
function half(b: TokenRows, rank: number): TrainBatch {
  const rows = Array.from({ length: b.count / 2 }, (_, i) => 2 * i + rank);
  const x = new Int32Array(rows.length * MAXLEN);
  rows.forEach((r, i) => x.set(b.x.subarray(r * MAXLEN, (r + 1) * MAXLEN), i * MAXLEN));
  return { x, y: Int32Array.from(rows, (r) => b.y[r] ?? 0), count: rows.length, seqLen: MAXLEN };
}

function flat(trainer: DataParallelTrainer): number[] {
  return trainer.model.getWeights().flatMap((w) => Array.from(w.dataSync()));
}

/** Two ranks, three Adam steps; the weights of each rank. */
async function train(dropoutSeed: number, config: Record<string, unknown> = CONFIG): Promise<number[][]> {
  const trainers = createInMemoryTransports(2).map(
    (transport) =>
      new DataParallelTrainer({
        model: buildModel('sentiment-lstm', config),
        optimizer: createOptimizer('adam', 0.01),
        collective: new Collective(transport, { timeoutMs: 20_000 }),
        loss: 'binary_crossentropy',
        dropoutSeed,
      })
  );
  for (let step = 0; step < 3; step++) {
    const b = batch(step + 1);
    await Promise.all(trainers.map((t, rank) => t.trainStep(half(b, rank), { step, globalCount: b.count })));
  }
  return trainers.map(flat);
}

describe('DataParallelTrainer with dropout', () => {
  it('replays bitwise with the same dropoutSeed, trains differently with another, replicas equal', async () => {
    const [a0, a1] = await train(7);
    const [b0] = await train(7);
    const [c0] = await train(8);
    const [plain] = await train(7, { ...CONFIG, embeddingDropout: 0, dropout: 0 });
    expect(a1).toEqual(a0);
    expect(b0).toEqual(a0);
    expect(c0).not.toEqual(a0);
    // The masks changed the update (a dropout that never fires would pass the checks above).
    expect(plain).not.toEqual(a0);
  });

  it('evaluates without dropout: repeatable, and equal to the same weights in a dropout-free model', async () => {
    const [transport] = createInMemoryTransports(1);
    const model = buildModel('sentiment-lstm', CONFIG);
    const trainer = new DataParallelTrainer({ model, optimizer: createOptimizer('sgd', 0.1), collective: new Collective(transport!, { timeoutMs: 20_000 }), loss: 'binary_crossentropy' });
    const b = batch(9, 16);
    const first = trainer.evaluate(b);
    expect(trainer.evaluate(b)).toEqual(first);
    const [other] = createInMemoryTransports(1);
    const plainModel = buildModel('sentiment-lstm', { ...CONFIG, embeddingDropout: 0, dropout: 0 });
    plainModel.setWeights(model.getWeights());
    const plain = new DataParallelTrainer({ model: plainModel, optimizer: createOptimizer('sgd', 0.1), collective: new Collective(other!, { timeoutMs: 20_000 }), loss: 'binary_crossentropy' });
    expect(plain.evaluate(b).lossSum).toBeCloseTo(first.lossSum, 5);
  });
});

describe('DataParallelTrainer with dropout in a multi-input model (seq2seq-attention, forwardOnce)', () => {
  const S2S = { srcVocab: 10, tgtVocab: 8, srcLen: 5, tgtLen: 4, embeddingDim: 4, units: 6, dropout: 0.3, seed: 2 };
  const ids = (random: () => number, n: number, vocab: number): Int32Array => Int32Array.from({ length: n }, () => 1 + Math.floor(random() * (vocab - 1)));

  function pairs(seed: number): TensorBatch {
    const random = seededRandom(seed);
    return {
      inputs: [
        { values: ids(random, ROWS * S2S.srcLen, S2S.srcVocab), shape: [S2S.srcLen] },
        { values: ids(random, ROWS * S2S.tgtLen, S2S.tgtVocab), shape: [S2S.tgtLen] },
      ],
      target: { values: ids(random, ROWS * S2S.tgtLen, S2S.tgtVocab), shape: [S2S.tgtLen] },
      count: ROWS,
    };
  }

  function trainers(dropoutSeed: number, config: Record<string, unknown>): DataParallelTrainer[] {
    return createInMemoryTransports(2).map(
      (transport) =>
        new DataParallelTrainer({
          model: buildModel('seq2seq-attention', config),
          optimizer: createOptimizer('adam', 0.01),
          collective: new Collective(transport, { timeoutMs: 20_000 }),
          loss: 'sequence_sparse_categorical_crossentropy',
          dropoutSeed,
        })
    );
  }

  async function train(dropoutSeed: number, config: Record<string, unknown> = S2S): Promise<number[][]> {
    const ranks = trainers(dropoutSeed, config);
    for (let step = 0; step < 2; step++) {
      const b = pairs(step + 1);
      await Promise.all(ranks.map((t, rank) => t.trainStep(sliceBatch(b, (rank * ROWS) / 2, ROWS / 2), { step, globalCount: b.count })));
    }
    return ranks.map(flat);
  }

  it('trains with the masks on (keyed: replays, another seed differs, replicas equal) and evaluates without them', async () => {
    const [a0, a1] = await train(7);
    const [b0] = await train(7);
    const [c0] = await train(8);
    const [plain] = await train(7, { ...S2S, dropout: 0 });
    expect(a1).toEqual(a0);
    expect(b0).toEqual(a0);
    expect(c0).not.toEqual(a0);
    // model.execute, which the trainer used before forwardOnce, ran every multi-input model with training = false.
    expect(plain).not.toEqual(a0);
    const [withDropout] = trainers(1, S2S);
    const [without] = trainers(1, { ...S2S, dropout: 0 });
    const b = pairs(9);
    expect(without!.evaluate(b).lossSum).toBeCloseTo(withDropout!.evaluate(b).lossSum, 5);
  });
});
