import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { dropout, mixSeed, spatialDropout1d, withDropoutNoise } from './seeded-dropout.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ones = (): tf.Tensor3D => tf.ones([4, 6, 5]);

function apply(layer: tfl.layers.Layer, training: boolean, key?: number): Float32Array {
  const run = () => tf.tidy(() => (layer.apply(ones(), { training }) as tf.Tensor).dataSync() as Float32Array);
  return key === undefined ? run() : withDropoutNoise(key, run);
}

describe('keyed dropout', () => {
  it('draws the same mask for the same key and another for another key; scales kept units by 1 / (1 - rate)', () => {
    const layer = dropout({ rate: 0.5 });
    const a = apply(layer, true, 11);
    expect(apply(layer, true, 11)).toEqual(a);
    expect(apply(layer, true, 12)).not.toEqual(a);
    expect(new Set(a)).toEqual(new Set([0, 2]));
  });

  it('numbers the calls inside one key, so two layers of one forward pass get different masks', () => {
    const first = dropout({ rate: 0.5 });
    const second = dropout({ rate: 0.5 });
    const [a, b] = withDropoutNoise(5, () => [apply(first, true), apply(second, true)]);
    expect(a).not.toEqual(b);
  });

  it('is the identity at evaluation (training false or absent), key or not', () => {
    const layer = spatialDropout1d({ rate: 0.5 });
    const identity = Array.from(ones().dataSync());
    expect(Array.from(apply(layer, false, 11))).toEqual(identity);
    expect(Array.from(withDropoutNoise(3, () => tf.tidy(() => (layer.apply(ones()) as tf.Tensor).dataSync())))).toEqual(identity);
  });

  it('SpatialDropout1D drops whole features: one mask per sample and feature for every time step', () => {
    const out = apply(spatialDropout1d({ rate: 0.5 }), true, 21);
    let dropped = 0;
    for (let b = 0; b < 4; b++) {
      for (let f = 0; f < 5; f++) {
        const overTime = Array.from({ length: 6 }, (_, t) => out[(b * 6 + t) * 5 + f]);
        expect(new Set(overTime).size).toBe(1);
        if (overTime[0] === 0) dropped += 1;
      }
    }
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(20);
  });

  it('serializes as the stock classes (a checkpoint loads with stock tfjs)', () => {
    const model = tfl.sequential({ layers: [spatialDropout1d({ rate: 0.2, inputShape: [6, 5] }), dropout({ rate: 0.3 })] });
    const classes = (model.toJSON(null, false) as { config: { layers: { class_name: string }[] } }).config.layers.map((l) => l.class_name);
    expect(classes).toEqual(['SpatialDropout1D', 'Dropout']);
  });

  it('mixSeed is a function of its inputs', () => {
    expect(mixSeed(42, 3, 1, 0)).toBe(mixSeed(42, 3, 1, 0));
    expect(new Set([mixSeed(42, 3, 0, 0), mixSeed(42, 3, 1, 0), mixSeed(42, 4, 0, 0), mixSeed(43, 3, 0, 0)]).size).toBe(4);
  });
});
