import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildModel } from './build-model.js';
import { forwardOnce } from './graph-forward.js';
import { withDropoutNoise } from './seeded-dropout.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SEQ2SEQ = { srcVocab: 12, tgtVocab: 9, srcLen: 6, tgtLen: 5, embeddingDim: 4, units: 5, seed: 3 };

/** Counts the applications of each layer of `model` (wrapping its apply). */
function countApplications(model: LayersModel): Map<string, number> {
  const counts = new Map<string, number>();
  for (const layer of model.layers) {
    const apply = layer.apply.bind(layer);
    layer.apply = ((inputs: Parameters<typeof apply>[0], kwargs?: Parameters<typeof apply>[1]) => {
      counts.set(layer.name, (counts.get(layer.name) ?? 0) + 1);
      return apply(inputs, kwargs);
    }) as typeof layer.apply;
  }
  return counts;
}

function seq2seqBatch(): [tf.Tensor2D, tf.Tensor2D] {
  return [tf.tensor2d([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 0]]), tf.tensor2d([[1, 2, 3, 4, 5], [6, 7, 8, 0, 0]])];
}

describe('forwardOnce', () => {
  it("gives the stock executor's output for seq2seq with every layer applied once (the executor ran the encoder LSTM three times)", () => {
    const model = buildModel('seq2seq-attention', SEQ2SEQ);
    model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 1, 'float32', 70 + i)));
    const counts = countApplications(model);
    const [src, tgt] = seq2seqBatch();
    const stock = model.execute([src, tgt], model.outputs[0]!.name) as tf.Tensor;
    expect(counts.get('encoder_lstm')).toBe(3);
    counts.clear();
    const once = forwardOnce(model, [src, tgt], false);
    expect(once.shape).toEqual([2, 5, 9]);
    expect(Array.from(once.dataSync())).toEqual(Array.from(stock.dataSync()));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect([...counts.keys()].sort()).toEqual(model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name).sort());
  });

  it('passes training to every layer: dropout is on when training (keyed masks) and off otherwise; the stock apply throws instead', () => {
    const model = buildModel('seq2seq-attention', { ...SEQ2SEQ, dropout: 0.4 });
    const [src, tgt] = seq2seqBatch();
    const inference = Array.from(forwardOnce(model, [src, tgt], false).dataSync());
    expect(inference).toEqual(Array.from((model.predict([src, tgt]) as tf.Tensor).dataSync()));
    const training = (key: number): number[] => withDropoutNoise(key, () => Array.from(forwardOnce(model, [src, tgt], true).dataSync()));
    expect(training(1)).toEqual(training(1));
    expect(training(1)).not.toEqual(training(2));
    expect(training(1)).not.toEqual(inference);
    expect(() => model.apply([src, tgt], { training: true })).toThrow(/neither initialState or constants/);
    const plain = buildModel('seq2seq-attention', SEQ2SEQ);
    expect(Array.from(forwardOnce(plain, [src, tgt], true).dataSync())).toEqual(Array.from(forwardOnce(plain, [src, tgt], false).dataSync()));
  });

  it('carries masks as the executor does (Embedding maskZero into an LSTM, two inputs)', () => {
    const a = tfl.input({ shape: [4], name: 'a' });
    const b = tfl.input({ shape: [3], name: 'b' });
    const embedded = tfl.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, embeddingsInitializer: tfl.initializers.randomNormal({ seed: 1 }) }).apply(a) as tfl.SymbolicTensor;
    const summary = tfl.layers.lstm({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), recurrentInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }).apply(embedded) as tfl.SymbolicTensor;
    const out = tfl.layers.concatenate().apply([summary, b]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [a, b], outputs: out });
    // Row 0's trailing zeros are masked (the LSTM skips them); embedding 0 is not a zero vector, so a lost mask changes the output.
    const ids = tf.tensor2d([[1, 2, 0, 0], [3, 4, 5, 1]]);
    const extra = tf.tensor2d([[0.5, 0.25, 1], [2, 3, 4]]);
    const once = Array.from(forwardOnce(model, [ids, extra], false).dataSync());
    expect(once).toEqual(Array.from((model.predict([ids, extra]) as tf.Tensor).dataSync()));
    expect(() => forwardOnce(model, [ids], false)).toThrow(/takes 2 inputs \(a, b\); got 1/);
  });
});
