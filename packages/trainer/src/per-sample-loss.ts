/**
 * The per-sample losses the trainer knows. Each maps (model output, target) to one loss per sample;
 * the trainer sums them and scales by worldSize / globalCount, so world-size invariance holds for
 * every one of them (a sample's loss depends on that sample only).
 *  'sparse_categorical_crossentropy'          softmax [n, classes], int32 ids [n]
 *  'binary_crossentropy'                      sigmoid [n, 1], int32 {0, 1} [n]
 *  'mean_squared_error'                       any [n, ...], float32 target of the same size per sample:
 *                                             the mean of the sample's squared errors (Keras' mse)
 *  'sequence_sparse_categorical_crossentropy' softmax [n, T, vocab], int32 ids [n, T] with 0 = padding:
 *                                             the mean over the sample's real (non-zero) target tokens,
 *                                             so padding never weighs in and each pair counts once
 *  'token_sparse_categorical_crossentropy'    softmax [n, T, vocab], int32 ids [n, T] with a negative id =
 *                                             a position not scored (context only; validation windows of
 *                                             the many-to-many char-lm): the mean over the scored tokens.
 *                                             Every id >= 0 is a real token (id 0 is a character here).
 * Training uses the per-sample loss; evaluation sums lossTerms(), which for the token loss counts
 * TOKENS (so a validation figure is per scored character), for the others samples.
 */
import * as tf from '@tensorflow/tfjs-core';
import { binaryCrossEntropy } from './binary-cross-entropy.js';
import { sparseCrossEntropy } from './sparse-cross-entropy.js';

export const LOSSES = [
  'sparse_categorical_crossentropy',
  'binary_crossentropy',
  'mean_squared_error',
  'sequence_sparse_categorical_crossentropy',
  'token_sparse_categorical_crossentropy',
] as const;
export type LossName = (typeof LOSSES)[number];

/** Target id that marks padding in a sequence target (the pairs recipe's id 0). */
export const SEQUENCE_PAD_ID = 0;

/** Token losses [n, T] and the 0/1 scored mask [n, T] of a [n, T, vocab] output (call inside tf.tidy). */
function tokenLosses(output: tf.Tensor, target: tf.Tensor, scored: (target: tf.Tensor) => tf.Tensor): { losses: tf.Tensor2D; mask: tf.Tensor2D } {
  const [n = 0, steps = 0, vocab = 0] = output.shape;
  const ids = tf.maximum(tf.cast(tf.reshape(target, [-1]), 'int32'), tf.scalar(0, 'int32')) as tf.Tensor1D;
  const losses = tf.reshape(sparseCrossEntropy(tf.reshape(output, [n * steps, vocab]) as tf.Tensor2D, ids), [n, steps]) as tf.Tensor2D;
  return { losses, mask: tf.cast(scored(target), 'float32') as tf.Tensor2D };
}

const scoredOf = (loss: LossName) => (target: tf.Tensor): tf.Tensor =>
  loss === 'token_sparse_categorical_crossentropy' ? tf.greaterEqual(target, 0) : tf.notEqual(target, SEQUENCE_PAD_ID);

export function perSampleLoss(loss: LossName, output: tf.Tensor, target: tf.Tensor): tf.Tensor1D {
  switch (loss) {
    case 'binary_crossentropy':
      return binaryCrossEntropy(output as tf.Tensor2D, target as tf.Tensor1D);
    case 'sparse_categorical_crossentropy':
      return sparseCrossEntropy(output as tf.Tensor2D, target as tf.Tensor1D);
    case 'mean_squared_error':
      return tf.tidy(() => {
        const n = output.shape[0] ?? 0;
        const diff = tf.sub(tf.reshape(output, [n, -1]), tf.reshape(tf.cast(target, 'float32'), [n, -1]));
        return tf.mean(tf.square(diff), 1) as tf.Tensor1D;
      });
    case 'sequence_sparse_categorical_crossentropy':
    case 'token_sparse_categorical_crossentropy':
      return tf.tidy(() => {
        const { losses, mask } = tokenLosses(output, target, scoredOf(loss));
        // max(1, tokens): a target of padding only (never written by the pairs recipe) costs 0, not NaN.
        return tf.div(tf.sum(tf.mul(losses, mask), 1), tf.maximum(tf.sum(mask, 1), 1)) as tf.Tensor1D;
      });
  }
}

/**
 * What evaluation sums over a batch: the loss total and what it counts. For the token loss, the sum of
 * the scored tokens' losses and their number (a mean per character, whatever the windows' overlap);
 * for every other loss, the per-sample losses' sum and the sample count.
 */
export function lossTerms(loss: LossName, output: tf.Tensor, target: tf.Tensor): { sum: tf.Scalar; count: tf.Scalar } {
  return tf.tidy(() => {
    if (loss === 'token_sparse_categorical_crossentropy') {
      const { losses, mask } = tokenLosses(output, target, scoredOf(loss));
      return { sum: tf.sum(tf.mul(losses, mask)), count: tf.sum(mask) };
    }
    return { sum: tf.sum(perSampleLoss(loss, output, target)), count: tf.scalar(output.shape[0] ?? 0) };
  });
}

/**
 * Samples whose predicted class equals the label, for the classification losses (p >= 0.5 means
 * class 1 for a sigmoid head); 0 for the others (their figures are the loss, RMSE or chrF).
 */
export function correctCount(loss: LossName, output: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (loss === 'binary_crossentropy') {
      return tf.sum(tf.cast(tf.equal(tf.cast(tf.greaterEqual(tf.reshape(output, [-1]), 0.5), 'int32'), target), 'int32'));
    }
    if (loss === 'sparse_categorical_crossentropy') return tf.sum(tf.cast(tf.equal(tf.argMax(output, 1), target), 'int32'));
    return tf.scalar(0, 'int32');
  });
}
