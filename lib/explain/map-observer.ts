/**
 * The skeleton of a streaming map explanation: an observer that turns each step's spikes of a
 * layer into one map per step ([B, H, W], channels reduced) with a running per-neuron state, so
 * an explanation costs one forward pass and O(1) memory per neuron whatever T is. SAM and the
 * firing-rate map are two hooks on it; a new spike-based method is one subclass with `advance`.
 *
 * The base checks that steps arrive in order with one shape, keeps the maps as plain
 * Float32Arrays, and gives every view of them: raw, normalised as the authors do, upsampled to
 * the input, and per-image series.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layerName, type LayerName, type SimulationInfo, type SimulationObserver } from '../snn/observer';
import { normalise, upsample, type HeatMap } from './heatmap';

/** How a stored map is returned: raw, normalised as the authors do, or normalised and upsampled to the input size. */
export type SamView = 'raw' | 'normalised' | 'upsampled';

/** Running state of one layer: the tensors a method carries from step to step (kept; the base frees them). */
export type MapState = tf.Tensor4D[];

interface LayerRecord {
  /** [B, H, W, C] of the layer's spike maps. */
  shape: [number, number, number, number];
  /** The step expected next (the recursion needs every step, in order). */
  nextStep: number;
  state?: MapState;
  /** The map of t = 0..nextStep-1, each [B, H, W] row-major. */
  maps: Float32Array[];
}

/** A streaming per-step map of chosen layers; subclasses define `advance`. Call `dispose()` when done. */
export abstract class StreamingMapObserver implements SimulationObserver {
  readonly layers: readonly LayerName[];
  private info: SimulationInfo | undefined;
  private records = new Map<LayerName, LayerRecord>();
  private ended = false;

  /** `name` prefixes every error; `layers` as names or numbers (`'conv4'`, `4`, `'fc1'`, your own). */
  protected constructor(readonly name: string, layers: readonly (LayerName | string | number)[]) {
    if (layers.length === 0) throw new Error(`${name}: layers is empty; name at least one layer (e.g. conv4)`);
    this.layers = layers.map(layerName);
  }

  /**
   * The method: step t's map [B, H, W] of `layer` from its spikes [B, H, W, C] and the state the
   * previous step left (undefined at t = 0), and the new state. Runs inside a tidy; return new
   * tensors (the base keeps the state and frees the previous one).
   */
  protected abstract advance(layer: LayerName, t: number, spikes: tf.Tensor4D, prev: MapState | undefined): { map: tf.Tensor3D; state: MapState };

  begin(info: SimulationInfo): void {
    this.dispose();
    this.info = info;
  }

  onStep(layer: LayerName, t: number, spikes: tf.Tensor4D): void {
    if (!this.layers.includes(layer)) return; // the simulation may record layers for other observers
    const map = this.step(layer, t, spikes);
    this.recorded(layer).maps.push(map.dataSync() as Float32Array);
    map.dispose();
  }

  /**
   * Optional: the maps of k steps at once from their spikes [k·B, H, W, C] (time-major) and the
   * state before the first (undefined at t0 = 0) → maps [k·B, H, W] and the state after the last;
   * null to take the per-step path. A method with a fused kernel implements it; the result must be
   * what k calls of `advance` give. Runs inside a tidy, like `advance`.
   */
  protected advanceSteps?(layer: LayerName, t0: number, spikes: tf.Tensor4D, k: number, prev: MapState | undefined): { maps: tf.Tensor3D; state: MapState } | null;

  /** Steps t0 … t0+k−1 at once ([k·B,H,W,C] time-major): the same recursion, one read-back for all k maps. */
  onSteps(layer: LayerName, t0: number, spikes: tf.Tensor4D, k: number): void {
    if (!this.layers.includes(layer)) return;
    if (this.advanceSteps && this.stepsAtOnce(layer, t0, spikes, k)) return;
    const frames = tf.tidy(() => tf.unstack(tf.reshape(spikes, [k, -1, ...spikes.shape.slice(1)])) as tf.Tensor4D[]);
    const maps = frames.map((f, j) => this.step(layer, t0 + j, f));
    const all = tf.stack(maps);
    const data = all.dataSync() as Float32Array;
    const n = data.length / k;
    const rec = this.recorded(layer);
    for (let j = 0; j < k; j++) rec.maps.push(data.slice(j * n, (j + 1) * n));
    tf.dispose([all, ...maps, ...frames]);
  }

