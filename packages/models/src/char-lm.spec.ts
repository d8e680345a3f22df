import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isSeqtrainError } from '@seqtrain/common';
import { buildModel, resolveModelConfig } from './build-model.js';
import { buildCharLm, parseCharLmConfig } from './char-lm.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SMALL = { vocabSize: 20, seqLen: 8, embeddingDim: 6, units: 16, seed: 7 };

function weightsOf(model: ReturnType<typeof buildCharLm>): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('char-lm', () => {
  it('has the Keras parameter count for vocab 60, embedding 32, LSTM 128', () => {
    const model = buildModel('char-lm', { vocabSize: 60, seqLen: 40, embeddingDim: 32, units: 128, seed: 1 });
    const keras = 60 * 32 + 4 * (128 * (32 + 128) + 128) + 128 * 60 + 60;
    expect(model.countParams()).toBe(keras);
    expect(model.outputs[0]?.shape).toEqual([null, 60]);
    model.dispose();
  });

  it('builds bitwise-identical weights from the same seed and different ones from another seed', () => {
    const a = weightsOf(buildModel('char-lm', SMALL));
    const b = weightsOf(buildModel('char-lm', SMALL));
    const c = weightsOf(buildModel('char-lm', { ...SMALL, seed: 8 }));
    expect(a.length).toBe(6);
    a.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(b[i]!.buffer))).toBe(true));
    // Every randomly initialised weight (embeddings, kernel, recurrent kernel, dense kernel) differs.
    for (const i of [0, 1, 2, 4]) expect(Array.from(a[i]!)).not.toEqual(Array.from(c[i]!));
  });

  it('uses Keras initialisers: zero biases with forget-gate bias 1, orthogonal recurrent kernel', () => {
    const units = SMALL.units;
    const [, , recurrent, bias, , denseBias] = weightsOf(buildModel('char-lm', SMALL));
    expect(Array.from(bias!)).toEqual([...Array(units).fill(0), ...Array(units).fill(1), ...Array(2 * units).fill(0)]);
    expect(Array.from(denseBias!).every((v) => v === 0)).toBe(true);
    // [units, 4*units] orthogonal: rows are orthonormal.
    const r = tf.tensor2d(recurrent!, [units, 4 * units]);
    const gram = tf.matMul(r, r, false, true);
    const identityError = tf.max(tf.abs(tf.sub(gram, tf.eye(units)))).dataSync()[0];
    expect(identityError).toBeLessThan(1e-5);
    tf.dispose([r, gram]);
  });

  it('stacks layers with returnSequences on all but the last, for every cell', () => {
    for (const cell of ['lstm', 'gru', 'simple_rnn'] as const) {
      const model = buildModel('char-lm', { ...SMALL, layers: 2, cell });
      expect(model.layers.map((l) => l.name)).toEqual(['embedding', 'rnn_0', 'rnn_1', 'next_char']);
      expect(model.layers[1]?.outputShape).toEqual([null, SMALL.seqLen, SMALL.units]);
      expect(model.layers[2]?.outputShape).toEqual([null, SMALL.units]);
      model.dispose();
    }
  });

  it('fills defaults and names a bad or unknown field', () => {
    expect(parseCharLmConfig({ vocabSize: 5, seqLen: 3 })).toEqual({
      vocabSize: 5,
      seqLen: 3,
      embeddingDim: 32,
      units: 128,
      layers: 1,
      cell: 'lstm',
      input: 'embedding',
      targets: 'next',
      seed: 42,
    });
    expect(resolveModelConfig('char-lm', { vocabSize: 5, seqLen: 3, units: 4 })['units']).toBe(4);
    const bad = errorOf(() => buildModel('char-lm', { vocabSize: 5, seqLen: 3, units: -2 }));
    expect(isSeqtrainError(bad, 'ERR_INVALID_ARGUMENT') && bad.details.field).toBe('model.config.units');
    expect(() => buildModel('char-lm', { seqLen: 3 })).toThrow(/"vocabSize" must be a positive integer; got undefined/);
    expect(() => buildModel('char-lm', { vocabSize: 5, seqLen: 3, cell: 'transformer' })).toThrow(/"cell" must be one of lstm, gru, simple_rnn/);
    expect(() => buildModel('char-lm', { vocabSize: 5, seqLen: 3, unit: 4 })).toThrow(/unknown field "unit"/);
  });

  it('one-hot input: a frozen identity first layer, so only the recurrent and dense weights train', () => {
    const model = buildModel('char-lm', { vocabSize: 57, seqLen: 60, units: 16, input: 'onehot' });
    const [table] = model.getLayer('onehot').getWeights();
    expect(table!.shape).toEqual([57, 57]);
    const t = table!.arraySync() as number[][];
    expect(t[3]![3]).toBe(1);
    expect(t[3]!.reduce((a, b) => a + b, 0)).toBe(1);
    // Keras LSTM(16) on 57 one-hot features + Dense(57): 4*(16*(57+16)+16) + 16*57+57.
    expect(model.countParams() - 57 * 57).toBe(4 * (16 * (57 + 16) + 16) + 16 * 57 + 57);
    expect(model.trainableWeights.map((w) => w.name).some((n) => n.includes('onehot'))).toBe(false);
  });

  it('fails naming the known models for an unknown name', () => {
    expect(isSeqtrainError(errorOf(() => buildModel('nope', {})), 'ERR_MODEL_UNKNOWN')).toBe(true);
  });
});
