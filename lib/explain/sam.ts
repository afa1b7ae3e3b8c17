/**
 * Spike Activation Map (SAM; Kim & Panda 2021, Eqs. 2–4) as a simulation observer.
 *
 * TSCS `T(t,t') = exp(-γ|t-t'|)`; NCS `N^k_{ij,t} = Σ_{t'∈P} T(t,t')`; map
 * `M_{ij,t} = Σ_k N^k_{ij,t} · S^k_{ij,t}`. Instead of keeping all T spike maps and looping over
 * earlier steps (O(T²) time, O(T·H·W·C) memory, as the authors' code does), each neuron carries
 * a running state updated once per step, so memory is O(H·W·C) per layer whatever T is. Only
 * the channel-summed maps M_t ([B,H,W] per step) are kept, as plain Float32Arrays.
 *
 * Usage: `const sam = new SpikeActivationMap({ layers: ['conv4'] });
 * simulate(net, createEncoder('signed', images, rng), { timesteps: T, observers: [sam] });
 * sam.upsampled('conv4', t)` → a HeatMap at input size, ready for `overlay`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layerName, type LayerName, type SimulationInfo, type SimulationObserver } from '../snn/observer';
import { normalise, upsample, type HeatMap } from './heatmap';

/**
 * Which spikes count as "previous" in the NCS.
 * - `paper`: strictly earlier spikes (Eq. 3). `N_t = e^{-γ}(N_{t-1} + S_{t-1})`, `N_0 = 0`.
 * - `reference`: the authors' published code, quirks included: the spike at t itself adds 1 and
 *   an indexing shortcut (`t'·S_{t'}` as the spike time) adds `e^{-γt}` for t' = 0 and for every
 *   step without a spike: `N_t = Σ_{t'=0}^{t} exp(-γ(t - t'·S_{t'}))`.
 */
export type SamVariant = 'paper' | 'reference';

/** Options of `SpikeActivationMap`: which layers, the decay γ of Eq. 2, and the variant. */
export interface SamOptions {
  /** Layers to explain, as names or numbers (`'conv4'`, `4`, `'fc1'`); the simulation records only the layers some observer asks for. */
  layers: readonly (LayerName | string | number)[];
  /** TSCS decay γ ≥ 0 (default 0.5, the paper's choice); γ = 0 counts spikes without decay. */
  gamma?: number;
  /** Default `paper`; `reference` reproduces the authors' code (see `SamVariant`). */
  variant?: SamVariant;
}

/** How a stored map is returned: raw `M_t`, normalised as the authors do, or normalised and upsampled to the input size. */
export type SamView = 'raw' | 'normalised' | 'upsampled';

/** Default TSCS decay γ (paper, Fig. 5a: the best localization lies in the middle of 0..1). */
export const SAM_DEFAULT_GAMMA = 0.5;

/** Running per-neuron state of one layer, [B,H,W,C] each; what it holds depends on the variant. */
interface NeuronState {
  /** paper: N_t, the NCS entering step t. reference: A_{t-1} = Σ_{1≤t'<t} S_{t'} e^{-γ(t-1-t')}. */
  a: tf.Tensor4D;
  /** reference only: C_{t-1} = 1 + #{1 ≤ t' < t : S_{t'} = 0}. */
  c?: tf.Tensor4D;
}

interface LayerRecord {
  /** [B, H, W, C] of the layer's spike maps. */
  shape: [number, number, number, number];
  /** The step expected next (the recursion needs every step, in order). */
  nextStep: number;
  state?: NeuronState;
  /** M_t for t = 0..nextStep-1, each [B, H, W] row-major. */
  maps: Float32Array[];
}

/**
 * Streaming SAM: an observer that turns each step's spikes into the map `M_t = Σ_k N^k_t S^k_t`
 * with O(1) work and memory per neuron per step. Call `dispose()` when done with it (also safe
 * mid-run); `begin()` starts a fresh run and forgets the previous one's maps.
 */
export class SpikeActivationMap implements SimulationObserver {
  readonly layers: readonly LayerName[];
  readonly gamma: number;
  readonly variant: SamVariant;
  private info: SimulationInfo | undefined;
  private records = new Map<LayerName, LayerRecord>();
  private ended = false;

