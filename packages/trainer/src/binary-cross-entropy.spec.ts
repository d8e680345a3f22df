import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { binaryCrossEntropy } from './binary-cross-entropy.js';
import { PROBABILITY_EPSILON } from './sparse-cross-entropy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('binaryCrossEntropy', () => {
  it('is -log p for label 1 and -log(1 - p) for label 0, with p clipped to [1e-7, 1 - 1e-7]', () => {
    const probs = tf.tensor2d([[0.8], [0.8], [0], [1]]);
    const labels = tf.tensor1d([1, 0, 1, 1], 'int32');
    const losses = Array.from(binaryCrossEntropy(probs, labels).dataSync());
    expect(losses[0]).toBeCloseTo(-Math.log(0.8), 6);
    expect(losses[1]).toBeCloseTo(-Math.log(0.2), 5);
    expect(losses[2]).toBeCloseTo(-Math.log(PROBABILITY_EPSILON), 4);
    expect(losses[3]).toBeCloseTo(-Math.log(1 - PROBABILITY_EPSILON), 6);
    tf.dispose([probs, labels]);
  });
});
