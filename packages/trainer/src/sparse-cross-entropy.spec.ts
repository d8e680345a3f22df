import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PROBABILITY_EPSILON, sparseCrossEntropy } from './sparse-cross-entropy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('sparseCrossEntropy', () => {
  it('is -log p[label] per sample, with p clipped to [1e-7, 1 - 1e-7]', () => {
    const probs = tf.tensor2d([
      [0.2, 0.5, 0.3],
      [1, 0, 0],
      [1, 0, 0],
    ]);
    const labels = tf.tensor1d([1, 0, 2], 'int32');
    const losses = Array.from(sparseCrossEntropy(probs, labels).dataSync());
    expect(losses[0]).toBeCloseTo(-Math.log(0.5), 6);
    expect(losses[1]).toBeCloseTo(-Math.log(1 - PROBABILITY_EPSILON), 6);
    expect(losses[2]).toBeCloseTo(-Math.log(PROBABILITY_EPSILON), 4);
    tf.dispose([probs, labels]);
  });
});
