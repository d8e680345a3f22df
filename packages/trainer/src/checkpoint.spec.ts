import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { Collective, createInMemoryTransports } from '@seqtrain/collective';
import { buildModel, fileSystemIO, resolveModelConfig } from '@seqtrain/models';
import { isSeqtrainError } from '@seqtrain/common';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { DataParallelTrainer, type TrainBatch } from './data-parallel-trainer.js';
import { createOptimizer } from './optimizer-factory.js';
import type { TrainerState } from './trainer-state.js';

let root: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'seqtrain-trainer-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const SEQ_LEN = 8;
const CONFIG = resolveModelConfig('char-lm', { vocabSize: 12, seqLen: SEQ_LEN, embeddingDim: 4, units: 8, seed: 9 });
const VOCAB = [...'abcdefghijkl'];

function batch(step: number): TrainBatch {
  const count = 4;
  const x = Int32Array.from({ length: count * SEQ_LEN }, (_, i) => (i * 7 + step * 3) % 12);
  const y = Int32Array.from({ length: count }, (_, i) => (i * 5 + step) % 12);
  return { x, y, count, seqLen: SEQ_LEN };
}

function soloTrainer(model = buildModel('char-lm', CONFIG)): DataParallelTrainer {
  const [transport] = createInMemoryTransports(1);
  return new DataParallelTrainer({ model, optimizer: createOptimizer('adam', 0.01), collective: new Collective(transport!) });
}

const weightsOf = (model: tfl.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

function state(step: number): TrainerState {
  return {
    step,
    epoch: 1,
    stepInEpoch: step - 1,
    seed: 42,
    optimizer: { name: 'adam', learningRate: 0.01 },
    model: { name: 'char-lm', config: CONFIG },
    dataset: 'datasets/tiny',
    vocab: VOCAB,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips weights, optimizer state and trainer state, and resumes on the same trajectory', async () => {
    const trainer = soloTrainer();
    for (let step = 0; step < 3; step++) await trainer.trainStep(batch(step), { step, globalCount: 4 });
    const dir = join(root, 'step-3');
    const optimizerState = await trainer.getOptimizerState();
    expect(await saveCheckpoint(dir, { model: trainer.model, optimizerState, state: state(3) })).toBe(dir);
    expect((await readdir(dir)).sort()).toEqual(['checksums.json', 'model.json', 'optimizer.bin', 'optimizer.json', 'trainer-state.json', 'weights.bin']);
    expect((await readdir(root)).filter((name) => name.includes('.tmp-'))).toEqual([]);

    const loaded = await loadCheckpoint(dir);
    expect(weightsOf(loaded.model)).toEqual(weightsOf(trainer.model));
    expect(loaded.optimizerState.specs).toEqual(optimizerState.specs);
    expect(Array.from(loaded.optimizerState.data)).toEqual(Array.from(optimizerState.data));
    expect(loaded.state).toEqual(state(3));

    // The saved model is a plain tfjs layers model.
    const plain = await tfl.loadLayersModel(fileSystemIO(dir));
    expect(weightsOf(plain)).toEqual(weightsOf(trainer.model));

    // A trainer rebuilt from the checkpoint continues where the original goes.
    const resumed = soloTrainer(loaded.model);
    await resumed.setOptimizerState(loaded.optimizerState);
    for (let step = 3; step < 5; step++) {
      const [a, b] = await Promise.all([trainer.trainStep(batch(step), { step, globalCount: 4 }), resumed.trainStep(batch(step), { step, globalCount: 4 })]);
      expect(b.loss).toBeCloseTo(a.loss, 5);
    }
    const drift = weightsOf(resumed.model)
      .flat()
      .reduce((max, v, i) => Math.max(max, Math.abs(v - (weightsOf(trainer.model).flat()[i] ?? 0))), 0);
    expect(drift).toBeLessThan(1e-5);
  });

  it('replaces an existing checkpoint directory', async () => {
    const trainer = soloTrainer();
    const dir = join(root, 'latest');
    await saveCheckpoint(dir, { model: trainer.model, optimizerState: await trainer.getOptimizerState(), state: state(1) });
    await trainer.trainStep(batch(0), { step: 1, globalCount: 4 });
    await saveCheckpoint(dir, { model: trainer.model, optimizerState: await trainer.getOptimizerState(), state: state(2) });
    const loaded = await loadCheckpoint(dir);
    expect(loaded.state.step).toBe(2);
    expect(weightsOf(loaded.model)).toEqual(weightsOf(trainer.model));
    expect((await readdir(root)).filter((name) => name.startsWith('.latest'))).toEqual([]);
  });

  it('names the damaged file: truncated weights.bin or optimizer.bin, bad trainer-state field, missing dir', async () => {
    const trainer = soloTrainer();
    await trainer.trainStep(batch(0), { step: 0, globalCount: 4 });
    const save = async (name: string) => {
      const dir = join(root, name);
      await saveCheckpoint(dir, { model: trainer.model, optimizerState: await trainer.getOptimizerState(), state: state(1) });
      return dir;
    };

    const weightsDir = await save('bad-weights');
    await truncate(join(weightsDir, 'weights.bin'), 10);
    const weightsErr = await rejection(loadCheckpoint(weightsDir));
    expect(isSeqtrainError(weightsErr, 'ERR_CHECKPOINT_INVALID') && weightsErr.details.file).toBe(join(weightsDir, 'weights.bin'));

    const optimizerDir = await save('bad-optimizer');
    await truncate(join(optimizerDir, 'optimizer.bin'), 6);
    const optimizerErr = await rejection(loadCheckpoint(optimizerDir));
    expect(isSeqtrainError(optimizerErr, 'ERR_CHECKPOINT_INVALID') && optimizerErr.details.file).toBe(join(optimizerDir, 'optimizer.bin'));

    const stateDir = await save('bad-state');
    const stateFile = join(stateDir, 'trainer-state.json');
    const json = JSON.parse(await readFile(stateFile, 'utf8'));
    json.optimizer.name = 'adagrad';
    await writeFile(stateFile, JSON.stringify(json));
    // Without its checksums.json (a checkpoint from before them) the field check is what catches it.
    await rm(join(stateDir, 'checksums.json'));
    const stateErr = await rejection(loadCheckpoint(stateDir));
    expect(isSeqtrainError(stateErr, 'ERR_CHECKPOINT_INVALID') && stateErr.details).toEqual({ file: stateFile, field: 'optimizer.name' });

    const missing = await rejection(loadCheckpoint(join(root, 'never-saved')));
    expect(isSeqtrainError(missing, 'ERR_CHECKPOINT_INVALID') && missing.details.file).toBe(join(root, 'never-saved'));
  });
});
