/**
 * Per-sample sparse categorical cross-entropy of softmax probabilities, as Keras computes it for a
 * model whose last layer is a softmax: probabilities are clipped to [eps, 1 - eps] before the log,
 * so a confidently wrong prediction costs -log(1e-7) ~ 16.1 instead of Infinity/NaN.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Keras' backend epsilon. */
export const PROBABILITY_EPSILON = 1e-7;

/** probs [n, classes] (rows sum to 1), labels int32 [n] -> losses [n]. */
export function sparseCrossEntropy(probs: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const classes = probs.shape[1];
    const clipped = tf.clipByValue(probs, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    const picked = tf.sum(tf.mul(tf.log(clipped), tf.oneHot(labels, classes)), 1);
    return tf.neg(picked) as tf.Tensor1D;
  });
}
