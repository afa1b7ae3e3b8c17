/**
 * Gradient-based class activation maps on one skeleton (the pytorch-grad-cam idea): a model part
 * returns a layer's activations A_t and the gradients ∂y^c/∂A_t (one step for an ANN, T steps for
 * an SNN), a method turns the gradients into channel weights, and the skeleton forms
 *   G_t = ReLU(Σ_k w^k_t · A^k_t)
 * and hands back maps shaped like SAM's (raw, normalised, upsampled to the input size).
 *
 * - Grad-CAM (ANN; Selvaraju et al.): w^k = mean_{ij} ∂y^c/∂A^k_{ij} at a conv layer (post-ReLU).
 * - SNN-crafted Grad-CAM (Kim & Panda 2021, Fig. 2): gradients of y^c = output membrane / T w.r.t.
 *   the spike maps A^k_t, through the surrogate (BPTT over all T steps); `per-step` weights
 *   α^k_t = mean_{ij} ∂y^c/∂A^k_{ij,t} (default) or `summed` α^k = Σ_t α^k_t (the paper does not
 *   settle this).
 *
 * Gradients are taken w.r.t. zero "probe" tensors the networks add to a layer's output, so no
 * hooks are needed: ∂y/∂probe = ∂y/∂A.
 *
 * Usage: `const cam = gradCam(ann, images, { layer: 'conv4', targets: labels, variant: 'signed' });
 * overlay(image, cam.upsampled(0))`; `snnGradCam(net, images, { …, timesteps: 30, rng })` gives
 * `cam.series('upsampled')`, one map per step. As an `ExplanationMethod` (what the figures loop
 * over): `gradientMethod({ id, label, weights, map })` on the same skeleton; `snnGradCamMethod`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnnVgg } from '../ann/vgg11';
import { createEncoder, expectedSpikes, type EncoderSpec } from '../data/encode';
import { CONV_LAYERS, convOutputSize } from '../model/vgg';
import type { SpikingVgg } from '../snn/network';
import type { LayerName, SimulationObserver } from '../snn/observer';
import { unroll } from '../snn/simulate';
import type { Rng } from '../random';
import { normalise, upsample, type HeatMap } from './heatmap';
import { ExplanationMaps, replay, type ExplainOptions, type ExplanationMethod, type ExplainRequest } from './method';
import type { SamView } from './sam';
import { batchScore, classifierOutputTarget, resolveTargets, type CamTarget, type TargetSpec } from './targets';

/** A conv layer of VGG11, conv1..conv8 (the layers with spatial maps). */
export type ConvLayer = (typeof CONV_LAYERS)[number];

/** `'conv4'`, `'4'` or `4` → `'conv4'`; anything outside conv1..conv8 throws one line. */
export function convLayer(layer: string | number): ConvLayer {
  const name = typeof layer === 'number' || /^\d+$/.test(layer) ? `conv${layer}` : layer;
  if (!(CONV_LAYERS as readonly string[]).includes(name)) {
    throw new Error(`layer '${layer}' is not a conv layer of VGG11; use conv1..conv8 (or 1..8)`);
  }
  return name as ConvLayer;
}

/** A layer's activations per step and the gradients of the explained score w.r.t. them. */
export interface LayerGradients {
  layer: ConvLayer;
  /** A_t per step, [B, h, w, C] each (one step for an ANN). */
  activations: tf.Tensor4D[];
  /** ∂(Σ_b y^c_b)/∂A_t, same shapes as `activations`. */
  gradients: tf.Tensor4D[];
  /** Logits of the forward pass, [B, classes]. */
  logits: tf.Tensor2D;
  /** Class explained for each image (-1 for a custom target function). */
  targets: number[];
  inputHeight: number;
  inputWidth: number;
}

/** How a method turns per-step gradients [B,h,w,C] into per-step channel weights [B,C]. */
export type ChannelWeighting = (gradients: readonly tf.Tensor4D[]) => tf.Tensor2D[];

/** Grad-CAM weights, per step: w^k_t = (1/hw) Σ_{ij} ∂y^c/∂A^k_{ij,t}. */
export const gradCamWeights: ChannelWeighting = (gradients) => gradients.map((g) => tf.mean(g, [1, 2]) as tf.Tensor2D);

/** Grad-CAM weights summed over steps, the same for every step: α^k = Σ_t (1/hw) Σ_{ij} ∂y^c/∂A^k_{ij,t}. */
export const summedGradCamWeights: ChannelWeighting = (gradients) => {
  const total = tf.addN(gradCamWeights(gradients)) as tf.Tensor2D;
  return gradients.map(() => total);
};

