import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { buildModel } from './build-model.js';
import { fileSystemIO } from './file-system-io.js';
import { saveModel } from './model-files.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'seqtrain-timeseries-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const lstm = (units: number, input: number): number => 4 * (units * (input + units) + units);
const dense = (input: number, units: number): number => input * units + units;

describe('timeseries-lstm', () => {
  it('LSTM(3) on 1 feature over 5 steps with no head has 60 parameters', () => {
    const model = buildModel('timeseries-lstm', { window: 5, features: 1, units: 3, head: 'none' });
    expect(model.countParams()).toBe(60);
    expect(model.countParams()).toBe(lstm(3, 1));
    expect(model.outputs[0]?.shape).toEqual([null, 3]);
  });

  it('builds with defaults and a stacked custom config with the Keras counts and forecast shape', () => {
    const byDefault = buildModel('timeseries-lstm', { window: 10 });
    expect(byDefault.countParams()).toBe(lstm(32, 1) + dense(32, 1));
    const model = buildModel('timeseries-lstm', { window: 6, features: 3, units: 5, layers: 2, horizon: 4, seed: 9 });
    expect(model.countParams()).toBe(lstm(5, 3) + lstm(5, 5) + dense(5, 4));
    const out = tf.tidy(() => model.predict(tf.ones([2, 6, 3])) as tf.Tensor);
    expect(out.shape).toEqual([2, 4]);
    out.dispose();
    const again = buildModel('timeseries-lstm', { window: 6, features: 3, units: 5, layers: 2, horizon: 4, seed: 9 });
    expect(again.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
    expect(() => buildModel('timeseries-lstm', { window: 6, head: 'conv' })).toThrow(/"head" must be one of dense, none/);
    expect(() => buildModel('timeseries-lstm', { window: 6, horizonOut: 2 })).toThrow(/unknown field "horizonOut"/);
  });
});

describe('timeseries-seq', () => {
  it('predicts every step: TimeDistributed(Dense(features)) over LSTM sequences, and round-trips through model files', async () => {
    const byDefault = buildModel('timeseries-seq', { window: 8 });
    expect(byDefault.countParams()).toBe(lstm(32, 1) + dense(32, 1));
    const model = buildModel('timeseries-seq', { window: 5, features: 2, units: 4, layers: 2, seed: 2 });
    expect(model.countParams()).toBe(lstm(4, 2) + lstm(4, 4) + dense(4, 2));
    const x = tf.randomUniform([3, 5, 2], 0, 1, 'float32', 1);
    const out = model.predict(x) as tf.Tensor;
    expect(out.shape).toEqual([3, 5, 2]);

    const dir = join(root, 'seq');
    await saveModel(model, dir);
    const loaded = await tfl.loadLayersModel(fileSystemIO(dir));
    const again = loaded.predict(x) as tf.Tensor;
    expect(Array.from(again.dataSync())).toEqual(Array.from(out.dataSync()));
    tf.dispose([x, out, again]);
  });
});
