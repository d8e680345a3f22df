/**
 * Seeded building blocks shared by the registered models. Every initializer draws its seed from one
 * SeedSequence (config.seed + 1, + 2, ... in construction order), so each weight gets a distinct
 * seed and two builds from the same config are bitwise identical, the property data parallelism
 * relies on (each rank builds its replica locally). Initializers follow Keras' defaults: uniform
 * +-0.05 embeddings, Glorot-uniform kernels, orthogonal recurrent kernels (fast-orthogonal.ts),
 * zero biases, LSTM forget-gate bias 1. Dropout layers are seeded-dropout.ts's keyed ones: a
 * training step stays a deterministic function of weights, batch and the trainer's noise key.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { gru, lstm, registerRnnKernels, simpleRNN, useFastRecurrentLayers } from '@seqtrain/rnn';
import type { RecurrentCell } from './char-lm.js';
import { fastOrthogonal } from './fast-orthogonal.js';
import { dropout } from './seeded-dropout.js';

/** Keras' default Embedding initializer is uniform on [-0.05, 0.05]. */
export const EMBEDDING_INIT_LIMIT = 0.05;

export class SeedSequence {
  private last: number;

  constructor(seed: number) {
    this.last = seed;
  }

  next(): number {
    return ++this.last;
  }
}

export function seededEmbedding(
  seeds: SeedSequence,
  args: { name: string; inputDim: number; outputDim: number; inputLength?: number; maskZero?: boolean }
): tfl.layers.Layer {
  return tfl.layers.embedding({
    ...args,
    embeddingsInitializer: tfl.initializers.randomUniform({
      minval: -EMBEDDING_INIT_LIMIT,
      maxval: EMBEDDING_INIT_LIMIT,
      seed: seeds.next(),
    }),
  });
}

export interface RecurrentArgs {
  name: string;
  units: number;
  returnSequences?: boolean;
  returnState?: boolean;
  inputShape?: number[];
}

/**
 * One recurrent layer of `cell` kind with Keras' default initializers, seeded. The layers are
 * @seqtrain/rnn's (tfjs-layers' classes with a fused whole-sequence call; same weights, config and
 * model.json), and tfjs is told to build them wherever it deserializes LSTM/GRU/SimpleRNN: in
 * Bidirectional's backward copy and in tf.loadLayersModel (checkpoints, resume).
 */
export function seededRecurrent(seeds: SeedSequence, cell: RecurrentCell, args: RecurrentArgs): tfl.layers.Layer {
  registerRnnKernels();
  useFastRecurrentLayers();
  const common = {
    ...args,
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seeds.next() }),
    recurrentInitializer: fastOrthogonal({ seed: seeds.next(), gain: 1 }),
    biasInitializer: tfl.initializers.zeros(),
  };
  switch (cell) {
    case 'lstm':
      return lstm({ ...common, unitForgetBias: true });
    case 'gru':
      return gru(common);
    case 'simple_rnn':
      return simpleRNN(common);
  }
}

export function seededDense(
  seeds: SeedSequence,
  args: { name: string; units: number; activation?: 'softmax' | 'sigmoid' | 'relu' | 'tanh' | 'linear' }
): tfl.layers.Layer {
  return tfl.layers.dense({
    ...args,
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seeds.next() }),
    biasInitializer: tfl.initializers.zeros(),
  });
}

export function seededConv1d(
  seeds: SeedSequence,
  args: { name: string; filters: number; kernelSize: number }
): tfl.layers.Layer {
  return tfl.layers.conv1d({
    ...args,
    activation: 'relu',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seeds.next() }),
    biasInitializer: tfl.initializers.zeros(),
  });
}

/**
 * The classifier head of the sentiment/classification models: Keras' convention of one sigmoid
 * unit for two classes (binary cross-entropy) and a softmax over `numClasses` otherwise.
 */
export function classifierHead(seeds: SeedSequence, numClasses: number, name = 'classifier'): tfl.layers.Layer {
  return numClasses === 2
    ? seededDense(seeds, { name, units: 1, activation: 'sigmoid' })
    : seededDense(seeds, { name, units: numClasses, activation: 'softmax' });
}

/** Dropout(rate) (when rate > 0) then classifierHead, appended to `model`. */
export function regularizedHead(model: tfl.Sequential, seeds: SeedSequence, numClasses: number, rate: number): void {
  if (rate > 0) model.add(dropout({ name: 'head_dropout', rate }));
  model.add(classifierHead(seeds, numClasses));
}

/**
 * tfjs' Bidirectional builds its backward layer from the forward layer's config, seeds included,
 * so both directions would start from identical weights. This redraws the backward layer's
 * kernel (Glorot-uniform) and recurrent kernel (orthogonal) from two fresh seeds after the model
 * is built; biases keep their (deterministic) initial values. model.json still records the
 * forward seeds for the backward layer, which only matters for a model rebuilt from its topology
 * without its weights (never done: checkpoints carry weights).
 */
export function reseedBackwardLayer(model: LayersModel, layerName: string, seeds: SeedSequence): void {
  const layer = model.getLayer(layerName);
  const weights = layer.getWeights();
  const half = weights.length / 2;
  const redrawn = tf.tidy(() =>
    weights.map((w, i) => {
      if (i < half) return w.clone();
      const slot = i - half;
      if (slot === 0) return tfl.initializers.glorotUniform({ seed: seeds.next() }).apply(w.shape);
      if (slot === 1) return fastOrthogonal({ seed: seeds.next(), gain: 1 }).apply(w.shape);
      return w.clone();
    })
  );
  layer.setWeights(redrawn);
  tf.dispose(redrawn);
}