/** How SNN-crafted Grad-CAM weighs channels: α per step (default) or summed over all steps. */
export type SnnCamWeighting = 'per-step' | 'summed';

/** The channel weighting of SNN-crafted Grad-CAM by name; an unknown name throws one line. */
export function snnCamWeights(weighting: SnnCamWeighting = 'per-step'): ChannelWeighting {
  if (weighting !== 'per-step' && weighting !== 'summed') throw new Error(`snnGradCam: unknown weighting '${String(weighting)}'; expected per-step or summed`);
  return weighting === 'summed' ? summedGradCamWeights : gradCamWeights;
}

/** How a method forms one step's map from activations [B,h,w,C] and channel weights [B,C] → [B,h,w] (runs in a tidy). */
export type CamMapHook = (activations: tf.Tensor4D, weights: tf.Tensor2D) => tf.Tensor3D;

/** The map of one step: ReLU(Σ_k w^k A^k), activations [B,h,w,C] and weights [B,C] → [B,h,w]. The default `CamMapHook`. */
export function weightedCam(activations: tf.Tensor4D, weights: tf.Tensor2D): tf.Tensor3D {
  const [b, , , c] = activations.shape;
  if (weights.rank !== 2 || weights.shape[0] !== b || weights.shape[1] !== c) {
    throw new Error(`weightedCam: weights [${weights.shape.join(', ')}] do not match activations [${activations.shape.join(', ')}]; expected [${b}, ${c}]`);
  }
  return tf.tidy(() => tf.relu(tf.sum(tf.mul(activations, tf.reshape(weights, [b, 1, 1, c])), -1)) as tf.Tensor3D);
}

/**
 * The skeleton: channel weights from the gradients (the weights hook `weighting`, Grad-CAM's
 * spatial mean by default), each step's map from activations and weights (the map hook `map`,
 * G_t = ReLU(Σ_k w^k_t A^k_t) by default), read back to plain arrays. Does not dispose `g`.
 */
export function camFromGradients(g: LayerGradients, weighting: ChannelWeighting = gradCamWeights, map: CamMapHook = weightedCam): CamMaps {
  checkLayerGradients(g);
  const [batch, height, width, channels] = g.activations[0].shape;
  const { maps, weights } = tf.tidy(() => {
    const w = weighting(g.gradients);
    if (w.length !== g.activations.length) throw new Error(`camFromGradients: the weighting gave ${w.length} weight sets for ${g.activations.length} steps`);
    return { maps: g.activations.map((a, t) => map(a, w[t]).dataSync() as Float32Array), weights: w.map((x) => x.dataSync() as Float32Array) };
  });
  return new CamMaps({
    layer: g.layer, batch, height, width, channels, inputHeight: g.inputHeight, inputWidth: g.inputWidth,
    maps, weights, logits: g.logits.dataSync() as Float32Array, classes: g.logits.shape[1], targets: g.targets,
  });
}

/** Frees the tensors of a `LayerGradients`. */
export function disposeLayerGradients(g: LayerGradients): void {
  tf.dispose([...g.activations, ...g.gradients, g.logits]);
}

/** Options shared by both models. */
export interface CamOptions {
  /** conv1..conv8, as a name or number (`'conv4'`, `'4'`, `4`). */
  layer: ConvLayer | string | number;
  /** One per image: a class index (the ground-truth label, as in the paper) or a `CamTarget`. Default: the predicted class. */
  targets?: readonly TargetSpec[];
  /** The encoder whose expected spikes the ANN sees / whose spikes the SNN sees. */
  variant: EncoderSpec;
}

/** Options of the SNN: steps and the seeded Poisson encoder. */
export interface SnnCamOptions extends CamOptions {
  timesteps: number;
  /** Seeds the Poisson encoder (one draw); pass the same stream as the SAM run to explain the same spikes. */
  rng: Rng;
}

/**
 * ANN activations A (post-ReLU) of `layer` for 0..1 images [B,H,W,3] and ∂y^c/∂A, by `tf.grads`
 * w.r.t. a zero probe added to A. The caller disposes the result (`disposeLayerGradients`).
 */
