import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { isSeqtrainError } from '@seqtrain/common';
import { buildModel, resolveModelConfig } from './build-model.js';
import { loadModel, saveModel } from './model-files.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'seqtrain-sentiment-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// Keras parameter counts.
const lstm = (units: number, input: number): number => 4 * (units * (input + units) + units);
const dense = (input: number, units: number): number => input * units + units;
const conv1d = (kernel: number, input: number, filters: number): number => kernel * input * filters + filters;

function predict(model: LayersModel, batch: number, maxlen: number): tf.Tensor {
  return tf.tidy(() => {
    const ids = tf.tensor2d(
      Array.from({ length: batch * maxlen }, (_, i) => (i * 7) % 11),
      [batch, maxlen]
    );
    return model.predict(ids) as tf.Tensor;
  });
}

function sameWeights(a: LayersModel, b: LayersModel): boolean {
  const wa = a.getWeights();
  const wb = b.getWeights();
  return wa.length === wb.length && wa.every((w, i) => Buffer.from(w.dataSync().buffer).equals(Buffer.from(wb[i]!.dataSync().buffer)));
}

interface Case {
  name: string;
  defaults: Record<string, unknown>;
  defaultParams: number;
  custom: Record<string, unknown>;
  customParams: number;
}

const V = 50;
const CASES: Case[] = [
  {
    name: 'sentiment-lstm',
    defaults: { vocabSize: V, maxlen: 20 },
    defaultParams: V * 128 + lstm(128, 128) + dense(128, 1),
    custom: { vocabSize: V, maxlen: 12, embeddingDim: 8, units: 6, numClasses: 3, maskZero: true, seed: 5 },
    customParams: V * 8 + lstm(6, 8) + dense(6, 3),
  },
  {
    name: 'sentiment-bilstm',
    defaults: { vocabSize: V, maxlen: 20 },
    defaultParams: V * 128 + 2 * lstm(64, 128) + dense(128, 1),
    custom: { vocabSize: V, maxlen: 12, embeddingDim: 8, units: 6, numClasses: 4, maskZero: true, seed: 5 },
    customParams: V * 8 + 2 * lstm(6, 8) + dense(12, 4),
  },
  {
    name: 'sentiment-stacked-lstm',
    defaults: { vocabSize: V, maxlen: 20 },
    defaultParams: V * 32 + 2 * lstm(32, 32) + dense(32, 1),
    custom: { vocabSize: V, maxlen: 12, embeddingDim: 8, units: 6, layers: 3, seed: 5 },
    customParams: V * 8 + lstm(6, 8) + 2 * lstm(6, 6) + dense(6, 1),
  },
  {
    name: 'sentiment-conv1d',
    defaults: { vocabSize: V, maxlen: 60 },
    defaultParams: V * 128 + conv1d(7, 128, 32) + conv1d(7, 32, 32) + dense(32, 1),
    custom: { vocabSize: V, maxlen: 12, embeddingDim: 8, filters: 5, kernelSize: 3, poolSize: 2, numClasses: 3, seed: 5 },
    customParams: V * 8 + conv1d(3, 8, 5) + conv1d(3, 5, 5) + dense(5, 3),
  },
  {
    name: 'sentiment-cnn-lstm',
    defaults: { vocabSize: V, maxlen: 20 },
    defaultParams: V * 128 + conv1d(5, 128, 64) + lstm(70, 64) + dense(70, 1),
    custom: { vocabSize: V, maxlen: 12, embeddingDim: 8, filters: 5, kernelSize: 3, poolSize: 2, units: 6, seed: 5 },
    customParams: V * 8 + conv1d(3, 8, 5) + lstm(6, 5) + dense(6, 1),
  },
];

