/**
 * `rnn-classifier`: the generic recurrent text classifier of Chollet's DLwP 6.2 (IMDB with
 * SimpleRNN / LSTM / GRU): Embedding(vocabSize, embeddingDim) -> cell(units) -> head (Dense(1,
 * sigmoid) for two classes, Dense(numClasses, softmax) otherwise). Defaults are the book's:
 * Embedding(10000, 32) + SimpleRNN(32) + Dense(1, sigmoid), 322,113 parameters.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DEFAULTS } from '@seqtrain/common';
import { parseModelConfig } from './config-fields.js';
import type { FieldSpecs } from './config-fields.js';
import { RECURRENT_CELLS } from './char-lm.js';
import type { RecurrentCell } from './char-lm.js';
import { SeedSequence, classifierHead, seededEmbedding, seededRecurrent } from './seeded-layers.js';

export interface RnnClassifierConfig {
  vocabSize: number;
  maxlen: number;
  embeddingDim: number;
  units: number;
  cell: RecurrentCell;
  numClasses: number;
  maskZero: boolean;
  seed: number;
}

export const RNN_CLASSIFIER_FIELDS = {
  vocabSize: { kind: 'int', min: 2, default: 10_000 },
  maxlen: { kind: 'int', min: 1 },
  embeddingDim: { kind: 'int', min: 1, default: 32 },
  units: { kind: 'int', min: 1, default: 32 },
  cell: { kind: 'enum', values: RECURRENT_CELLS, default: 'simple_rnn' },
  numClasses: { kind: 'int', min: 2, default: 2 },
  maskZero: { kind: 'bool', default: false },
  seed: { kind: 'seed', default: DEFAULTS.SEED },
} as const satisfies FieldSpecs;

export function parseRnnClassifierConfig(raw: Record<string, unknown>): RnnClassifierConfig {
  return parseModelConfig<RnnClassifierConfig>('rnn-classifier', RNN_CLASSIFIER_FIELDS, raw);
}

export function buildRnnClassifier(config: RnnClassifierConfig): LayersModel {
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'rnn_classifier' });
  model.add(
    seededEmbedding(seeds, {
      name: 'embedding',
      inputDim: config.vocabSize,
      outputDim: config.embeddingDim,
      inputLength: config.maxlen,
      maskZero: config.maskZero,
    })
  );
  model.add(seededRecurrent(seeds, config.cell, { name: 'rnn', units: config.units }));
  model.add(classifierHead(seeds, config.numClasses));
  return model;
}
