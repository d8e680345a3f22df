import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Collective, createInMemoryTransports } from '@seqtrain/collective';
import { buildModel, resolveModelConfig } from '@seqtrain/models';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { resolveResumeCheckpoint, verifyChecksums } from './checkpoint-integrity.js';
import { DataParallelTrainer } from './data-parallel-trainer.js';
import { createOptimizer } from './optimizer-factory.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'seqtrain-integrity-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const CONFIG = resolveModelConfig('char-lm', { vocabSize: 6, seqLen: 4, embeddingDim: 2, units: 4, seed: 3 });

/** A run directory with checkpoints at steps 1, 2, 3; returns its path. */
async function run(name: string): Promise<string> {
  const dir = join(root, name);
  const model = buildModel('char-lm', CONFIG);
  const [transport] = createInMemoryTransports(1);
  const trainer = new DataParallelTrainer({ model, optimizer: createOptimizer('sgd', 0.1), collective: new Collective(transport!) });
  for (const step of [1, 2, 3]) {
    const state = { step, epoch: 0, stepInEpoch: step, seed: 1, optimizer: { name: 'sgd' as const, learningRate: 0.1 }, model: { name: 'char-lm', config: CONFIG }, dataset: 'x', vocab: [...'abcdef'] };
    await saveCheckpoint(join(dir, 'checkpoints', `step-000000${step}`), { model, optimizerState: await trainer.getOptimizerState(), state });
  }
  return dir;
}

async function flipByte(file: string, at: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[at] = (bytes[at] as number) ^ 0xff;
  await writeFile(file, bytes);
}

describe('checkpoint integrity', () => {
  it('verifies an intact checkpoint and names the file of a flipped byte or a truncation', async () => {
    const dir = await run('flip');
    const latest = join(dir, 'checkpoints', 'step-0000003');
    expect(await verifyChecksums(latest)).toBe(true);
    await flipByte(join(latest, 'weights.bin'), 5);
    await expect(loadCheckpoint(latest)).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_INVALID', details: { file: join(latest, 'weights.bin') }, message: expect.stringContaining('corrupted') });
    const previous = join(dir, 'checkpoints', 'step-0000002');
    await truncate(join(previous, 'optimizer.json'), 3);
    await expect(verifyChecksums(previous)).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_INVALID', details: { file: join(previous, 'optimizer.json') } });
  });

  it('resumes from the previous checkpoint when the latest is corrupted, reporting which file failed', async () => {
    const dir = await run('fallback');
    const latest = join(dir, 'checkpoints', 'step-0000003');
    await truncate(join(latest, 'weights.bin'), 7);
    const warnings: string[] = [];
    const chosen = await resolveResumeCheckpoint(latest, (m) => warnings.push(m));
    expect(chosen).toBe(join(dir, 'checkpoints', 'step-0000002'));
    expect(warnings[0]).toContain(join(latest, 'weights.bin'));
    expect((await loadCheckpoint(chosen)).state.step).toBe(2);
    // A run directory resolves to its newest usable checkpoint too.
    expect(await resolveResumeCheckpoint(dir)).toBe(chosen);
  });

  it('fails naming every rejected checkpoint when none verifies', async () => {
    const dir = await run('none');
    for (const step of [1, 2, 3]) await flipByte(join(dir, 'checkpoints', `step-000000${step}`, 'trainer-state.json'), 2);
    await expect(resolveResumeCheckpoint(dir)).rejects.toMatchObject({ code: 'ERR_CHECKPOINT_INVALID', message: expect.stringMatching(/step-0000003.*step-0000002.*step-0000001/s) });
  });
});
