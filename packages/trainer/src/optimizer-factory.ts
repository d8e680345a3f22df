/**
 * Optimizers by name, with tfjs' defaults (which are Keras'): adam beta1 0.9, beta2 0.999;
 * rmsprop decay 0.9, no momentum; plain sgd. The name and learning rate are all a checkpoint
 * needs to rebuild one (its slots are saved separately, see optimizer-state.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';

export const OPTIMIZER_NAMES = ['sgd', 'adam', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export function isOptimizerName(value: unknown): value is OptimizerName {
  return typeof value === 'string' && (OPTIMIZER_NAMES as readonly string[]).includes(value);
}

export function createOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `The learning rate must be a finite number > 0; got ${learningRate}. Try 0.005 for adam or 0.1 for sgd.`,
      { field: 'optimizer.learningRate' }
    );
  }
  switch (name) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'adam':
      return tf.train.adam(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    default:
      throw new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Unknown optimizer ${JSON.stringify(name)}. Choose one of: ${OPTIMIZER_NAMES.join(', ')}.`,
        { field: 'optimizer.name' }
      );
  }
}
