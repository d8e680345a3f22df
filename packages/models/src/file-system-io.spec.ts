import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { isSeqtrainError } from '@seqtrain/common';
import { buildModel } from './build-model.js';
import { fileSystemIO } from './file-system-io.js';
import { loadModel, saveModel } from './model-files.js';

let root: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'seqtrain-models-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const CONFIG = { vocabSize: 20, seqLen: 8, embeddingDim: 6, units: 16, layers: 2, seed: 3 };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('fileSystemIO / saveModel / loadModel', () => {
  it('writes the tfjs layers layout and loads it back with plain tf.loadLayersModel', async () => {
    const dir = join(root, 'roundtrip');
    const model = buildModel('char-lm', CONFIG);
    await saveModel(model, dir);

    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.convertedBy).toBeNull();
    expect(json.generatedBy).toMatch(/TensorFlow\.js/);
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { shape: number[] }) => w.shape)).toEqual(model.getWeights().map((w) => w.shape));
    expect((await readFile(join(dir, 'weights.bin'))).byteLength).toBe(model.countParams() * 4);

    const loaded = await tfl.loadLayersModel(fileSystemIO(dir));
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    const again = await loadModel(dir);
    expect(again.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);

    const x = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8]], [1, 8], 'int32');
    const [p1, p2] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(p2.dataSync())).toEqual(Array.from(p1.dataSync()));
    tf.dispose([x, p1, p2]);
  });

  it('names a truncated weights.bin as ERR_CHECKPOINT_INVALID', async () => {
    const dir = join(root, 'truncated');
    await saveModel(buildModel('char-lm', CONFIG), dir);
    await truncate(join(dir, 'weights.bin'), 100);
    const err = await rejection(loadModel(dir));
    expect(isSeqtrainError(err, 'ERR_CHECKPOINT_INVALID')).toBe(true);
    expect(isSeqtrainError(err) && err.details.file).toBe(join(dir, 'weights.bin'));
    expect((err as Error).message).toMatch(/holds 100 bytes of weights but model.json describes \d+ bytes/);
  });

  it('names a missing or corrupt model.json', async () => {
    const missing = await rejection(loadModel(join(root, 'nothing-here')));
    expect(isSeqtrainError(missing, 'ERR_CHECKPOINT_INVALID') && missing.details.file).toBe(join(root, 'nothing-here', 'model.json'));

    const dir = join(root, 'corrupt');
    await saveModel(buildModel('char-lm', CONFIG), dir);
    await writeFile(join(dir, 'model.json'), '{"modelTopology": {');
    const corrupt = await rejection(loadModel(dir));
    expect(isSeqtrainError(corrupt, 'ERR_CHECKPOINT_INVALID')).toBe(true);
    expect((corrupt as Error).message).toMatch(/model\.json: is not valid JSON/);
  });

  it('wraps a topology tfjs cannot rebuild as ERR_CHECKPOINT_INVALID naming model.json', async () => {
    const dir = join(root, 'bad-topology');
    await saveModel(buildModel('char-lm', CONFIG), dir);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    json.modelTopology = { class_name: 'NoSuchModel', config: {} };
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    const err = await rejection(loadModel(dir));
    expect(isSeqtrainError(err, 'ERR_CHECKPOINT_INVALID') && err.details.file).toBe(join(dir, 'model.json'));
  });
});
