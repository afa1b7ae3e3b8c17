/** Inference of a spiking network on 0..1 images: Poisson-encode, simulate, read the output. */
import type * as tf from '@tensorflow/tfjs-core';
import { createEncoder, type EncoderSpec } from '../data/encode';
import type { Rng } from '../random';
import type { SpikingVgg } from './network';
import type { SimulationObserver } from './observer';
import { simulate } from './simulate';

/** SNN logits (output membrane / T) for 0..1 images, Poisson-encoded with a seeded encoder. */
export function snnLogits(net: SpikingVgg, images01: tf.Tensor4D, variant: EncoderSpec, timesteps: number, rng: Rng, observers: SimulationObserver[] = []): tf.Tensor2D {
  const enc = createEncoder(variant, images01, rng);
  try {
    return simulate(net, enc, { timesteps, observers });
  } finally {
    enc.dispose();
  }
}
