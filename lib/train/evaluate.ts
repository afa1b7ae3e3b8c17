/**
 * Accuracy of the ANN and of SNNs on a data set, batch by batch with flat memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batches, toTensor, type Dataset } from '../data/dataset';
import { createEncoder, expectedSpikes, type EncoderVariant } from '../data/encode';
import type { AnnVgg } from '../ann/vgg11';
import type { SpikingVgg } from '../snn/network';
import { simulate } from '../snn/simulate';
import type { SimulationObserver } from '../snn/observer';
import type { Rng } from '../random';

/** ANN logits for 0..1 images: the ANN sees the encoder's expected spikes. */
export function annLogits(ann: AnnVgg, images01: tf.Tensor4D, variant: EncoderVariant): tf.Tensor2D {
  return tf.tidy(() => ann.forward(expectedSpikes(variant, images01), { training: false }).logits);
}

/** SNN logits (output membrane / T) for 0..1 images, Poisson-encoded with a seeded encoder. */
export function snnLogits(net: SpikingVgg, images01: tf.Tensor4D, variant: EncoderVariant, timesteps: number, rng: Rng, observers: SimulationObserver[] = []): tf.Tensor2D {
  const enc = createEncoder(variant, images01, rng);
  try {
    return simulate(net, enc, { timesteps, observers });
  } finally {
    enc.dispose();
  }
}

async function accuracy(ds: Dataset, batchSize: number, logitsOf: (x: tf.Tensor4D, b: number) => tf.Tensor2D): Promise<number> {
  let correct = 0, b = 0;
  for (const idx of batches(ds, batchSize, null)) {
    const x = toTensor(ds, idx);
    const logits = logitsOf(x, b++);
    const pred = tf.tidy(() => tf.argMax(logits, 1));
    const p = await pred.data();
    for (let i = 0; i < idx.length; i++) if (p[i] === ds.labels[idx[i]]) correct++;
    tf.dispose([x, logits, pred]);
  }
  return ds.size ? correct / ds.size : 0;
}

/** ANN top-1 accuracy in [0, 1]. */
export function annAccuracy(ann: AnnVgg, ds: Dataset, variant: EncoderVariant, batchSize = 64): Promise<number> {
  return accuracy(ds, batchSize, (x) => annLogits(ann, x, variant));
}

/** SNN top-1 accuracy in [0, 1] after `timesteps` steps (seeded Poisson input). */
export function snnAccuracy(net: SpikingVgg, ds: Dataset, variant: EncoderVariant, timesteps: number, rng: Rng, batchSize = 64): Promise<number> {
  return accuracy(ds, batchSize, (x, b) => snnLogits(net, x, variant, timesteps, rng.fork(`eval${b}`)));
}
