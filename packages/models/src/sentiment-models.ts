/**
 * Text classifiers of the lecture notes' sentiment experiments (IMDB-style: a window of `maxlen`
 * word ids, 0 = padding, -> a class). Each follows a Keras example, whose sizes are its defaults:
 *   sentiment-lstm          Embedding -> LSTM -> head                 (keras examples/imdb_lstm.py)
 *   sentiment-bilstm        Embedding -> Bidirectional(LSTM, concat) -> head (imdb_bidirectional_lstm.py)
 *   sentiment-stacked-lstm  Embedding -> LSTM(seq) x (layers-1) -> LSTM -> head (Chollet DLwP 6.3)
 *   sentiment-conv1d        Embedding -> Conv1D -> MaxPool1D -> Conv1D -> GlobalMaxPool1D -> head (Chollet DLwP 6.4)
 *   sentiment-cnn-lstm      Embedding -> Conv1D -> MaxPool1D -> LSTM -> head (keras examples/imdb_cnn_lstm.py)
 * head: Dense(1, sigmoid) for numClasses 2, Dense(numClasses, softmax) otherwise (seeded-layers.ts).
 * `maskZero` makes the embedding emit a padding mask that the recurrent layers honour; the
 * convolutional models reject it (tfjs' Conv1D cannot consume a mask, as in Keras).
 *
 * Regularisation (all off by default, so the defaults are the Keras examples' models):
 *   embeddingDropout  SpatialDropout1D(rate) on the embedding output: one mask per review and
 *                     embedding feature for all time steps. That is what Keras' LSTM(dropout=rate)
 *                     does to the LSTM's input (its fused implementation shares one input mask over
 *                     the gates), applied as a layer so the fused recurrent kernels keep running
 *                     (@seqtrain/rnn falls back to the slow stock loop for a cell's own dropout).
 *   dropout           Dropout(rate) before the head.
 *   pooling           'last' (the last state, Keras' default), 'max' or 'avg': the recurrent layer
 *                     returns its sequence and GlobalMax/AveragePooling1D summarise it (bilstm: of
 *                     the concatenated directions). Pooling cannot honour maskZero, so it is refused.
 * Masks are keyed by the trainer (seeded-dropout.ts): reproducible with a seed, off at evaluation.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { parseModelConfig } from './config-fields.js';
import { spatialDropout1d } from './seeded-dropout.js';
import type { FieldSpecs } from './config-fields.js';
import {
  SeedSequence,
  classifierHead,
  regularizedHead,
  reseedBackwardLayer,
  seededConv1d,
  seededEmbedding,
  seededRecurrent,
} from './seeded-layers.js';

export const POOLINGS = ['last', 'max', 'avg'] as const;
export type Pooling = (typeof POOLINGS)[number];

export interface SentimentConfig {
  vocabSize: number;
  maxlen: number;
  embeddingDim: number;
  units: number;
  numClasses: number;
  maskZero: boolean;
  embeddingDropout: number;
  dropout: number;
  pooling: Pooling;
  seed: number;
}

export interface StackedSentimentConfig extends SentimentConfig {
  layers: number;
}

export interface ConvSentimentConfig {
  vocabSize: number;
  maxlen: number;
  embeddingDim: number;
  filters: number;
  kernelSize: number;
  poolSize: number;
  numClasses: number;
  seed: number;
}

export interface CnnLstmSentimentConfig extends ConvSentimentConfig {
  units: number;
  embeddingDropout: number;
  dropout: number;
}

const BASE_FIELDS = {
  vocabSize: { kind: 'int', min: 2 },
  maxlen: { kind: 'int', min: 1 },
  numClasses: { kind: 'int', min: 2, default: 2 },
  seed: { kind: 'seed', default: DEFAULTS.SEED },
} as const satisfies FieldSpecs;

const DROPOUT_FIELDS = {
  embeddingDropout: { kind: 'rate', default: 0 },
  dropout: { kind: 'rate', default: 0 },
} as const satisfies FieldSpecs;

export const SENTIMENT_LSTM_FIELDS = {
  ...BASE_FIELDS,
  ...DROPOUT_FIELDS,
  embeddingDim: { kind: 'int', min: 1, default: 128 },
  units: { kind: 'int', min: 1, default: 128 },
  maskZero: { kind: 'bool', default: false },
  pooling: { kind: 'enum', values: POOLINGS, default: 'last' },
} as const satisfies FieldSpecs;

export const SENTIMENT_BILSTM_FIELDS = {
  ...SENTIMENT_LSTM_FIELDS,
  units: { kind: 'int', min: 1, default: 64 },
} as const satisfies FieldSpecs;

export const SENTIMENT_STACKED_FIELDS = {
  ...SENTIMENT_LSTM_FIELDS,
  embeddingDim: { kind: 'int', min: 1, default: 32 },
  units: { kind: 'int', min: 1, default: 32 },
  layers: { kind: 'int', min: 1, default: 2 },
} as const satisfies FieldSpecs;

export const SENTIMENT_CONV1D_FIELDS = {
  ...BASE_FIELDS,
  embeddingDim: { kind: 'int', min: 1, default: 128 },
  filters: { kind: 'int', min: 1, default: 32 },
  kernelSize: { kind: 'int', min: 1, default: 7 },
  poolSize: { kind: 'int', min: 1, default: 5 },
} as const satisfies FieldSpecs;

export const SENTIMENT_CNN_LSTM_FIELDS = {
  ...BASE_FIELDS,
  ...DROPOUT_FIELDS,
  embeddingDim: { kind: 'int', min: 1, default: 128 },
  filters: { kind: 'int', min: 1, default: 64 },
  kernelSize: { kind: 'int', min: 1, default: 5 },
  poolSize: { kind: 'int', min: 1, default: 4 },
  units: { kind: 'int', min: 1, default: 70 },
} as const satisfies FieldSpecs;

function tooShort(model: string, maxlen: number, needed: number): SeqtrainError {
  return new SeqtrainError(
    'ERR_INVALID_ARGUMENT',
    `${model}: maxlen ${maxlen} is too short for its convolutions and pooling (needs >= ${needed}). Raise model.config.maxlen or lower kernelSize/poolSize.`,
    { field: 'model.config.maxlen' }
  );
}

/** Sequence length left after `valid` Conv1D(kernel) -> MaxPool1D(pool) [-> Conv1D(kernel)]. */
function convLengths(maxlen: number, kernelSize: number, poolSize: number): { afterPool: number; afterSecondConv: number } {
  const afterConv = maxlen - kernelSize + 1;
  const afterPool = Math.floor(afterConv / poolSize);
  return { afterPool, afterSecondConv: afterPool - kernelSize + 1 };
}

