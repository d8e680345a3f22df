/** The many-to-many char-lm (targets: 'sequence'): output per position, save/reload, sampling from the last position. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { isSeqtrainError } from '@seqtrain/common';
import { buildModel } from './build-model.js';
import { parseCharLmConfig } from './char-lm.js';
import { fileSystemIO } from './file-system-io.js';
import { saveModel } from './model-files.js';
import { sampleText } from './sample-text.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'seqtrain-char-lm-seq-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const VOCAB = [...'abcdefghij klmnopqrs'];
const CONFIG = { vocabSize: VOCAB.length, seqLen: 8, embeddingDim: 6, units: 16, seed: 5 };

describe('char-lm targets: sequence', () => {
  it('predicts at every position, with the parameters of the many-to-one model', () => {
    const many = buildModel('char-lm', { ...CONFIG, layers: 2, targets: 'sequence' });
    const one = buildModel('char-lm', { ...CONFIG, layers: 2 });
    expect(many.outputs[0]?.shape).toEqual([null, 8, VOCAB.length]);
    expect(one.outputs[0]?.shape).toEqual([null, VOCAB.length]);
    expect(many.countParams()).toBe(one.countParams());
    const x = tf.tensor2d([Array.from({ length: 8 }, (_, i) => i)], [1, 8], 'int32');
    const probs = many.predict(x) as tf.Tensor;
    // A softmax over the vocabulary at each of the 8 positions.
    expect(Array.from(tf.sum(probs, -1).dataSync()).every((s) => Math.abs(s - 1) < 1e-5)).toBe(true);
    tf.dispose([x, probs]);
  });

  it('defaults to next and names a bad targets value', () => {
    expect(parseCharLmConfig({ ...CONFIG }).targets).toBe('next');
    let caught: unknown;
    try {
      parseCharLmConfig({ ...CONFIG, targets: 'all' });
    } catch (err) {
      caught = err;
    }
    expect(isSeqtrainError(caught) && caught.details['field']).toBe('model.config.targets');
    expect((caught as Error).message).toMatch(/one of next, sequence/);
  });

  it('a saved model reloads with tf.loadLayersModel and predicts the same', async () => {
    const model = buildModel('char-lm', { ...CONFIG, targets: 'sequence' });
    const x = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8], [0, 19, 3, 3, 9, 12, 1, 4]], [2, 8], 'int32');
    const out = model.predict(x) as tf.Tensor;
    const dir = join(root, 'seq');
    await saveModel(model, dir);
    const loaded = await tfl.loadLayersModel(fileSystemIO(dir));
    const again = loaded.predict(x) as tf.Tensor;
    expect(again.shape).toEqual([2, 8, VOCAB.length]);
    expect(Array.from(again.dataSync())).toEqual(Array.from(out.dataSync()));
    tf.dispose([x, out, again]);
  });

  it('sampleText draws from the last position: the same text as the many-to-one model with the same weights', () => {
    const many = buildModel('char-lm', { ...CONFIG, targets: 'sequence' });
    const one = buildModel('char-lm', { ...CONFIG });
    // Same seed, same weights (the Dense applies per position); the last position of the sequence output is the next-char output.
    const options = { vocab: VOCAB, prime: 'abc ', length: 30, temperature: 0.7, seed: 3 };
    const text = sampleText(many, options);
    expect(Array.from(text).length).toBe(4 + 30);
    expect(text).toBe(sampleText(one, options));
  });
});
