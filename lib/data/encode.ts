/**
 * Poisson spike encoders: turn a batch of images into one random spike frame per time-step.
 *
 * - `rate` (the paper's text): each step, each pixel 0..255 is compared with a fresh uniform
 *   number in 0..255 and spikes (1) when the number is below it; P(spike) = pixel/255.
 * - `signed` (the authors' code, what their trained nets saw): on mean/std-normalised pixels x,
 *   spike = sign(x) with probability min(|x|/2, 1), fresh each step. The authors normalise with
 *   their data set's statistics (ImageNet's, for Tiny-ImageNet); an `EncoderSpec` carries the
 *   statistics, and a bare `'signed'` means ImageNet's.
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

/** Per-channel mean and std (RGB, 0..1 scale) that the `signed` encoder normalises pixels with. */
export interface InputNormalisation {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** ImageNet's statistics, what a bare `'signed'` normalises with. */
export const IMAGENET_NORMALISATION: InputNormalisation = { mean: IMAGENET_MEAN, std: IMAGENET_STD };

/**
 * An encoder: a variant name (`'signed'` normalises with ImageNet's statistics) or `signed` with
 * the statistics to normalise with (e.g. the training set's, `datasetNormalisation`).
 */
export type EncoderSpec = EncoderVariant | { readonly variant: 'signed'; readonly normalisation: InputNormalisation };

/** The variant of an encoder spec. */
export function encoderVariant(spec: EncoderSpec): EncoderVariant {
  return typeof spec === 'string' ? spec : spec.variant;
}

/** The statistics a `signed` spec normalises with (ImageNet's for a bare `'signed'`); null for `rate`. */
export function encoderNormalisation(spec: EncoderSpec): InputNormalisation | null {
  if (typeof spec !== 'string') return spec.normalisation;
  return spec === 'signed' ? IMAGENET_NORMALISATION : null;
}

/** A spec in words for logs and notes, e.g. `signed (mean 0.122, std 0.264)`. */
export function describeEncoder(spec: EncoderSpec): string {
  if (typeof spec === 'string') return spec === 'signed' ? 'signed (ImageNet statistics)' : spec;
  const fmt = (v: readonly number[]) => (new Set(v).size === 1 ? v[0].toFixed(3) : v.map((x) => x.toFixed(3)).join('/'));
  return `signed (mean ${fmt(spec.normalisation.mean)}, std ${fmt(spec.normalisation.std)})`;
}

/** Whether two specs encode alike (same variant and, for `signed`, the same statistics). */
export function sameEncoder(a: EncoderSpec, b: EncoderSpec): boolean {
  if (encoderVariant(a) !== encoderVariant(b)) return false;
  const na = encoderNormalisation(a), nb = encoderNormalisation(b);
  if (!na || !nb) return na === nb;
  return [0, 1, 2].every((k) => na.mean[k] === nb.mean[k] && na.std[k] === nb.std[k]);
}

function checkSpec(spec: EncoderSpec, what: string): void {
  const variant = encoderVariant(spec);
  if (!ENCODER_VARIANTS.includes(variant)) throw new Error(`${what}: unknown variant '${variant}'; expected one of ${ENCODER_VARIANTS.join(', ')}`);
  const n = encoderNormalisation(spec);
  if (n && ![...n.mean, ...n.std].every(Number.isFinite)) throw new Error(`${what}: normalisation needs finite means and stds, got mean [${n.mean.join(', ')}], std [${n.std.join(', ')}]`);
  if (n && !n.std.every((s) => s > 0)) throw new Error(`${what}: normalisation needs stds > 0, got [${n.std.join(', ')}]`);
}

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

/** (x − mean) / std per RGB channel for images on the 0..1 scale (ImageNet's statistics unless given). */
export function normalize(images01: tf.Tensor4D, stats: InputNormalisation = IMAGENET_NORMALISATION): tf.Tensor4D {
  checkImages(images01);
  return tf.tidy(() => tf.div(tf.sub(images01, tf.tensor1d(stats.mean as unknown as number[])), tf.tensor1d(stats.std as unknown as number[])));
}

/**
 * The expected spike frame as a differentiable function of the 0..1 images: x for `rate`,
 * clip(x_norm/2, −1, 1) = sign(x_norm)·min(|x_norm|/2, 1) for `signed`. Attacks use its gradient
 * as the straight-through gradient of the encoder.
 */
export function expectedSpikes(spec: EncoderSpec, images01: tf.Tensor4D): tf.Tensor4D {
  checkImages(images01);
  checkSpec(spec, 'spike encoder');
  const stats = encoderNormalisation(spec);
  if (!stats) return tf.clone(images01);
  return tf.tidy(() => tf.clipByValue(tf.mul(normalize(images01, stats), 0.5), -1, 1) as tf.Tensor4D);
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
export function createEncoder(spec: EncoderSpec, images: tf.Tensor4D, rng: Rng): SpikeEncoder {
  checkImages(images);
  checkSpec(spec, 'spike encoder');
  const variant = encoderVariant(spec);
  const seed = rng.nextUint32();
  const shape = images.shape as [number, number, number, number];
  // Precompute once: firing probability per pixel and, for `signed`, the spike sign.
  const e = expectedSpikes(spec, images);
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