function checkPooling<C extends SentimentConfig>(model: string, config: C): C {
  if (config.pooling !== 'last' && config.maskZero) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `${model}: pooling "${config.pooling}" cannot honour maskZero (tfjs' global pooling layers ignore masks, padding would be pooled). Set pooling: last or maskZero: false.`,
      { field: 'model.config.pooling' }
    );
  }
  return config;
}

export function parseSentimentLstmConfig(raw: Record<string, unknown>): SentimentConfig {
  return checkPooling('sentiment-lstm', parseModelConfig<SentimentConfig>('sentiment-lstm', SENTIMENT_LSTM_FIELDS, raw));
}

export function parseSentimentBilstmConfig(raw: Record<string, unknown>): SentimentConfig {
  return checkPooling('sentiment-bilstm', parseModelConfig<SentimentConfig>('sentiment-bilstm', SENTIMENT_BILSTM_FIELDS, raw));
}

export function parseSentimentStackedLstmConfig(raw: Record<string, unknown>): StackedSentimentConfig {
  return checkPooling('sentiment-stacked-lstm', parseModelConfig<StackedSentimentConfig>('sentiment-stacked-lstm', SENTIMENT_STACKED_FIELDS, raw));
}

export function parseSentimentConv1dConfig(raw: Record<string, unknown>): ConvSentimentConfig {
  const config = parseModelConfig<ConvSentimentConfig>('sentiment-conv1d', SENTIMENT_CONV1D_FIELDS, raw);
  if (convLengths(config.maxlen, config.kernelSize, config.poolSize).afterSecondConv < 1) {
    throw tooShort('sentiment-conv1d', config.maxlen, (2 * config.kernelSize - 1) * config.poolSize + config.kernelSize - 1);
  }
  return config;
}

