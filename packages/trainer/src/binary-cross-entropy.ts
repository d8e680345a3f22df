/**
 * Per-sample binary cross-entropy of a one-unit sigmoid head, as Keras computes it on probabilities:
 * p clipped to [eps, 1 - eps] before the logs (the same PROBABILITY_EPSILON as sparseCrossEntropy), so
 * a confidently wrong prediction costs -log(1e-7) ~ 16.1 instead of Infinity/NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PROBABILITY_EPSILON } from './sparse-cross-entropy.js';

/** probs [n, 1] (sigmoid outputs), labels int32 [n] in {0, 1} -> losses [n]. */
export function binaryCrossEntropy(probs: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const p = tf.clipByValue(tf.reshape(probs, [-1]), PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    const y = tf.cast(labels, 'float32');
    const positive = tf.mul(y, tf.log(p));
    const negative = tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)));
    return tf.neg(tf.add(positive, negative)) as tf.Tensor1D;
  });
}
