/**
 * One interface for every explanation of a spiking network, so that figures loop over methods
 * instead of naming them. A method takes the network, a batch of images, the encoder variant, T,
 * the layers, the targets (a gradient method's classes; others ignore them), the encoder's random
 * stream and options (γ, SAM variant, …), and returns `ExplanationMaps`: one raw map per layer,
 * image and step, as plain arrays.
 *
 * Two skeletons make methods (the pytorch-grad-cam idea: a method is the one hook that differs):
 * - `streamingMethod` (here): an observer over one simulation (`StreamingMapObserver`; SAM, the
 *   firing-rate map). `explainBatch` runs every streaming method of a batch in ONE forward pass.
 * - `gradientMethod` (gradcam.ts): BPTT gradients w.r.t. a layer's spikes, a channel-weights hook
 *   and a map hook (SNN-crafted Grad-CAM).
 *
 * Random streams: `request.rng` is the Poisson encoder's stream AS IT STARTS. Every pass of every
 * method replays it from its start (`replay`), never advancing it, so all methods of a batch (and
 * every layer of a gradient method) explain the same spike trains, and adding a method shifts no
 * other method's numbers.
 *
 * The registry of methods the figures show is `registry.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EncoderSpec } from '../data/encode';
import { Rng } from '../random';
import type { SpikingVgg } from '../snn/network';
import type { LayerName, SimulationObserver } from '../snn/observer';
import { snnLogits } from '../snn/logits';
import type { SnnCamWeighting } from './gradcam';
import { normalise, upsample, type HeatMap } from './heatmap';
import type { SamView, StreamingMapObserver } from './map-observer';
import type { SamVariant } from './sam';
import type { TargetSpec } from './targets';

/**
 * Options a figure hands to every method; each method reads the ones it knows and ignores the
 * rest. A new method may read its own keys (they pass through unchecked).
 */
export interface ExplainOptions {
  /** SAM's TSCS decay γ ≥ 0 (Eq. 2; default 0.5). */
  gamma?: number;
  /** SAM's NCS variant (default `paper`). */
  samVariant?: SamVariant;
  /** SNN-crafted Grad-CAM's channel weights, per step (default) or summed over steps. */
  camWeighting?: SnnCamWeighting;
  readonly [option: string]: unknown;
}

/** What a method explains: one batch of one network. */
export interface ExplainRequest {
  net: SpikingVgg;
  /** [B, H, W, 3] on the 0..1 scale (not Poisson-encoded: the method encodes with `variant` and `rng`). */
  images: tf.Tensor4D;
  variant: EncoderSpec;
  timesteps: number;
  /** Layers to explain (`'conv4'`, …; a gradient method takes conv layers only). */
  layers: readonly LayerName[];
  /** One per image: the class a gradient method explains (without them: the predicted class). Other methods ignore them. */
  targets?: readonly TargetSpec[];
  /** The Poisson encoder's stream as it starts; replayed, never advanced (see the file comment). */
  rng: Rng;
  options?: ExplainOptions;
}

/** An explanation method of a spiking network; register it (`registerExplanation`) to appear in the figures. */
export interface ExplanationMethod {
  /** Stable id, lower-case words joined by `-` (`sam`, `snn-gradcam`); metric keys use `explanationKey` (`snn_gradcam`). */
  readonly id: string;
  /** Human name for tables, charts and rows (`SAM`, `SNN Grad-CAM`). */
  readonly label: string;
  /** A short name (≤ 8 characters) for the column headers of PNG grids; defaults to `label`. */
  readonly shortLabel?: string;
  /** Explains a class: uses `targets` (the predicted class without them). */
  readonly needsTargets: boolean;
  /** Backpropagates through all T steps: time and memory grow with batch × T, so figures may run it on fewer models. */
  readonly needsGradient: boolean;
  /** The maps of every requested layer, image and step. Replays `request.rng` for each pass, never advancing it. */
  explain(request: ExplainRequest): ExplanationMaps;
  /** Streaming methods only: an observer, so that `explainBatch` runs several methods in one simulation. */
  observe?(request: ExplainRequest): StreamingMapObserver;
}

/** The metric-key form of a method's id: `snn-gradcam` → `snn_gradcam` (figures write `<key>_<model>` etc.). */
export function explanationKey(method: Pick<ExplanationMethod, 'id'>): string {
  return method.id.replace(/-/g, '_');
}

/** A fresh generator at the start of `rng`'s stream (an `Rng` is fully determined by its seed). */
export function replay(rng: Rng): Rng {
  return new Rng(rng.seed);
}

/** What `ExplanationMaps` is built from: per layer, per image, per step, the raw maps. */
export interface ExplanationMapsInit {
  method: string;
  inputHeight: number;
  inputWidth: number;
  /** `layers.get(layer)[b][t]`: raw map of image b at step t (all of one layer share one size). */
  layers: ReadonlyMap<LayerName, readonly (readonly HeatMap[])[]>;
}

/**
 * The result of every method: raw maps per layer, image and step (plain arrays, nothing to
 * dispose), and the views SAM's observer gives: normalised as the authors do, or normalised and
 * upsampled bilinearly to the input size.
 */