export function parseSentimentCnnLstmConfig(raw: Record<string, unknown>): CnnLstmSentimentConfig {
  const config = parseModelConfig<CnnLstmSentimentConfig>('sentiment-cnn-lstm', SENTIMENT_CNN_LSTM_FIELDS, raw);
  if (convLengths(config.maxlen, config.kernelSize, config.poolSize).afterPool < 1) {
    throw tooShort('sentiment-cnn-lstm', config.maxlen, config.kernelSize + config.poolSize - 1);
  }
  return config;
}

/** Embedding, then SpatialDropout1D when `embeddingDropout` > 0. */
function addEmbedding(
  model: tfl.Sequential,
  seeds: SeedSequence,
  c: { vocabSize: number; embeddingDim: number; maxlen: number; embeddingDropout?: number },
  maskZero: boolean
): void {
  model.add(seededEmbedding(seeds, { name: 'embedding', inputDim: c.vocabSize, outputDim: c.embeddingDim, inputLength: c.maxlen, maskZero }));
  if ((c.embeddingDropout ?? 0) > 0) model.add(spatialDropout1d({ name: 'embedding_dropout', rate: c.embeddingDropout as number }));
}

/** After a recurrent layer built with returnSequences = pooling !== 'last'. */
function addPooling(model: tfl.Sequential, pooling: Pooling): void {
  if (pooling === 'max') model.add(tfl.layers.globalMaxPooling1d({ name: 'global_pool' }));
  if (pooling === 'avg') model.add(tfl.layers.globalAveragePooling1d({ name: 'global_pool' }));
}

export function buildSentimentLstm(config: SentimentConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'sentiment_lstm' });
  addEmbedding(model, seeds, config, config.maskZero);
  model.add(seededRecurrent(seeds, 'lstm', { name: 'lstm', units: config.units, returnSequences: config.pooling !== 'last' }));
  addPooling(model, config.pooling);
  regularizedHead(model, seeds, config.numClasses, config.dropout);
  return model;
}

export function buildSentimentBilstm(config: SentimentConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'sentiment_bilstm' });
  addEmbedding(model, seeds, config, config.maskZero);
  const forward = seededRecurrent(seeds, 'lstm', { name: 'lstm', units: config.units, returnSequences: config.pooling !== 'last' });
  model.add(tfl.layers.bidirectional({ name: 'bilstm', layer: forward as tfl.RNN, mergeMode: 'concat' }));
  addPooling(model, config.pooling);
  regularizedHead(model, seeds, config.numClasses, config.dropout);
  // Seeds for the backward direction come after every constructor seed, so adding them did not
  // shift the seeds of the layers above.
  reseedBackwardLayer(model, 'bilstm', seeds);
  return model;
}

export function buildSentimentStackedLstm(config: StackedSentimentConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'sentiment_stacked_lstm' });
  addEmbedding(model, seeds, config, config.maskZero);
  for (let i = 0; i < config.layers; i++) {
    model.add(seededRecurrent(seeds, 'lstm', { name: `lstm_${i}`, units: config.units, returnSequences: i < config.layers - 1 || config.pooling !== 'last' }));
  }
  addPooling(model, config.pooling);
  regularizedHead(model, seeds, config.numClasses, config.dropout);
  return model;
}

export function buildSentimentConv1d(config: ConvSentimentConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'sentiment_conv1d' });
  addEmbedding(model, seeds, config, false);
  model.add(seededConv1d(seeds, { name: 'conv_0', filters: config.filters, kernelSize: config.kernelSize }));
  model.add(tfl.layers.maxPooling1d({ name: 'pool_0', poolSize: config.poolSize }));
  model.add(seededConv1d(seeds, { name: 'conv_1', filters: config.filters, kernelSize: config.kernelSize }));
  model.add(tfl.layers.globalMaxPooling1d({ name: 'global_pool' }));
  model.add(classifierHead(seeds, config.numClasses));
  return model;
}

export function buildSentimentCnnLstm(config: CnnLstmSentimentConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'sentiment_cnn_lstm' });
  addEmbedding(model, seeds, config, false);
  model.add(seededConv1d(seeds, { name: 'conv_0', filters: config.filters, kernelSize: config.kernelSize }));
  model.add(tfl.layers.maxPooling1d({ name: 'pool_0', poolSize: config.poolSize }));
  model.add(seededRecurrent(seeds, 'lstm', { name: 'lstm', units: config.units }));
  regularizedHead(model, seeds, config.numClasses, config.dropout);
  return model;
}