export function annLayerGradients(ann: AnnVgg, images01: tf.Tensor4D, o: CamOptions): LayerGradients {
  const layer = convLayer(o.layer);
  checkImages(images01, 'gradCam');
  const [batch, inputHeight, inputWidth] = images01.shape;
  const given = givenTargets(o.targets, batch, 'gradCam');
  const x = expectedSpikes(o.variant, images01);
  const probe = tf.zeros(probeShape(ann.arch.channels, layer, batch, inputHeight, inputWidth)) as tf.Tensor4D;
  let activation: tf.Tensor4D | undefined, logits: tf.Tensor2D | undefined, targets: number[] = [];
  try {
    const [grad] = tf.grads((p: tf.Tensor) => {
      const out = ann.forward(x, { training: false, keep: new Set<LayerName>([layer]), probes: { [layer]: p } });
      // tf.grads runs the forward in a tidy: keep what the skeleton still needs.
      activation = tf.keep(out.activations[layer] as tf.Tensor4D);
      logits = tf.keep(out.logits);
      const chosen = given ?? predictedTargets(out.logits);
      targets = chosen.classes;
      return batchScore(out.logits, chosen.targets);
    })([probe]);
    return { layer, activations: [activation as tf.Tensor4D], gradients: [grad as tf.Tensor4D], logits: logits as tf.Tensor2D, targets, inputHeight, inputWidth };
  } catch (e) {
    activation?.dispose();
    logits?.dispose();
    throw e;
  } finally {
    tf.dispose([x, probe]);
  }
}

/**
 * SNN spike maps A_t of `layer` for every step and ∂y^c/∂A_t with y^c = (output membrane / T)_c,
 * through the surrogate by BPTT over all T steps: one differentiable unroll with a zero probe at
 * that layer for every t, recording the spikes as it goes. The caller disposes the result.
 */
export function snnLayerGradients(net: SpikingVgg, images01: tf.Tensor4D, o: SnnCamOptions): LayerGradients {
  const layer = convLayer(o.layer);
  checkImages(images01, 'snnGradCam');
  const T = o.timesteps;
  if (!Number.isInteger(T) || T < 1) throw new Error(`snnGradCam: timesteps must be a positive integer, got ${T}`);
  const [batch, inputHeight, inputWidth] = images01.shape;
  const given = givenTargets(o.targets, batch, 'snnGradCam');
  const enc = createEncoder(o.variant, images01, o.rng);
  const recorder = new SpikeRecorder(layer);
  const shape = probeShape(net.config.arch.channels, layer, batch, inputHeight, inputWidth);
  const probes = Array.from({ length: T }, () => tf.zeros(shape) as tf.Tensor4D);
  let logits: tf.Tensor2D | undefined, targets: number[] = [];
  try {
    const gradients = tf.grads((...p: tf.Tensor[]) => {
      const out = unroll(net, enc, T, { training: false, probes: { get: (l, t) => (l === layer ? p[t] : undefined) }, observers: [recorder] });
      // tf.grads runs the forward in a tidy: keep what the skeleton still needs.
      logits = tf.keep(out);
      const chosen = given ?? predictedTargets(out);
      targets = chosen.classes;
      return batchScore(out, chosen.targets);
    })(probes) as tf.Tensor4D[];
    return { layer, activations: recorder.take(), gradients, logits: logits as tf.Tensor2D, targets, inputHeight, inputWidth };
  } catch (e) {
    logits?.dispose();
    throw e;
  } finally {
    tf.dispose(probes);
    recorder.dispose();
    enc.dispose();
  }
}

/** Grad-CAM of an ANN at a conv layer: w^k = spatial mean of ∂y^c/∂A^k, map = ReLU(Σ_k w^k A^k); one step. */
export function gradCam(ann: AnnVgg, images01: tf.Tensor4D, o: CamOptions): CamMaps {
  const g = annLayerGradients(ann, images01, o);
  try {
    return camFromGradients(g, gradCamWeights);
  } finally {
    disposeLayerGradients(g);
  }
}

/** SNN-crafted Grad-CAM: G_t = ReLU(Σ_k α^k_t A^k_t) per step, α per step (default) or summed over steps. */
export function snnGradCam(net: SpikingVgg, images01: tf.Tensor4D, o: SnnCamOptions & { weighting?: SnnCamWeighting }): CamMaps {
  return snnCam(net, images01, o, snnCamWeights(o.weighting));
}

/** The SNN gradient skeleton for one layer: BPTT gradients, then `camFromGradients` with the two hooks. */
function snnCam(net: SpikingVgg, images01: tf.Tensor4D, o: SnnCamOptions, weighting: ChannelWeighting, map: CamMapHook = weightedCam): CamMaps {
  const g = snnLayerGradients(net, images01, o);
  try {
    return camFromGradients(g, weighting, map);
  } finally {
    disposeLayerGradients(g);
  }
}