  constructor(options: SamOptions) {
    const gamma = options.gamma ?? SAM_DEFAULT_GAMMA;
    if (!(gamma >= 0) || !Number.isFinite(gamma)) throw new Error(`SpikeActivationMap: gamma must be a finite number ≥ 0, got ${gamma}`);
    if (options.layers.length === 0) throw new Error('SpikeActivationMap: layers is empty; name at least one layer (e.g. conv4)');
    const variant = options.variant ?? 'paper';
    if (variant !== 'paper' && variant !== 'reference') throw new Error(`SpikeActivationMap: unknown variant '${String(variant)}'; expected paper or reference`);
    this.layers = options.layers.map(layerName);
    this.gamma = gamma;
    this.variant = variant;
  }

  begin(info: SimulationInfo): void {
    this.dispose();
    this.info = info;
  }

  onStep(layer: LayerName, t: number, spikes: tf.Tensor4D): void {
    if (!this.layers.includes(layer)) return; // the simulation may record layers for other observers
    const map = this.advance(layer, t, spikes);
    this.recorded(layer).maps.push(map.dataSync() as Float32Array);
    map.dispose();
  }

  /** Steps t0 … t0+k−1 at once ([k·B,H,W,C] time-major): the same recursion, one read-back for all k maps. */
  onSteps(layer: LayerName, t0: number, spikes: tf.Tensor4D, k: number): void {
    if (!this.layers.includes(layer)) return;
    const frames = tf.unstack(tf.reshape(spikes, [k, -1, ...spikes.shape.slice(1)])) as tf.Tensor4D[];
    const maps = frames.map((f, j) => this.advance(layer, t0 + j, f));
    const all = tf.stack(maps);
    const data = all.dataSync() as Float32Array;
    const n = data.length / k;
    const rec = this.recorded(layer);
    for (let j = 0; j < k; j++) rec.maps.push(data.slice(j * n, (j + 1) * n));
    tf.dispose([all, ...maps, ...frames]);
  }

  /** One step of the recursion for `layer`: updates the running state, returns M_t [B,H,W] (caller disposes). */
  private advance(layer: LayerName, t: number, spikes: tf.Tensor4D): tf.Tensor3D {
    if (this.ended) throw new Error('SpikeActivationMap: onStep after end(); call begin() to start a new run');
    const rec = this.record(layer, t, spikes);
    const decay = Math.exp(-this.gamma);
    const prev = rec.state;
    const { map, a, c } = tf.tidy(() => (this.variant === 'paper' ? paperStep(spikes, prev, decay) : referenceStep(spikes, prev, decay, Math.exp(-this.gamma * t))));
    if (prev) tf.dispose([prev.a, ...(prev.c ? [prev.c] : [])]);
    // The simulation calls observers inside its own tidy, which would free the new state.
    rec.state = { a: tf.keep(a), c: c && tf.keep(c) };
    rec.nextStep++;
    return map;
  }

  /** Frees the per-neuron state (the maps are plain arrays and stay readable). */
  end(): void {
    this.freeState();
    this.ended = true;
  }

  /** Frees every tensor this observer holds and forgets all maps. */
  dispose(): void {
    this.freeState();
    this.records.clear();
    this.info = undefined;
    this.ended = false;
  }

  /** Number of steps recorded for `layer`. */
  steps(name: LayerName | string | number): number {
    const layer = layerName(name);
    return this.recorded(layer).maps.length;
  }

  /** Batch size and map size of `layer` ([B, H, W]; C is summed away). */
  shape(layer: LayerName): { batch: number; height: number; width: number } {
    const [batch, height, width] = this.recorded(layer).shape;
    return { batch, height, width };
  }

  /** Raw `M_t` of image `b` (a view into the stored map: copy before mutating). */
  map(name: LayerName | string | number, t: number, b = 0): HeatMap {
    const layer = layerName(name);
    const rec = this.recorded(layer);
    const [batch, height, width] = rec.shape;
    if (!Number.isInteger(t) || t < 0 || t >= rec.maps.length) throw new Error(`SpikeActivationMap: step ${t} of ${layer} not recorded (have 0..${rec.maps.length - 1})`);
    if (!Number.isInteger(b) || b < 0 || b >= batch) throw new Error(`SpikeActivationMap: image ${b} out of range (batch ${batch})`);
    const n = height * width;
    return { height, width, data: rec.maps[t].subarray(b * n, (b + 1) * n) };
  }

