import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isSeqtrainError } from '@seqtrain/common';
import { createOptimizer, type OptimizerName } from './optimizer-factory.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createOptimizer', () => {
  it('builds each named optimizer with the learning rate', () => {
    expect(createOptimizer('sgd', 0.1)).toBeInstanceOf(tf.SGDOptimizer);
    expect(createOptimizer('adam', 0.01)).toBeInstanceOf(tf.AdamOptimizer);
    expect(createOptimizer('rmsprop', 0.001)).toBeInstanceOf(tf.RMSPropOptimizer);
    expect(createOptimizer('adam', 0.02).getConfig()['learningRate']).toBe(0.02);
  });

  it('rejects an unknown name listing the choices, and a bad learning rate', () => {
    let caught: unknown;
    try {
      createOptimizer('adagrad' as OptimizerName, 0.1);
    } catch (err) {
      caught = err;
    }
    expect(isSeqtrainError(caught, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect((caught as Error).message).toMatch(/Choose one of: sgd, adam, rmsprop/);
    expect(() => createOptimizer('sgd', 0)).toThrow(/learning rate must be a finite number > 0/);
  });
});