/** What a gradient method of a spiking network is made of: its names and the two hooks over the skeleton. */
export interface GradientMethodSpec {
  id: string;
  label: string;
  shortLabel?: string;
  /** The weights hook: channel weights from ∂y^c/∂A_t, chosen from the request's options. */
  weights(options: ExplainOptions): ChannelWeighting;
  /** The map hook (default `weightedCam`, ReLU(Σ_k w^k A^k)). */
  map?: CamMapHook;
}

/**
 * A gradient method on the SNN skeleton: per requested layer, one BPTT over all T steps on a
 * replay of the encoder stream (so every layer and every other method sees the same spikes), the
 * targets (ground-truth classes, or the predicted class without them), then the two hooks.
 */
export function gradientMethod(spec: GradientMethodSpec): ExplanationMethod {
  return {
    id: spec.id,
    label: spec.label,
    shortLabel: spec.shortLabel,
    needsTargets: true,
    needsGradient: true,
    explain(r: ExplainRequest): ExplanationMaps {
      const weighting = spec.weights(r.options ?? {});
      const [batch, inputHeight, inputWidth] = r.images.shape;
      const layers = new Map(r.layers.map((layer) => {
        const cam = snnCam(r.net, r.images, { layer, targets: r.targets, variant: r.variant, timesteps: r.timesteps, rng: replay(r.rng) }, weighting, spec.map);
        return [layer, Array.from({ length: batch }, (_, b) => cam.series('raw', b))] as const;
      }));
      return new ExplanationMaps({ method: spec.id, inputHeight, inputWidth, layers });
    },
  };
}

/** SNN-crafted Grad-CAM as an `ExplanationMethod` (id `snn-gradcam`): reads `options.camWeighting` (default per-step). */
export const snnGradCamMethod: ExplanationMethod = gradientMethod({
  id: 'snn-gradcam',
  label: 'SNN Grad-CAM',
  shortLabel: 'GradCAM',
  weights: (o) => snnCamWeights(o.camWeighting),
});

/** What `CamMaps` is built from (plain arrays; no tensors). */
export interface CamMapsInit {
  layer: ConvLayer;
  batch: number;
  height: number;
  width: number;
  channels: number;
  inputHeight: number;
  inputWidth: number;
  /** Per step, [B, h, w] row-major. */
  maps: Float32Array[];
  /** Per step, [B, C] channel weights. */
  weights: Float32Array[];
  /** [B, classes] logits of the explained forward pass. */
  logits: Float32Array;
  classes: number;
  /** Class explained per image (-1: a custom target). */
  targets: number[];
}

/**
 * Gradient CAM maps of one layer: per step and image, raw, normalised as SAM's
 * (`(G - min) / (max + 1e-3)`) or upsampled bilinearly to the input size. Plain arrays only.
 */
export class CamMaps {
  readonly layer: ConvLayer;
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly inputHeight: number;
  readonly inputWidth: number;
  /** Class explained per image (-1 for a custom target). */
  readonly targets: readonly number[];
  private readonly init: CamMapsInit;

  constructor(init: CamMapsInit) {
    this.init = init;
    this.layer = init.layer;
    this.batch = init.batch;
    this.height = init.height;
    this.width = init.width;
    this.inputHeight = init.inputHeight;
    this.inputWidth = init.inputWidth;
    this.targets = init.targets;
  }

  /** Number of steps (1 for an ANN). */
  get steps(): number {
    return this.init.maps.length;
  }

  /** Raw G_t of image `b` (a view: copy before mutating). */
  map(t: number, b = 0): HeatMap {
    this.check(t, b);
    const n = this.height * this.width;
    return { height: this.height, width: this.width, data: this.init.maps[t].subarray(b * n, (b + 1) * n) };
  }

  /** G_t normalised as the authors do: `(G - min) / (max(G - min) + 1e-3)`. */
  normalised(t: number, b = 0): HeatMap {
    return normalise(this.map(t, b));
  }

  /** Normalised G_t resized bilinearly to the input size. */
  upsampled(t: number, b = 0): HeatMap {
    return upsample(this.normalised(t, b), this.inputHeight, this.inputWidth);
  }

  /** All steps of image `b` in one view, t = 0..steps-1. */
  series(view: SamView = 'raw', b = 0): HeatMap[] {
    const get = { raw: this.map, normalised: this.normalised, upsampled: this.upsampled }[view];
    return Array.from({ length: this.steps }, (_, t) => get.call(this, t, b));
  }