  /** `onSteps` through `advanceSteps`; false (nothing done) when the method declines. */
  private stepsAtOnce(layer: LayerName, t0: number, spikes: tf.Tensor4D, k: number): boolean {
    if (this.ended) throw new Error(`${this.name}: onSteps after end(); call begin() to start a new run`);
    const [kb, ...rest] = spikes.shape;
    if (spikes.rank !== 4 || kb % k !== 0) throw new Error(`${this.name}: ${layer} spikes of ${k} steps must be [k·B,H,W,C], got shape [${spikes.shape.join(',')}]`);
    const rec = this.record(layer, t0, [kb / k, ...rest]);
    const prev = rec.state;
    const hook = this.advanceSteps as NonNullable<typeof this.advanceSteps>;
    const out = tf.tidy(() => hook.call(this, layer, t0, spikes, k, prev) ?? {}) as { maps?: tf.Tensor3D; state?: MapState };
    if (!out.maps || !out.state) return false;
    const data = out.maps.dataSync() as Float32Array;
    out.maps.dispose();
    if (prev) tf.dispose(prev);
    rec.state = out.state.map((x) => tf.keep(x));
    rec.nextStep += k;
    const n = data.length / k;
    for (let j = 0; j < k; j++) rec.maps.push(data.slice(j * n, (j + 1) * n));
    return true;
  }

  /** One step for `layer`: checks order and shape, advances the state, returns the map [B,H,W] (caller disposes). */
  private step(layer: LayerName, t: number, spikes: tf.Tensor4D): tf.Tensor3D {
    if (this.ended) throw new Error(`${this.name}: onStep after end(); call begin() to start a new run`);
    const rec = this.record(layer, t, spikes.shape);
    const prev = rec.state;
    const { map, state } = tf.tidy(() => this.advance(layer, t, spikes, prev));
    if (prev) tf.dispose(prev);
    // The simulation calls observers inside its own tidy, which would free the new state.
    rec.state = state.map((x) => tf.keep(x));
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
    if (!Number.isInteger(t) || t < 0 || t >= rec.maps.length) throw new Error(`${this.name}: step ${t} of ${layer} not recorded (have 0..${rec.maps.length - 1})`);
    if (!Number.isInteger(b) || b < 0 || b >= batch) throw new Error(`${this.name}: image ${b} out of range (batch ${batch})`);
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
    if (!this.info) throw new Error(`${this.name}: input size unknown; upsampled() needs the simulation to call begin()`);
    return upsample(this.normalised(layer, t, b), this.info.inputHeight, this.info.inputWidth);
  }

  /** All steps of image `b` in one view, t = 0..T-1. */
  series(name: LayerName | string | number, view: SamView = 'raw', b = 0): HeatMap[] {
    const layer = layerName(name);
    const get = { raw: this.map, normalised: this.normalised, upsampled: this.upsampled }[view];
    return Array.from({ length: this.steps(layer) }, (_, t) => get.call(this, layer, t, b));
  }

  private record(layer: LayerName, t: number, shape: readonly number[]): LayerRecord {
    if (shape.length !== 4) throw new Error(`${this.name}: ${layer} spikes must be [B,H,W,C], got shape [${shape.join(',')}]`);
    let rec = this.records.get(layer);
    if (!rec) {
      rec = { shape: [...shape] as LayerRecord['shape'], nextStep: 0, maps: [] };
      this.records.set(layer, rec);
    }
    if (t !== rec.nextStep) throw new Error(`${this.name}: ${layer} got step ${t}, expected ${rec.nextStep} (the running state needs every step, in order)`);
    const want = rec.shape;
    if (shape.some((d, i) => d !== want[i])) {
      throw new Error(`${this.name}: ${layer} spikes changed shape from [${want.join(',')}] to [${shape.join(',')}] at step ${t}`);
    }
    return rec;
  }

  private recorded(layer: LayerName): LayerRecord {
    const rec = this.records.get(layer);
    if (!rec) throw new Error(`${this.name}: no steps recorded for ${layer} (observed layers: ${this.layers.join(', ')})`);
    return rec;
  }

  private freeState(): void {
    for (const rec of this.records.values()) {
      if (rec.state) tf.dispose(rec.state);
      rec.state = undefined;
    }
  }
}

