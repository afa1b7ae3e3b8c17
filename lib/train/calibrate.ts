/**
 * Re-estimating BNTT's running statistics after (or during) training.
 *
 * The running averages blend one batch's statistics per optimiser step (momentum 0.1), so they
 * describe the network of ~10 steps ago. A spiking layer turns a small shift of its input mean
 * into a large change in firing, and the error compounds over nine layers: measured here after
 * 4 short epochs, evaluation with the running statistics gave 28 % on the training images while
 * the same weights with batch statistics gave 82 %. So before every evaluation and before the
 * checkpoint is written, the statistics are recomputed exactly for the current weights: a
 * forward pass over a fixed set of training images in training mode (no gradients), averaging
 * each step's batch statistics (as SWA's `update_bn` does for ordinary networks).
 */
import * as tf from '@tensorflow/tfjs-core';
import { batches, toTensor, type Dataset } from '../data/dataset';
import { createEncoder, type EncoderSpec } from '../data/encode';
import type { SpikingVgg } from '../snn/network';
import type { AnnVgg } from '../ann/vgg11';
import { expectedSpikes } from '../data/encode';
import { unroll } from '../snn/simulate';
import type { Rng } from '../random';

/** Runs `forward` in training mode on batches of `images` randomly picked training images. */
function overTrainingImages(ds: Dataset, rng: Rng, images: number, batchSize: number, forward: (x: tf.Tensor4D, b: number) => void): void {
  const pick = rng.permutation(ds.size).slice(0, Math.min(images, ds.size));
  let b = 0;
  for (const idx of batches({ ...ds, size: pick.length }, batchSize, null)) {
    const x = toTensor(ds, idx.map((i) => pick[i]));
    tf.tidy(() => forward(x, b++));
    x.dispose();
  }
}

/** Recomputes every BNTT layer's running statistics from `images` training images. */
export function calibrateBntt(net: SpikingVgg, ds: Dataset, variant: EncoderSpec, timesteps: number, rng: Rng, images = 512, batchSize = 64): void {
  if (!net.bntt) return;
  overTrainingImages(ds, rng, images, batchSize, (x, b) => {
    const enc = createEncoder(variant, x, rng.fork(`calibrate${b}`));
    unroll(net, enc, timesteps, { training: true });
    enc.dispose();
  });
  for (const layer of net.bntt) layer.commitAverage();
}

/** The same for the ANN's batch norms (before folding them into the weights). No dropout. */
export function calibrateAnnNorms(ann: AnnVgg, ds: Dataset, variant: EncoderSpec, rng: Rng, images = 512, batchSize = 64): void {
  if (!ann.norms) return;
  overTrainingImages(ds, rng, images, batchSize, (x) => { ann.forward(expectedSpikes(variant, x), { training: true }); });
  for (const n of ann.norms) n.commitAverage();
}
