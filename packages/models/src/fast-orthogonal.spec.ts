import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import './tfjs-extensions.js';
import { FastOrthogonal, fastOrthogonal, orthonormalColumns } from './fast-orthogonal.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? NaN);
}

describe('FastOrthogonal', () => {
  it("computes the same matrix as tfjs' Orthogonal for tall and wide kernels", () => {
    for (const shape of [
      [24, 8],
      [8, 32],
    ]) {
      const ours = fastOrthogonal({ seed: 5, gain: 1.5 }).apply(shape);
      const theirs = tfl.initializers.orthogonal({ seed: 5, gain: 1.5 }).apply(shape);
      expect(ours.shape).toEqual(shape);
      expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-5);
      tf.dispose([ours, theirs]);
    }
  });

  it('gives orthonormal columns', () => {
    const rows = 6;
    const cols = 3;
    const q = orthonormalColumns([1, 2, 3, 4, 5, 7, 2, 1, 0, 3, 3, 3, 9, 1, 2, 0, 0, 1], rows, cols);
    for (let a = 0; a < cols; a++) {
      for (let b = 0; b < cols; b++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += q[i * cols + a]! * q[i * cols + b]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
  });

  it("keeps tfjs' class name and config, and replaces Orthogonal in the serialization map", () => {
    const init = fastOrthogonal({ seed: 3, gain: 2 });
    expect(init.getClassName()).toBe('Orthogonal');
    expect(init.getConfig()).toEqual({ seed: 3, gain: 2 });
    const registered = tf.serialization.SerializationMap.getMap().classNameMap['Orthogonal']?.[0];
    expect(registered).toBe(FastOrthogonal);
  });
});