describe('sentiment models', () => {
  for (const c of CASES) {
    it(`${c.name}: Keras parameter counts with defaults and a custom config, output shape, seeding`, () => {
      const byDefault = buildModel(c.name, c.defaults);
      expect(byDefault.countParams()).toBe(c.defaultParams);
      expect(byDefault.outputs[0]?.shape).toEqual([null, 1]);
      byDefault.dispose();

      const model = buildModel(c.name, c.custom);
      expect(model.countParams()).toBe(c.customParams);
      const classes = (c.custom['numClasses'] as number | undefined) ?? 2;
      const out = predict(model, 3, c.custom['maxlen'] as number);
      expect(out.shape).toEqual([3, classes === 2 ? 1 : classes]);
      const sums = tf.tidy(() => tf.sum(out, 1).dataSync());
      if (classes > 2) for (const s of sums) expect(s).toBeCloseTo(1, 5);
      out.dispose();

      const again = buildModel(c.name, c.custom);
      const other = buildModel(c.name, { ...c.custom, seed: 6 });
      expect(sameWeights(model, again)).toBe(true);
      expect(sameWeights(model, other)).toBe(false);
      // Distinct seeds per weight: no two randomly drawn weights (embeddings, kernels; biases are
      // deterministic) of one model start alike.
      const kernels = model.getWeights().filter((w) => w.rank >= 2);
      const keys = new Set(kernels.map((w) => w.dataSync().slice(0, 4).join(',')));
      expect(keys.size).toBe(kernels.length);
      tf.dispose([model, again, other].flatMap((m) => m.getWeights()));
    });
  }

  it('redraws the backward LSTM of sentiment-bilstm from its own seeds', () => {
    const model = buildModel('sentiment-bilstm', { vocabSize: V, maxlen: 6, embeddingDim: 4, units: 3 });
    const w = model.getLayer('bilstm').getWeights();
    expect(w).toHaveLength(6);
    expect(Array.from(w[3]!.dataSync())).not.toEqual(Array.from(w[0]!.dataSync()));
    expect(Array.from(w[4]!.dataSync())).not.toEqual(Array.from(w[1]!.dataSync()));
  });

  it('maskZero: padding ids after the text do not change an LSTM classifier output', () => {
    const model = buildModel('sentiment-lstm', { vocabSize: V, maxlen: 6, embeddingDim: 4, units: 3, maskZero: true });
    const [short, long] = tf.tidy(() => [
      (model.predict(tf.tensor2d([[0, 0, 0, 5, 6, 7]])) as tf.Tensor).dataSync()[0],
      (model.predict(tf.tensor2d([[9, 9, 9, 5, 6, 7]])) as tf.Tensor).dataSync()[0],
    ]);
    const again = tf.tidy(() => (model.predict(tf.tensor2d([[5, 6, 7, 0, 0, 0]])) as tf.Tensor).dataSync()[0]);
    expect(again).toBeCloseTo(short!, 6);
    expect(long).not.toBeCloseTo(short!, 6);
  });

  it('saves and loads sentiment-bilstm and sentiment-conv1d with identical predictions', async () => {
    for (const name of ['sentiment-bilstm', 'sentiment-conv1d']) {
      const config = { vocabSize: V, maxlen: 12, embeddingDim: 4, ...(name === 'sentiment-conv1d' ? { filters: 3, kernelSize: 3, poolSize: 2 } : { units: 3 }) };
      const model = buildModel(name, config);
      const dir = join(root, name);
      await saveModel(model, dir);
      const loaded = await loadModel(dir);
      const [a, b] = [predict(model, 2, 12), predict(loaded, 2, 12)];
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([a, b]);
    }
  });

  it('fills defaults, names an unknown or bad field, and rejects a maxlen too short for the convolutions', () => {
    expect(resolveModelConfig('sentiment-conv1d', { vocabSize: 10, maxlen: 60 })).toEqual({
      vocabSize: 10,
      maxlen: 60,
      numClasses: 2,
      seed: 42,
      embeddingDim: 128,
      filters: 32,
      kernelSize: 7,
      poolSize: 5,
    });
    let err: unknown;
    try {
      buildModel('sentiment-lstm', { vocabSize: 10, maxlen: 5, unitz: 3 });
    } catch (e) {
      err = e;
    }
    expect(isSeqtrainError(err, 'ERR_INVALID_ARGUMENT') && err.details.field).toBe('model.config.unitz');
    expect((err as Error).message).toMatch(/sentiment-lstm config has an unknown field "unitz"/);
    expect(() => buildModel('sentiment-bilstm', { vocabSize: 10, maxlen: 5, maskZero: 'yes' })).toThrow(/"maskZero" must be true or false/);
    expect(() => buildModel('sentiment-stacked-lstm', { maxlen: 5 })).toThrow(/"vocabSize" must be an integer >= 2; got undefined/);
    expect(() => buildModel('sentiment-conv1d', { vocabSize: 10, maxlen: 20 })).toThrow(/maxlen 20 is too short/);
    expect(() => buildModel('sentiment-cnn-lstm', { vocabSize: 10, maxlen: 7 })).toThrow(/maxlen 7 is too short/);
  });
});
