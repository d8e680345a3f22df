import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildModel } from './build-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const lstm = (units: number, input: number): number => 4 * (units * (input + units) + units);
const dense = (input: number, units: number): number => input * units + units;

describe('mnist-rows', () => {
  it('defaults: [28, 28] -> LSTM(128, seq) -> LSTM(128) -> Dense(10, softmax)', () => {
    const model = buildModel('mnist-rows', {});
    expect(model.countParams()).toBe(lstm(128, 28) + lstm(128, 128) + dense(128, 10));
    expect(model.inputs[0]?.shape).toEqual([null, 28, 28]);
    expect(model.outputs[0]?.shape).toEqual([null, 10]);
    model.dispose();
  });

  it('custom config: counts, a softmax per image, seeded weights', () => {
    const config = { timesteps: 4, features: 3, units: 5, numClasses: 6, seed: 11 };
    const model = buildModel('mnist-rows', config);
    expect(model.countParams()).toBe(lstm(5, 3) + lstm(5, 5) + dense(5, 6));
    const out = tf.tidy(() => model.predict(tf.ones([2, 4, 3])) as tf.Tensor);
    expect(out.shape).toEqual([2, 6]);
    for (const s of tf.tidy(() => tf.sum(out, 1).dataSync())) expect(s).toBeCloseTo(1, 5);
    out.dispose();
    const again = buildModel('mnist-rows', config);
    expect(again.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
    expect(() => buildModel('mnist-rows', { rows: 28 })).toThrow(/mnist-rows config has an unknown field "rows"/);
  });
});
