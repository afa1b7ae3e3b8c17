/**
 * The classification loss shared by training and attacks: softmax cross-entropy of logits
 * [B, classes] against integer labels [B], averaged over the batch.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Mean softmax cross-entropy L = −(1/B)·Σ_b log softmax(logits_b)[y_b]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]), logits) as tf.Scalar);
}
