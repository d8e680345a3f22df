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
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { parseModelConfig } from './config-fields.js';
import type { FieldSpecs } from './config-fields.js';
import {
  SeedSequence,
  classifierHead,
  reseedBackwardLayer,
  seededConv1d,
  seededEmbedding,
  seededRecurrent,
} from './seeded-layers.js';

export interface SentimentConfig {
  vocabSize: number;
  maxlen: number;
  embeddingDim: number;
  units: number;
  numClasses: number;
  maskZero: boolean;
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
}

const BASE_FIELDS = {
  vocabSize: { kind: 'int', min: 2 },
  maxlen: { kind: 'int', min: 1 },
  numClasses: { kind: 'int', min: 2, default: 2 },
  seed: { kind: 'seed', default: DEFAULTS.SEED },
} as const satisfies FieldSpecs;

export const SENTIMENT_LSTM_FIELDS = {
  ...BASE_FIELDS,
  embeddingDim: { kind: 'int', min: 1, default: 128 },
  units: { kind: 'int', min: 1, default: 128 },
  maskZero: { kind: 'bool', default: false },
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

export function parseSentimentLstmConfig(raw: Record<string, unknown>): SentimentConfig {
  return parseModelConfig<SentimentConfig>('sentiment-lstm', SENTIMENT_LSTM_FIELDS, raw);
}

export function parseSentimentBilstmConfig(raw: Record<string, unknown>): SentimentConfig {
  return parseModelConfig<SentimentConfig>('sentiment-bilstm', SENTIMENT_BILSTM_FIELDS, raw);
}

export function parseSentimentStackedLstmConfig(raw: Record<string, unknown>): StackedSentimentConfig {
  return parseModelConfig<StackedSentimentConfig>('sentiment-stacked-lstm', SENTIMENT_STACKED_FIELDS, raw);
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

function embeddingOf(seeds: SeedSequence, c: { vocabSize: number; embeddingDim: number; maxlen: number }, maskZero: boolean): tfl.layers.Layer {
  return seededEmbedding(seeds, { name: 'embedding', inputDim: c.vocabSize, outputDim: c.embeddingDim, inputLength: c.maxlen, maskZero });
}

export function buildSentimentLstm(config: SentimentConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'sentiment_lstm' });
  model.add(embeddingOf(seeds, config, config.maskZero));
  model.add(seededRecurrent(seeds, 'lstm', { name: 'lstm', units: config.units }));
  model.add(classifierHead(seeds, config.numClasses));
  return model;
}

export function buildSentimentBilstm(config: SentimentConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'sentiment_bilstm' });
  model.add(embeddingOf(seeds, config, config.maskZero));
  const forward = seededRecurrent(seeds, 'lstm', { name: 'lstm', units: config.units });
  model.add(tfl.layers.bidirectional({ name: 'bilstm', layer: forward as tfl.RNN, mergeMode: 'concat' }));
  model.add(classifierHead(seeds, config.numClasses));
  // Seeds for the backward direction come after every constructor seed, so adding them did not
  // shift the seeds of the layers above.
  reseedBackwardLayer(model, 'bilstm', seeds);
  return model;
}

export function buildSentimentStackedLstm(config: StackedSentimentConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'sentiment_stacked_lstm' });
  model.add(embeddingOf(seeds, config, config.maskZero));
  for (let i = 0; i < config.layers; i++) {
    model.add(seededRecurrent(seeds, 'lstm', { name: `lstm_${i}`, units: config.units, returnSequences: i < config.layers - 1 }));
  }
  model.add(classifierHead(seeds, config.numClasses));
  return model;
}

export function buildSentimentConv1d(config: ConvSentimentConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'sentiment_conv1d' });
  model.add(embeddingOf(seeds, config, false));
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
  model.add(embeddingOf(seeds, config, false));
  model.add(seededConv1d(seeds, { name: 'conv_0', filters: config.filters, kernelSize: config.kernelSize }));
  model.add(tfl.layers.maxPooling1d({ name: 'pool_0', poolSize: config.poolSize }));
  model.add(seededRecurrent(seeds, 'lstm', { name: 'lstm', units: config.units }));
  model.add(classifierHead(seeds, config.numClasses));
  return model;
}
