/**
 * Accuracy of the ANN and of SNNs on a data set, batch by batch with flat memory (their logits:
 * lib/ann/logits.ts, lib/snn/logits.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { batches, toTensor, type Dataset } from '../data/dataset';
import type { EncoderSpec } from '../data/encode';
import { annLogits } from '../ann/logits';
import type { AnnVgg } from '../ann/vgg11';
import { snnLogits } from '../snn/logits';
import type { SpikingVgg } from '../snn/network';
import type { Rng } from '../random';

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
export function annAccuracy(ann: AnnVgg, ds: Dataset, variant: EncoderSpec, batchSize = 64): Promise<number> {
  return accuracy(ds, batchSize, (x) => annLogits(ann, x, variant));
}

/** SNN top-1 accuracy in [0, 1] after `timesteps` steps (seeded Poisson input). */
export function snnAccuracy(net: SpikingVgg, ds: Dataset, variant: EncoderSpec, timesteps: number, rng: Rng, batchSize = 64): Promise<number> {
  return accuracy(ds, batchSize, (x, b) => snnLogits(net, x, variant, timesteps, rng.fork(`eval${b}`)));
}
