/**
 * `char-lm`: the Keras text-generation lab's character language model. It reads a window of
 * `seqLen` character ids and predicts the next character:
 *   Embedding(vocabSize, embeddingDim) -> layers x recurrent(units) -> Dense(vocabSize, softmax).
 * With `input: 'onehot'` (the Nietzsche/Macbeth labs' one-hot characters) the first layer is a frozen
 * identity Embedding(vocabSize, vocabSize): row i is the one-hot vector of id i, not trained, so the
 * recurrent layer sees exactly Keras' one-hot input while the model still reads ids (and saves, loads
 * and samples like the embedding variant); `embeddingDim` is then unused.
 *
 * With `targets: 'sequence'` (many-to-many, as char-rnn) the last recurrent layer returns its whole
 * sequence and the Dense softmax is applied at every position: output [batch, seqLen, vocabSize], the
 * prediction at position t being the character after input t, so a window of seqLen characters trains
 * seqLen targets (the batch source shifts the window by one for them). `targets: 'next'` (the default,
 * the Keras labs') predicts only the character after the window: output [batch, vocabSize].
 *
 * Every initializer is seeded from `config.seed` with a distinct offset per weight, so two builds
 * with the same config are bitwise identical (what lets each rank build its replica locally and
 * the checks compare replicas); initializers follow Keras' defaults (uniform +-0.05 embeddings,
 * Glorot-uniform kernels, orthogonal recurrent kernels (computed by fast-orthogonal.ts), zero
 * biases, LSTM forget-gate bias 1).
 * No dropout: the training step must be a deterministic function of weights and batch.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { SeedSequence, seededDense, seededEmbedding, seededRecurrent } from './seeded-layers.js';

export const CHAR_LM_MODEL_NAME = 'char-lm';

export const RECURRENT_CELLS = ['lstm', 'gru', 'simple_rnn'] as const;
export const CHAR_LM_INPUTS = ['embedding', 'onehot'] as const;
export type CharLmInput = (typeof CHAR_LM_INPUTS)[number];
export type RecurrentCell = (typeof RECURRENT_CELLS)[number];
/** 'next': one target per window (many-to-one); 'sequence': one per position (many-to-many). */
export const CHAR_LM_TARGETS = ['next', 'sequence'] as const;
export type CharLmTargets = (typeof CHAR_LM_TARGETS)[number];

export interface CharLmConfig {
  vocabSize: number;
  seqLen: number;
  embeddingDim: number;
  units: number;
  layers: number;
  cell: RecurrentCell;
  input: CharLmInput;
  targets: CharLmTargets;
  seed: number;
}

export const CHAR_LM_DEFAULTS = {
  embeddingDim: 32,
  units: 128,
  layers: 1,
  cell: 'lstm',
  input: 'embedding',
  targets: 'next',
  seed: DEFAULTS.SEED,
} as const satisfies Partial<CharLmConfig>;

const POSITIVE_INT_FIELDS = ['vocabSize', 'seqLen', 'embeddingDim', 'units', 'layers'] as const;
const KNOWN_FIELDS: readonly string[] = [...POSITIVE_INT_FIELDS, 'cell', 'input', 'targets', 'seed'];

function invalid(field: string, expected: string, got: unknown): SeqtrainError {
  return new SeqtrainError(
    'ERR_INVALID_ARGUMENT',
    `char-lm config field "${field}" must be ${expected}; got ${JSON.stringify(got)}. Fix model.config.${field} in the job.`,
    { field: `model.config.${field}` }
  );
}

/** Validates a raw char-lm config, fills defaults, and rejects unknown fields (typos). */
export function parseCharLmConfig(raw: Record<string, unknown>): CharLmConfig {
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.includes(key)) {
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `char-lm config has an unknown field "${key}". Known fields: ${KNOWN_FIELDS.join(', ')}.`,
        { field: `model.config.${key}` }
      );
    }
  }
  const merged: Record<string, unknown> = { ...CHAR_LM_DEFAULTS, ...raw };
  for (const field of POSITIVE_INT_FIELDS) {
    const value = merged[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw invalid(field, 'a positive integer', value);
    }
  }
  const cell = merged['cell'];
  if (typeof cell !== 'string' || !(RECURRENT_CELLS as readonly string[]).includes(cell)) {
    throw invalid('cell', `one of ${RECURRENT_CELLS.join(', ')}`, cell);
  }
  const input = merged['input'];
  if (typeof input !== 'string' || !(CHAR_LM_INPUTS as readonly string[]).includes(input)) {
    throw invalid('input', `one of ${CHAR_LM_INPUTS.join(', ')}`, input);
  }
  const targets = merged['targets'];
  if (typeof targets !== 'string' || !(CHAR_LM_TARGETS as readonly string[]).includes(targets)) {
    throw invalid('targets', `one of ${CHAR_LM_TARGETS.join(', ')}`, targets);
  }
  const seed = merged['seed'];
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw invalid('seed', 'an integer', seed);
  return merged as unknown as CharLmConfig;
}

/** Builds a char-lm from a complete config (parseCharLmConfig fills one from a job file's). */
export function buildCharLm(config: CharLmConfig): LayersModel {
  // Seeds seed+1, seed+2, ... in layer order (seeded-layers.ts): distinct per weight, stable across builds.
  const seeds = new SeedSequence(config.seed);
  const model = tfl.sequential({ name: 'char_lm' });
  if (config.input === 'onehot') {
    model.add(
      tfl.layers.embedding({
        name: 'onehot',
        inputDim: config.vocabSize,
        outputDim: config.vocabSize,
        inputLength: config.seqLen,
        embeddingsInitializer: tfl.initializers.identity({ gain: 1 }),
        trainable: false,
      })
    );
  } else {
    model.add(
      seededEmbedding(seeds, { name: 'embedding', inputDim: config.vocabSize, outputDim: config.embeddingDim, inputLength: config.seqLen })
    );
  }
  for (let i = 0; i < config.layers; i++) {
    model.add(seededRecurrent(seeds, config.cell, { name: `rnn_${i}`, units: config.units, returnSequences: i < config.layers - 1 || config.targets === 'sequence' }));
  }
  model.add(seededDense(seeds, { name: 'next_char', units: config.vocabSize, activation: 'softmax' }));
  return model;
}
