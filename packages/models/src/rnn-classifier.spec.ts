import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildModel, resolveModelConfig } from './build-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Keras parameter counts. tfjs' GRU is Keras' reset_after=False variant (one bias per gate).
const simpleRnn = (units: number, input: number): number => units * (input + units) + units;
const gru = (units: number, input: number): number => 3 * (units * (input + units) + units);
const lstm = (units: number, input: number): number => 4 * (units * (input + units) + units);
const dense = (input: number, units: number): number => input * units + units;

describe('rnn-classifier', () => {
  it("has Chollet's 322,113 parameters with its defaults: Embedding(10000, 32) + SimpleRNN(32) + Dense(1, sigmoid)", () => {
    const model = buildModel('rnn-classifier', { maxlen: 500 });
    expect(model.countParams()).toBe(322_113);
    expect(model.countParams()).toBe(10_000 * 32 + simpleRnn(32, 32) + dense(32, 1));
    expect(model.layers.map((l) => l.getClassName())).toEqual(['Embedding', 'SimpleRNN', 'Dense']);
    expect(resolveModelConfig('rnn-classifier', { maxlen: 500 })).toMatchObject({ vocabSize: 10_000, embeddingDim: 32, units: 32, cell: 'simple_rnn' });
    model.dispose();
  });

  it('uses the Keras formula for every cell and predicts [batch, classes]', () => {
    const formulas = { simple_rnn: simpleRnn, gru, lstm } as const;
    for (const cell of ['simple_rnn', 'gru', 'lstm'] as const) {
      const model = buildModel('rnn-classifier', { vocabSize: 30, maxlen: 7, embeddingDim: 5, units: 4, cell, numClasses: 3, seed: 1 });
      expect(model.countParams()).toBe(30 * 5 + formulas[cell](4, 5) + dense(4, 3));
      const out = tf.tidy(() => model.predict(tf.tensor2d([[1, 2, 3, 4, 5, 6, 7]])) as tf.Tensor);
      expect(out.shape).toEqual([1, 3]);
      out.dispose();
      model.dispose();
    }
  });

  it('is bitwise reproducible from its seed and names an unknown field', () => {
    const config = { vocabSize: 30, maxlen: 7, embeddingDim: 5, units: 4, cell: 'gru', seed: 3 };
    const a = buildModel('rnn-classifier', config).getWeights().map((w) => Array.from(w.dataSync()));
    const b = buildModel('rnn-classifier', config).getWeights().map((w) => Array.from(w.dataSync()));
    expect(b).toEqual(a);
    expect(() => buildModel('rnn-classifier', { maxlen: 7, cells: 'gru' })).toThrow(/rnn-classifier config has an unknown field "cells"/);
    expect(() => buildModel('rnn-classifier', { maxlen: 7, cell: 'transformer' })).toThrow(/"cell" must be one of lstm, gru, simple_rnn/);
  });
});
