/**
 * Where training stands, as saved in a checkpoint's trainer-state.json: enough (with the model and
 * optimizer files beside it) to resume exactly, rebuild the optimizer, and generate text.
 */
import { SeqtrainError } from '@seqtrain/common';
import { OPTIMIZER_NAMES, isOptimizerName, type OptimizerName } from './optimizer-factory.js';

export interface TrainerState {
  /** Steps completed. */
  step: number;
  epoch: number;
  /** Steps completed within `epoch`. */
  stepInEpoch: number;
  seed: number;
  optimizer: { name: OptimizerName; learningRate: number };
  /** The registry name and the complete (resolved) config the model was built from. */
  model: { name: string; config: Record<string, unknown> };
  /** The dataset the run trained on (a path or id), when known. */
  dataset?: string;
  /** id -> character, for generation (a translation model: its target characters). */
  vocab?: string[];
  /** A translation model's source characters (id -> character), for `seqtrain translate`. */
  sourceVocab?: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates parsed trainer-state.json; errors are ERR_CHECKPOINT_INVALID naming `file` and the field. */
export function parseTrainerState(value: unknown, file: string): TrainerState {
  const fail = (field: string, expected: string, got: unknown): SeqtrainError =>
    new SeqtrainError(
      'ERR_CHECKPOINT_INVALID',
      `${file}: field "${field}" must be ${expected}; got ${JSON.stringify(got)}. The checkpoint is damaged or from another program.`,
      { file, field }
    );
  if (!isRecord(value)) throw fail('(root)', 'an object', value);
  for (const field of ['step', 'epoch', 'stepInEpoch'] as const) {
    const v = value[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw fail(field, 'an integer >= 0', v);
  }
  if (typeof value['seed'] !== 'number' || !Number.isSafeInteger(value['seed'])) throw fail('seed', 'an integer', value['seed']);
  const optimizer = value['optimizer'];
  if (!isRecord(optimizer)) throw fail('optimizer', 'an object', optimizer);
  if (!isOptimizerName(optimizer['name'])) throw fail('optimizer.name', `one of ${OPTIMIZER_NAMES.join(', ')}`, optimizer['name']);
  const lr = optimizer['learningRate'];
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) throw fail('optimizer.learningRate', 'a number > 0', lr);
  const model = value['model'];
  if (!isRecord(model)) throw fail('model', 'an object', model);
  if (typeof model['name'] !== 'string' || model['name'] === '') throw fail('model.name', 'a model name', model['name']);
  if (!isRecord(model['config'])) throw fail('model.config', 'an object', model['config']);
  if (value['dataset'] !== undefined && typeof value['dataset'] !== 'string') throw fail('dataset', 'a string', value['dataset']);
  const vocab = value['vocab'];
  if (vocab !== undefined && !(Array.isArray(vocab) && vocab.every((c) => typeof c === 'string'))) {
    throw fail('vocab', 'an array of strings', vocab);
  }
  const sourceVocab = value['sourceVocab'];
  if (sourceVocab !== undefined && !(Array.isArray(sourceVocab) && sourceVocab.every((c) => typeof c === 'string'))) {
    throw fail('sourceVocab', 'an array of strings', sourceVocab);
  }
  return value as unknown as TrainerState;
}