  /** Channel weights w^k_t of image `b`, [C] (a view). */
  weights(t: number, b = 0): Float32Array {
    this.check(t, b);
    const c = this.init.channels;
    return this.init.weights[t].subarray(b * c, (b + 1) * c);
  }

  /** Logits of image `b` in the explained forward pass, [classes] (a view). */
  logits(b = 0): Float32Array {
    this.check(0, b);
    return this.init.logits.subarray(b * this.init.classes, (b + 1) * this.init.classes);
  }

  /** The predicted class of image `b` (argmax of its logits). */
  predicted(b = 0): number {
    const l = this.logits(b);
    let best = 0;
    for (let i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
    return best;
  }

  private check(t: number, b: number): void {
    if (!Number.isInteger(t) || t < 0 || t >= this.steps) throw new Error(`CamMaps: step ${t} out of range 0..${this.steps - 1}`);
    if (!Number.isInteger(b) || b < 0 || b >= this.batch) throw new Error(`CamMaps: image ${b} out of range (batch ${this.batch})`);
  }
}

/** Keeps a copy of one layer's spikes at every step (SNN Grad-CAM needs all A_t at once), outside the gradient pass's tidy. */
class SpikeRecorder implements SimulationObserver {
  readonly layers: readonly LayerName[];
  spikes: tf.Tensor4D[] = [];

  constructor(layer: LayerName) {
    this.layers = [layer];
  }

  onStep(_layer: LayerName, _t: number, spikes: tf.Tensor4D): void {
    // The unroll's tidy frees its tensors when the gradient pass ends.
    this.spikes.push(tf.keep(tf.clone(spikes)));
  }

  /** Hands the recorded maps over (the recorder forgets them). */
  take(): tf.Tensor4D[] {
    const out = this.spikes;
    this.spikes = [];
    return out;
  }

  dispose(): void {
    tf.dispose(this.take());
  }
}

interface ChosenTargets {
  targets: CamTarget[];
  /** Class per image, -1 for a custom target function. */
  classes: number[];
}

/** The caller's targets, checked against the batch before any forward pass; undefined if none. */
function givenTargets(specs: readonly TargetSpec[] | undefined, batch: number, what: string): ChosenTargets | undefined {
  if (!specs) return undefined;
  return { targets: resolveTargets(specs, batch, what), classes: specs.map((s) => (typeof s === 'number' ? s : -1)) };
}

/** Default targets: each image's predicted class (as pytorch-grad-cam does). */
function predictedTargets(logits: tf.Tensor2D): ChosenTargets {
  const classes = Array.from(tf.tidy(() => tf.argMax(logits, 1).dataSync()));
  return { targets: classes.map(classifierOutputTarget), classes };
}

/** [B, h, w, C] of conv layer `layer`'s output for an H×W input. */
function probeShape(channels: readonly number[], layer: ConvLayer, batch: number, height: number, width: number): [number, number, number, number] {
  const i = CONV_LAYERS.indexOf(layer);
  return [batch, ...convOutputSize(i, height, width), channels[i]];
}

function checkImages(images01: tf.Tensor, what: string): asserts images01 is tf.Tensor4D {
  if (images01.rank !== 4 || images01.shape[3] !== 3 || images01.shape[0] < 1) {
    throw new Error(`${what}: expected images [B, H, W, 3] with B ≥ 1, got [${images01.shape.join(', ')}]`);
  }
}

function checkLayerGradients(g: LayerGradients): void {
  if (g.activations.length === 0) throw new Error('camFromGradients: no steps (empty activation list)');
  if (g.gradients.length !== g.activations.length) {
    throw new Error(`camFromGradients: ${g.gradients.length} gradient maps for ${g.activations.length} activation maps`);
  }
  const want = g.activations[0].shape;
  if (want.some((d) => d < 1)) throw new Error(`camFromGradients: empty activation maps [${want.join(', ')}]`);
  [...g.activations, ...g.gradients].forEach((a, i) => {
    if (a.rank !== 4 || a.shape.some((d, k) => d !== want[k])) {
      const which = i < g.activations.length ? `activations[${i}]` : `gradients[${i - g.activations.length}]`;
      throw new Error(`camFromGradients: ${which} has shape [${a.shape.join(', ')}], expected [${want.join(', ')}] like activations[0]`);
    }
  });
  if (g.logits.shape[0] !== want[0]) throw new Error(`camFromGradients: logits for ${g.logits.shape[0]} images, activations for ${want[0]}`);
}
