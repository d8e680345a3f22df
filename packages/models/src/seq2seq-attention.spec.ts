import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { buildModel, resolveModelConfig } from './build-model.js';
import { fileSystemIO } from './file-system-io.js';
import { saveModel } from './model-files.js';
import { greedyDecodeBatch } from './seq2seq-decode.js';
import { forwardOnce } from './graph-forward.js';
import { withDropoutNoise } from './seeded-dropout.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'seqtrain-seq2seq-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const lstm = (units: number, input: number): number => 4 * (units * (input + units) + units);
const dense = (input: number, units: number): number => input * units + units;
// Attention (Dot, softmax Activation, Dot, Concatenate) has no parameters.
const seq2seqParams = (s: number, t: number, d: number, u: number): number => s * d + t * d + 2 * lstm(u, d) + dense(2 * u, t);

const SMALL = { srcVocab: 12, tgtVocab: 9, srcLen: 6, tgtLen: 5, embeddingDim: 4, units: 5, seed: 3 };

function batch(config: typeof SMALL, size: number): [tf.Tensor2D, tf.Tensor2D] {
  const src = tf.tensor2d(Array.from({ length: size * config.srcLen }, (_, i) => (i * 5) % config.srcVocab), [size, config.srcLen]);
  const tgt = tf.tensor2d(Array.from({ length: size * config.tgtLen }, (_, i) => (i * 3) % config.tgtVocab), [size, config.tgtLen]);
  return [src, tgt];
}

describe('seq2seq-attention', () => {
  it('has the Keras parameter count with defaults and a custom config', () => {
    const defaults = buildModel('seq2seq-attention', { srcVocab: 70, tgtVocab: 90, srcLen: 16, tgtLen: 20 });
    expect(defaults.countParams()).toBe(seq2seqParams(70, 90, 64, 256));
    expect(resolveModelConfig('seq2seq-attention', { srcVocab: 70, tgtVocab: 90, srcLen: 16, tgtLen: 20 })).toMatchObject({ embeddingDim: 64, units: 256, seed: 42 });
    defaults.dispose();
    expect(buildModel('seq2seq-attention', SMALL).countParams()).toBe(seq2seqParams(12, 9, 4, 5));
    expect(() => buildModel('seq2seq-attention', { ...SMALL, attention: 'luong' })).toThrow(/unknown field "attention"/);
  });

  it('outputs a distribution over the target vocabulary at every target position; attention weights sum to 1', () => {
    const model = buildModel('seq2seq-attention', SMALL);
    expect(model.inputs.map((i) => i.shape)).toEqual([[null, 6], [null, 5]]);
    const [src, tgt] = batch(SMALL, 2);
    const out = model.predict([src, tgt]) as tf.Tensor;
    expect(out.shape).toEqual([2, 5, 9]);
    for (const s of tf.tidy(() => tf.sum(out, 2).dataSync())) expect(s).toBeCloseTo(1, 5);
    const probe = tfl.model({ inputs: model.inputs, outputs: model.getLayer('attention_weights').output as tfl.SymbolicTensor });
    const weights = probe.predict([src, tgt]) as tf.Tensor;
    expect(weights.shape).toEqual([2, 5, 6]);
    for (const s of tf.tidy(() => tf.sum(weights, 2).dataSync())) expect(s).toBeCloseTo(1, 5);
    tf.dispose([src, tgt, out, weights]);
  });

  it('is causal in the target: changing a later decoder input leaves earlier positions unchanged', () => {
    const model = buildModel('seq2seq-attention', SMALL);
    const src = tf.tensor2d([[1, 2, 3, 4, 5, 6]]);
    const a = model.predict([src, tf.tensor2d([[1, 2, 3, 0, 0]])]) as tf.Tensor;
    const b = model.predict([src, tf.tensor2d([[1, 2, 3, 7, 8]])]) as tf.Tensor;
    const first = (t: tf.Tensor): number[] => Array.from(tf.slice(t, [0, 0, 0], [1, 3, 9]).dataSync());
    expect(first(b)).toEqual(first(a));
    expect(Array.from(b.dataSync())).not.toEqual(Array.from(a.dataSync()));
  });

  it('is bitwise reproducible from its seed, and saves and loads with plain tf.loadLayersModel', async () => {
    const model = buildModel('seq2seq-attention', SMALL);
    const again = buildModel('seq2seq-attention', SMALL);
    expect(again.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
    const dir = join(root, 'model');
    await saveModel(model, dir);
    const loaded = await tfl.loadLayersModel(fileSystemIO(dir));
    const [src, tgt] = batch(SMALL, 3);
    const [p1, p2] = [model.predict([src, tgt]) as tf.Tensor, loaded.predict([src, tgt]) as tf.Tensor];
    expect(Array.from(p2.dataSync())).toEqual(Array.from(p1.dataSync()));
    tf.dispose([src, tgt, p1, p2]);
  });

  it('dropout: none by default; with a rate, same weights and inference as without, different and keyed in training, and it reloads', async () => {
    const plain = buildModel('seq2seq-attention', SMALL);
    expect(plain.layers.some((l) => l.getClassName() === 'Dropout')).toBe(false);
    const dropped = buildModel('seq2seq-attention', { ...SMALL, dropout: 0.3 });
    expect(dropped.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => l.name).sort()).toEqual([
      'context_and_decoder_dropout',
      'decoder_embedding_dropout',
      'encoder_embedding_dropout',
    ]);
    expect(dropped.countParams()).toBe(plain.countParams());
    // Dropout draws no constructor seed, so the weights are the plain model's.
    expect(dropped.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(plain.getWeights().map((w) => Array.from(w.dataSync())));
    // Random weights: an untrained model's greedy ids are nearly constant and would prove little.
    const weights = plain.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 1, 'float32', 500 + i));
    plain.setWeights(weights);
    dropped.setWeights(weights);
    const [src, tgt] = batch(SMALL, 4);
    const inference = [plain.predict([src, tgt]) as tf.Tensor, dropped.predict([src, tgt]) as tf.Tensor];
    expect(Array.from(inference[1]!.dataSync())).toEqual(Array.from(inference[0]!.dataSync()));
    const sources = [[3, 4, 5], [6, 7], [8, 9, 10, 11]];
    const options = { startId: 1, endId: 2, maxLength: 5 };
    expect(greedyDecodeBatch(dropped, sources, options).map((r) => r.ids)).toEqual(greedyDecodeBatch(plain, sources, options).map((r) => r.ids));
    const train = (key: number): number[] =>
      withDropoutNoise(key, () => Array.from(forwardOnce(dropped, [src, tgt], true).dataSync()));
    expect(train(7)).toEqual(train(7));
    expect(train(7)).not.toEqual(train(8));
    expect(train(7)).not.toEqual(Array.from(inference[0]!.dataSync()));
    const dir = join(root, 'dropout');
    await saveModel(dropped, dir);
    const loaded = await tfl.loadLayersModel(fileSystemIO(dir));
    expect(loaded.layers.filter((l) => l.getClassName() === 'Dropout')).toHaveLength(3);
    expect(Array.from((loaded.predict([src, tgt]) as tf.Tensor).dataSync())).toEqual(Array.from(inference[0]!.dataSync()));
    expect(() => buildModel('seq2seq-attention', { ...SMALL, dropout: 1 })).toThrow(/dropout/);
    tf.dispose([src, tgt, ...inference, ...weights]);
  });
});