export class ExplanationMaps {
  readonly method: string;
  readonly inputHeight: number;
  readonly inputWidth: number;
  private readonly byLayer: ReadonlyMap<LayerName, readonly (readonly HeatMap[])[]>;

  constructor(init: ExplanationMapsInit) {
    this.method = init.method;
    this.inputHeight = init.inputHeight;
    this.inputWidth = init.inputWidth;
    this.byLayer = init.layers;
  }

  /** The maps a streaming observer recorded, for the request's layers and images. */
  static fromObserver(method: string, observer: StreamingMapObserver, request: ExplainRequest): ExplanationMaps {
    const [batch, inputHeight, inputWidth] = request.images.shape;
    const layers = new Map(request.layers.map((l) => [l, Array.from({ length: batch }, (_, b) => observer.series(l, 'raw', b))] as const));
    return new ExplanationMaps({ method, inputHeight, inputWidth, layers });
  }

  /** The explained layers, in request order. */
  get layers(): LayerName[] {
    return [...this.byLayer.keys()];
  }

  /** Number of images. */
  get batch(): number {
    return this.images(this.layers[0]).length;
  }

  /** Number of steps recorded for `layer` (1 for a method with one map per image). */
  steps(layer: LayerName): number {
    return this.images(layer)[0]?.length ?? 0;
  }

  /** Raw map of image `b` at step `t` (a view: copy before mutating). */
  map(layer: LayerName, t: number, b = 0): HeatMap {
    const series = this.images(layer)[b];
    if (!series) throw new Error(`${this.method}: image ${b} out of range (batch ${this.batch})`);
    const m = series[t];
    if (!m) throw new Error(`${this.method}: step ${t} of ${layer} out of range 0..${series.length - 1}`);
    return m;
  }

  /** All steps of image `b` of `layer` in one view, t = 0..T-1. */
  series(layer: LayerName, view: SamView = 'raw', b = 0): HeatMap[] {
    return Array.from({ length: this.steps(layer) }, (_, t) => {
      const m = this.map(layer, t, b);
      return view === 'raw' ? m : view === 'normalised' ? normalise(m) : upsample(normalise(m), this.inputHeight, this.inputWidth);
    });
  }

  private images(layer: LayerName): readonly (readonly HeatMap[])[] {
    const maps = this.byLayer.get(layer);
    if (!maps) throw new Error(`${this.method}: no maps for layer ${layer} (explained: ${this.layers.join(', ')})`);
    return maps;
  }
}

/** What a streaming method is made of: its names and the observer it attaches to the simulation. */
export interface StreamingMethodSpec {
  id: string;
  label: string;
  shortLabel?: string;
  /** A fresh observer of `request.layers`, configured from `request.options`. */
  observer(request: ExplainRequest): StreamingMapObserver;
}

/** A method over the streaming skeleton: one simulation, an observer per method, O(1) memory per neuron whatever T is. */
export function streamingMethod(spec: StreamingMethodSpec): ExplanationMethod {
  const method: ExplanationMethod = {
    id: spec.id,
    label: spec.label,
    shortLabel: spec.shortLabel,
    needsTargets: false,
    needsGradient: false,
    observe: (request) => spec.observer(request),
    explain: (request) => explainBatch([method], request).maps.get(spec.id) as ExplanationMaps,
  };
  return method;
}

/** The maps of every method of one batch, and the network's prediction on its spikes. */
export interface BatchExplanation {
  /** Per method id, in the order the methods were given. */
  maps: Map<string, ExplanationMaps>;
  /** Each image's predicted class (argmax of the output membrane / T) on the replayed spikes. */
  predicted: number[];
}

/**
 * Explains one batch with several methods on the same spike trains: one simulation (on a replay
 * of `request.rng`) feeds every streaming method's observer and the extra `observers` (e.g. class
 * probabilities per step), and gives the predictions; every other method then runs its own passes
 * (each on its own replay).
 */
export function explainBatch(methods: readonly ExplanationMethod[], request: ExplainRequest, observers: readonly SimulationObserver[] = []): BatchExplanation {
  const ids = new Set<string>();
  for (const m of methods) {
    if (ids.has(m.id)) throw new Error(`explainBatch: method '${m.id}' given twice`);
    ids.add(m.id);
  }
  const found = new Map<string, ExplanationMaps>();
  const watching = methods.flatMap((m) => (m.observe ? [{ id: m.id, observer: m.observe(request) }] : []));
  let predicted: number[];
  try {
    const logits = snnLogits(request.net, request.images, request.variant, request.timesteps, replay(request.rng), [...watching.map((w) => w.observer), ...observers]);
    predicted = Array.from(tf.tidy(() => tf.argMax(logits, 1).dataSync()));
    logits.dispose();
    for (const w of watching) found.set(w.id, ExplanationMaps.fromObserver(w.id, w.observer, request));
  } finally {
    for (const w of watching) w.observer.dispose();
  }
  for (const m of methods) if (!m.observe) found.set(m.id, m.explain(request));
  return { maps: new Map(methods.map((m) => [m.id, found.get(m.id) as ExplanationMaps])), predicted };
}