  /** `M_t` normalised as the authors do: `(M - min) / (max(M - min) + 1e-3)`, in [0, 1). */
  normalised(name: LayerName | string | number, t: number, b = 0): HeatMap {
    const layer = layerName(name);
    return normalise(this.map(layer, t, b));
  }

  /** Normalised `M_t` resized bilinearly to the input size (the authors normalise, then resize). */
  upsampled(name: LayerName | string | number, t: number, b = 0): HeatMap {
    const layer = layerName(name);
    if (!this.info) throw new Error('SpikeActivationMap: input size unknown; upsampled() needs the simulation to call begin()');
    return upsample(this.normalised(layer, t, b), this.info.inputHeight, this.info.inputWidth);
  }

  /** All steps of image `b` in one view, t = 0..T-1. */
  series(name: LayerName | string | number, view: SamView = 'raw', b = 0): HeatMap[] {
    const layer = layerName(name);
    const get = { raw: this.map, normalised: this.normalised, upsampled: this.upsampled }[view];
    return Array.from({ length: this.steps(layer) }, (_, t) => get.call(this, layer, t, b));
  }

  private record(layer: LayerName, t: number, spikes: tf.Tensor4D): LayerRecord {
    if (spikes.rank !== 4) throw new Error(`SpikeActivationMap: ${layer} spikes must be [B,H,W,C], got shape [${spikes.shape.join(',')}]`);
    let rec = this.records.get(layer);
    if (!rec) {
      rec = { shape: [...spikes.shape] as LayerRecord['shape'], nextStep: 0, maps: [] };
      this.records.set(layer, rec);
    }
    if (t !== rec.nextStep) throw new Error(`SpikeActivationMap: ${layer} got step ${t}, expected ${rec.nextStep} (the running state needs every step, in order)`);
    const want = rec.shape;
    if (spikes.shape.some((d, i) => d !== want[i])) {
      throw new Error(`SpikeActivationMap: ${layer} spikes changed shape from [${want.join(',')}] to [${spikes.shape.join(',')}] at step ${t}`);
    }
    return rec;
  }

  private recorded(layer: LayerName): LayerRecord {
    const rec = this.records.get(layer);
    if (!rec) throw new Error(`SpikeActivationMap: no steps recorded for ${layer} (observed layers: ${this.layers.join(', ')})`);
    return rec;
  }

  private freeState(): void {
    for (const rec of this.records.values()) {
      if (rec.state) tf.dispose([rec.state.a, ...(rec.state.c ? [rec.state.c] : [])]);
      rec.state = undefined;
    }
  }
}

type StepResult = { map: tf.Tensor3D; a: tf.Tensor4D; c?: tf.Tensor4D };

/** Paper: `M_t = Σ_k N_t S_t`, then `N_{t+1} = e^{-γ}(N_t + S_t)`; N_0 = 0 so M_0 = 0. */
function paperStep(s: tf.Tensor4D, prev: NeuronState | undefined, decay: number): StepResult {
  const [b, h, w] = s.shape;
  if (!prev) return { map: tf.zeros([b, h, w]), a: tf.mul(s, decay) };
  return { map: tf.sum(tf.mul(prev.a, s), -1), a: tf.mul(tf.add(prev.a, s), decay) };
}

/**
 * Reference: `A_t = e^{-γ}A_{t-1} + S_t` (A_0 = 0, so S_0 never enters A), `C_t = C_{t-1} + 1 - S_t`
 * (C_0 = 1), `N_t = A_t + e^{-γt}·C_t`, `M_t = Σ_k N_t S_t`. `decayT` is e^{-γt}.
 */
function referenceStep(s: tf.Tensor4D, prev: NeuronState | undefined, decay: number, decayT: number): StepResult {
  const a: tf.Tensor4D = prev ? tf.add(tf.mul(prev.a, decay), s) : tf.zerosLike(s);
  const c: tf.Tensor4D = prev?.c ? tf.sub(tf.add(prev.c, 1), s) : tf.onesLike(s);
  const n = tf.add(a, tf.mul(c, decayT));
  return { map: tf.sum(tf.mul(n, s), -1), a, c };
}
