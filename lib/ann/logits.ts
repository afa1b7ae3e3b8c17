/** Inference of the ANN on 0..1 images: it sees the spike encoder's expectation. */
import * as tf from '@tensorflow/tfjs-core';
import { expectedSpikes, type EncoderSpec } from '../data/encode';
import type { AnnVgg } from './vgg11';

/** ANN logits for 0..1 images: the ANN sees the encoder's expected spikes. */
export function annLogits(ann: AnnVgg, images01: tf.Tensor4D, variant: EncoderSpec): tf.Tensor2D {
  return tf.tidy(() => ann.forward(expectedSpikes(variant, images01), { training: false }).logits);
}
