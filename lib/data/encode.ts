/**
 * Poisson spike encoders: turn a batch of images into one random spike frame per time-step.
 *
 * - `rate` (the paper's text): each step, each pixel 0..255 is compared with a fresh uniform
 *   number in 0..255 and spikes (1) when the number is below it; P(spike) = pixel/255.
 * - `signed` (the authors' code, what their trained nets saw): on mean/std-normalised pixels x
 *   (ImageNet statistics), spike = sign(x) with probability min(|x|/2, 1), fresh each step.
 *
 * Uniforms come from the project's `Rng` (not tfjs's own generator) so spikes are identical on
 * every backend. Step t's draws depend only on the encoder's seed and t: replaying a step (e.g.
 * to recompute a forward pass for an attack) gives the same spikes, different steps differ.
 * On the native backend the fused Poisson kernel draws the same uniforms in C++ (lib/kernels):
 * bit-identical frames, without a JavaScript loop over every pixel of every step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeKernels } from '../kernels/native';
import { Rng, hashString } from '../random';

/** Which encoder: `rate` (paper text) or `signed` (authors' code). */
export type EncoderVariant = 'rate' | 'signed';
export const ENCODER_VARIANTS: readonly EncoderVariant[] = ['rate', 'signed'];

/** ImageNet per-channel mean and std (RGB, 0..1 scale), the authors' normalisation. */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** A seeded spike source for one batch of images. */
export interface SpikeEncoder {
  readonly variant: EncoderVariant;
  /** [B, H, W, 3] of the images and of every spike frame. */
  readonly shape: [number, number, number, number];
  /** The spike frame of step t: values 0/1 (rate) or −1/0/1 (signed); a new tensor the caller disposes. */
  step(t: number): tf.Tensor4D;
  /** Steps t0 … t0+k−1 at once, time-major [k·B, H, W, 3]: the same frames as k calls of `step`, in a few kernels. */
  steps(t0: number, k: number): tf.Tensor4D;
  /** E[spikes] per step: x (rate) or sign(x)·min(|x|/2, 1) (signed); a new tensor the caller disposes. */
  expected(): tf.Tensor4D;
  /** Frees the tensors the encoder holds. */
  dispose(): void;
}

function checkImages(images: tf.Tensor): asserts images is tf.Tensor4D {
  if (images.rank !== 4 || images.shape[3] !== 3) throw new Error(`spike encoder: expected images [B, H, W, 3], got [${images.shape.join(', ')}]`);
}

/** (x − mean) / std per RGB channel for images on the 0..1 scale. */
export function normalize(images01: tf.Tensor4D): tf.Tensor4D {
  checkImages(images01);
  return tf.tidy(() => tf.div(tf.sub(images01, tf.tensor1d(IMAGENET_MEAN as unknown as number[])), tf.tensor1d(IMAGENET_STD as unknown as number[])));
}

/**
 * The expected spike frame as a differentiable function of the 0..1 images: x for `rate`,
 * clip(x_norm/2, −1, 1) = sign(x_norm)·min(|x_norm|/2, 1) for `signed`. Attacks use its gradient
 * as the straight-through gradient of the encoder.
 */
export function expectedSpikes(variant: EncoderVariant, images01: tf.Tensor4D): tf.Tensor4D {
  checkImages(images01);
  if (variant === 'rate') return tf.clone(images01);
  return tf.tidy(() => tf.clipByValue(tf.mul(normalize(images01), 0.5), -1, 1) as tf.Tensor4D);
}

/** The generator of step t of the encoder with `seed`. */
function stepRng(seed: number, t: number): Rng {
  return new Rng(hashString(`${seed}/${t}`));
}

/** The generator states of steps t0 … t0+k−1, 4 int32 each, for the native Poisson kernel. */
function stepStates(seed: number, t0: number, k: number): Int32Array {
  const states = new Int32Array(4 * k);
  for (let j = 0; j < k; j++) states.set(stepRng(seed, t0 + j).state(), 4 * j);
  return states;
}

/**
 * An encoder for `images` ([B, H, W, 3] on the 0..1 scale). Takes one draw from `rng` (so two
 * encoders made from the same stream differ); the images tensor is not kept or disposed.
 */
export function createEncoder(variant: EncoderVariant, images: tf.Tensor4D, rng: Rng): SpikeEncoder {
  checkImages(images);
  if (!ENCODER_VARIANTS.includes(variant)) throw new Error(`spike encoder: unknown variant '${variant}'; expected one of ${ENCODER_VARIANTS.join(', ')}`);
  const seed = rng.nextUint32();
  const shape = images.shape as [number, number, number, number];
  // Precompute once: firing probability per pixel and, for `signed`, the spike sign.
  const e = expectedSpikes(variant, images);
  const prob = tf.abs(e);
  const sign = variant === 'signed' ? tf.sign(e) : null;
  e.dispose();
  let disposed = false;
  const live = () => {
    if (disposed) throw new Error('spike encoder: used after dispose()');
  };
  return {
    variant,
    shape,
    step(t: number): tf.Tensor4D {
      live();
      if (!Number.isInteger(t) || t < 0) throw new RangeError(`spike encoder: step must be a non-negative integer, got ${t}`);
      const native = nativeKernels();
      if (native) return tf.tidy(() => tf.reshape(native.poisson(prob, sign, stepStates(seed, t, 1)), shape) as tf.Tensor4D);
      const u = stepRng(seed, t).fillUniform(new Float32Array(prob.size));
      return tf.tidy(() => {
        // u ∈ [0, 1) so P(u < p) = p exactly: pixel 255 always fires, pixel 0 never.
        const fire = tf.cast(tf.less(tf.tensor4d(u, shape), prob), 'float32') as tf.Tensor4D;
        return sign ? tf.mul(fire, sign) : fire;
      });
    },
    steps(t0: number, k: number): tf.Tensor4D {
      live();
      if (!Number.isInteger(t0) || t0 < 0 || !Number.isInteger(k) || k < 1) throw new RangeError(`spike encoder: steps(t0, k) needs integers t0 ≥ 0 and k ≥ 1, got ${t0}, ${k}`);
      const native = nativeKernels();
      if (native) return tf.tidy(() => tf.reshape(native.poisson(prob, sign, stepStates(seed, t0, k)), [k * shape[0], shape[1], shape[2], shape[3]]) as tf.Tensor4D);
      const n = prob.size;
      const u = new Float32Array(n * k);
      for (let j = 0; j < k; j++) stepRng(seed, t0 + j).fillUniform(u.subarray(j * n, (j + 1) * n));
      return tf.tidy(() => {
        // [k, B·H·W·3] against one row of probabilities: a row broadcast, one comparison for all steps.
        const fire = tf.cast(tf.less(tf.tensor2d(u, [k, n]), tf.reshape(prob, [1, n])), 'float32');
        const signed = sign ? tf.mul(fire, tf.reshape(sign, [1, n])) : fire;
        return tf.reshape(signed, [k * shape[0], shape[1], shape[2], shape[3]]) as tf.Tensor4D;
      });
    },
    expected(): tf.Tensor4D {
      live();
      return sign ? tf.mul(prob, sign) : tf.clone(prob as tf.Tensor4D);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      prob.dispose();
      sign?.dispose();
    },
  };
}
