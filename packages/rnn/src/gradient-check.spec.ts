import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '@seqtrain/backend';
import { gru, lstm, simpleRNN } from './fast-recurrent-layers.js';
import { buildWithSeededWeights, seeded } from './layer-harness.testing.js';
import { registerRnnKernels } from './register-rnn-kernels.js';
import { setRnnImpl } from './rnn-impl.js';

const B = 2;
const T = 5;
const D = 3;
const H = 4;
/** Central differences in float32: step 1e-2 keeps rounding (~1e-7·|L|/step) and truncation (~step²) near 1e-4. */
const STEP = 1e-2;
const TOLERANCE = 2e-3;

/** loss = Σ outputs ⊙ R, R fixed; a padded step in row 1 exercises the mask's carry. */
function lossOf(layer: tfl.layers.Layer, x: tf.Tensor3D): tf.Scalar {
  const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 0, 1, 1, 0], [B, T]);
  const out = layer.apply(x, { mask }) as tf.Tensor;
  return tf.sum(tf.mul(out, tf.tensor(seeded(out.size, 31), out.shape)));
}

function checkLayer(make: () => tfl.layers.Layer): void {
  const layer = make();
  buildWithSeededWeights(layer, [B, T, D], 17);
  const xValues = seeded(B * T * D, 3);
  const x = tf.tensor3d(xValues, [B, T, D]);
  const analytic = tf.tidy(() => tf.grad((v: tf.Tensor) => lossOf(layer, v as tf.Tensor3D))(x).dataSync());
  const at = (values: number[]): number => tf.tidy(() => lossOf(layer, tf.tensor3d(values, [B, T, D])).dataSync()[0] as number);
  let scale = 0;
  for (const g of analytic) scale = Math.max(scale, Math.abs(g));
  for (let i = 0; i < xValues.length; i += 2) {
    const plus = [...xValues];
    const minus = [...xValues];
    plus[i] = (plus[i] as number) + STEP;
    minus[i] = (minus[i] as number) - STEP;
    const numeric = (at(plus) - at(minus)) / (2 * STEP);
    expect(Math.abs(numeric - (analytic[i] as number)) / scale, `d loss / d x[${i}]`).toBeLessThan(TOLERANCE);
  }
  // The recurrent kernel: one entry per gate block.
  const weights = layer.getWeights();
  const u = weights[1] as tf.Tensor;
  const uValues = Array.from(u.dataSync());
  const uGrad = tf.tidy(() => {
    const v = (layer.trainableWeights[1] as unknown as { val: tf.Variable }).val;
    const { grads } = tf.variableGrads(() => lossOf(layer, x), [v]);
    return Array.from(grads[v.name]?.dataSync() ?? []);
  });
  const withU = (values: number[]): number => {
    layer.setWeights(weights.map((w, k) => (k === 1 ? tf.tensor(values, u.shape) : w)));
    return at(xValues);
  };
  const G = u.shape[1] as number;
  for (let j = 1; j < G; j += H + 1) {
    const plus = [...uValues];
    const minus = [...uValues];
    plus[j] = (plus[j] as number) + STEP;
    minus[j] = (minus[j] as number) - STEP;
    const numeric = (withU(plus) - withU(minus)) / (2 * STEP);
    const uScale = Math.max(...uGrad.map(Math.abs));
    expect(Math.abs(numeric - (uGrad[j] as number)) / uScale, `d loss / d U[${j}]`).toBeLessThan(TOLERANCE);
  }
  withU(uValues);
  x.dispose();
}

describe('finite-difference gradient check of the fused kernels', () => {
  beforeAll(async () => {
    registerRnnKernels();
    await selectBackend('cpu');
    setRnnImpl('fused');
  });
  afterAll(() => setRnnImpl(undefined));

  it('LSTM (sigmoid), sequences, masked', () => checkLayer(() => lstm({ units: H, recurrentActivation: 'sigmoid', returnSequences: true })));
  it('GRU (sigmoid), last output, masked', () => checkLayer(() => gru({ units: H, recurrentActivation: 'sigmoid' })));
  it('SimpleRNN (tanh), sequences, masked', () => checkLayer(() => simpleRNN({ units: H, returnSequences: true })));
});
