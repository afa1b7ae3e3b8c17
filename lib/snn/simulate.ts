/**
 * Running a spiking network over time: inference with observers (one tidy per step, so memory
 * stays flat whatever T is) and a differentiable unroll for BPTT and gradient-based methods.
 */
import * as tf from '@tensorflow/tfjs-core';
import { stateTensors, type SpikingVgg, type SnnState, type Probes, type StepContext } from './network';
import { VGG_LAYER_NAMES, type LayerName, type SimulationObserver } from './observer';

/** Anything that yields input spikes step by step (e.g. a Poisson encoder). */
export interface SpikeSource {
  /** Input spikes at step t, [B,H,W,C]; a new tensor the caller owns. */
  step(t: number): tf.Tensor4D;
  /** Optional: steps t0 … t0+k−1 at once, time-major [k·B,H,W,C] (the same frames as `step`; encoders have it). */
  steps?(t0: number, k: number): tf.Tensor4D;
  /** Optional: [B,H,W,C] of every frame (lets `simulate` size its chunks without drawing a frame). */
  readonly shape?: readonly number[];
}

/** Options of `simulate`. */
export interface SimulateOptions {
  timesteps: number;
  observers?: SimulationObserver[];
  /**
   * Steps run at once, layer by layer (`SpikingVgg.run`). Default: as many as keep the largest
   * layer's tensor for the chunk under `CHUNK_ELEMENTS` floats. Memory grows with it; results do not change.
   */
  chunk?: number;
  /** Advance one step at a time through all layers (`SpikingVgg.step`): the slow reference path. */
  stepwise?: boolean;
}

/** Float budget of the largest per-layer tensor of one chunk (2^25 floats = 128 MB). */
export const CHUNK_ELEMENTS = 2 ** 25;

/** Default steps per chunk for a batch of `shape` inputs: conv1's output (the largest map) within `CHUNK_ELEMENTS`. */
export function defaultChunk(net: SpikingVgg, shape: readonly number[], timesteps: number): number {
  const [b, h, w] = shape;
  const perStep = b * h * w * Math.max(net.config.arch.channels[0], shape[3] ?? 3);
  return Math.max(1, Math.min(timesteps, Math.floor(CHUNK_ELEMENTS / perStep)));
}

function checkSource(first: tf.Tensor4D): void {
  const [, h, w] = first.shape;
  if (h % 16 !== 0 || w % 16 !== 0) throw new Error(`simulate: input height and width must be multiples of 16, got ${h}×${w}`);
}

/** Input spikes of steps t0 … t0+k−1, time-major [k·B,H,W,C]; the per-step frames are freed by the caller's tidy. */
function sourceSteps(source: SpikeSource, t0: number, k: number, watch: Watchers): tf.Tensor4D {
  if (source.steps && k > 1) return watch.input(source.steps(t0, k), t0, k);
  const frames: tf.Tensor4D[] = [];
  for (let t = t0; t < t0 + k; t++) frames.push(watch.input(source.step(t), t));
  return k === 1 ? frames[0] : (tf.concat(frames, 0) as tf.Tensor4D);
}

/**
 * Simulates `net` for `timesteps` steps (evaluation mode) and returns logits = output / T,
 * [B, classes]. Observers see the spikes of the layers they asked for at every step. Runs in
 * chunks of steps (one tidy each), so memory stays flat whatever T is.
 */
export function simulate(net: SpikingVgg, source: SpikeSource, opts: SimulateOptions): tf.Tensor2D {
  const watch = new Watchers(opts.observers ?? [], opts.timesteps);
  let state: SnnState = net.initialState();
  let chunk = opts.stepwise ? 1 : (opts.chunk ?? 0);
  if (opts.chunk !== undefined && !(Number.isInteger(opts.chunk) && opts.chunk >= 1)) throw new Error(`simulate: chunk must be a positive integer, got ${opts.chunk}`);
  for (let t0 = 0; t0 < opts.timesteps;) {
    let next: SnnState = state;
    let k = 0;
    // The tidy keeps what it returns: the new state's tensors.
    tf.tidy(() => {
      if (t0 === 0 && !chunk) {
        if (source.shape) chunk = defaultChunk(net, source.shape, opts.timesteps);
        else {
          const first = source.step(0);
          chunk = defaultChunk(net, first.shape, opts.timesteps);
          first.dispose();
        }
      }
      k = Math.min(chunk, opts.timesteps - t0);
      next = advance(net, state, sourceSteps(source, t0, k, watch), t0, k, { training: false, differentiable: false }, watch, !!opts.stepwise);
      return stateTensors(next);
    });
    disposeState(state);
    state = next;
    t0 += k;
  }
  watch.end();
  const logits = tf.div(state.output as tf.Tensor2D, opts.timesteps) as tf.Tensor2D;
  disposeState(state);
  return logits;
}

/** Options of `unroll`. */
export interface UnrollOptions {
  /** Training mode (BNTT batch statistics) or evaluation mode. */
  training: boolean;
  /** Zero tensors added to spike maps, to take gradients w.r.t. them. */
  probes?: Probes;
  /**
   * Called as in `simulate`, but the tensors they get belong to the gradient graph and live until
   * the enclosing tidy ends (`tf.keep(tf.clone(x))` what must outlive it).
   */
  observers?: SimulationObserver[];
  /** Advance one step at a time through all layers (the slow reference path). */
  stepwise?: boolean;
}

/**
 * Differentiable unroll (for BPTT, SNN-crafted Grad-CAM, FGSM): all T steps stay in the
 * gradient graph, run layer by layer in one chunk. Call inside `tf.grads`/`optimizer.minimize`.
 * Returns logits = output / T.
 */
export function unroll(net: SpikingVgg, source: SpikeSource, timesteps: number, opts: UnrollOptions): tf.Tensor2D {
  const watch = new Watchers(opts.observers ?? [], timesteps);
  const inputs = sourceSteps(source, 0, timesteps, watch);
  const state = advance(net, net.initialState(), inputs, 0, timesteps, { training: opts.training, probes: opts.probes }, watch, !!opts.stepwise);
  watch.end();
  return tf.div(state.output as tf.Tensor2D, timesteps) as tf.Tensor2D;
}

/** Advances `k` steps from t0 (layer by layer, or step by step for the reference path), feeding the observers. */
function advance(net: SpikingVgg, state: SnnState, inputs: tf.Tensor4D, t0: number, k: number, ctx: StepContext, watch: Watchers, stepwise: boolean): SnnState {
  if (stepwise) {
    let s = state;
    const frames = k === 1 ? [inputs] : (tf.unstack(tf.reshape(inputs, [k, -1, ...inputs.shape.slice(1)])) as tf.Tensor4D[]);
    for (let j = 0; j < k; j++) {
      s = net.step(s, frames[j], t0 + j, { ...ctx, ...watch.context(t0 + j, 1) });
      watch.outputAt(s.output as tf.Tensor2D, t0 + j);
    }
    return s;
  }
  const r = net.run(state, inputs, t0, k, { ...ctx, ...watch.context(t0, k) });
  watch.outputs(state.output, r.outputs, t0, k);
  return r.state;
}

/** The observer calls `simulate` and `unroll` share; with no observers it costs nothing. */
class Watchers {
  private readonly record: ReadonlySet<LayerName>;
  private readonly wantOutput: boolean;
  private begun = false;

  constructor(private readonly observers: readonly SimulationObserver[], private readonly timesteps: number) {
    this.record = new Set<LayerName>(observers.flatMap((o) => [...o.layers]));
    const unknown = [...this.record].filter((l) => !(VGG_LAYER_NAMES as readonly string[]).includes(l));
    if (unknown.length) throw new Error(`an observer watches ${unknown.map((l) => `'${l}'`).join(', ')}, which a VGG11 SNN does not have; its layers are ${VGG_LAYER_NAMES.join(', ')}`);
    this.wantOutput = observers.some((o) => o.onOutput);
  }

  /** Checks the first input (`k` steps, time-major) and announces the run; returns the input unchanged. */
  input(x: tf.Tensor4D, t: number, k = 1): tf.Tensor4D {
    if (t === 0 && !this.begun) {
      this.begun = true;
      checkSource(x);
      for (const o of this.observers) o.begin?.({ timesteps: this.timesteps, batch: x.shape[0] / k, inputHeight: x.shape[1], inputWidth: x.shape[2] });
    }
    return x;
  }

  /** The `record`/`emit` part of the context of steps t0 … t0+k−1: per-step spikes to `onStep`, in time order per layer. */
  context(t0: number, k: number): Pick<StepContext, 'record' | 'emit'> {
    if (this.record.size === 0) return {};
    return {
      record: this.record,
      emit: (layer, spikes) => {
        let frames: tf.Tensor4D[] | null = null;
        for (const o of this.observers) {
          if (!o.layers.includes(layer)) continue;
          if (o.onSteps) { o.onSteps(layer, t0, spikes, k); continue; }
          frames ??= k === 1 ? [spikes] : (tf.unstack(tf.reshape(spikes, [k, -1, ...spikes.shape.slice(1)])) as tf.Tensor4D[]);
          frames.forEach((f, j) => o.onStep(layer, t0 + j, f));
        }
      },
    };
  }

  /** Hands the running logits after step t (accumulated output / (t+1)) to the observers that want them. */
  outputAt(accumulated: tf.Tensor2D, t: number): void {
    if (!this.wantOutput) return;
    const logits = tf.div(accumulated, t + 1) as tf.Tensor2D;
    for (const o of this.observers) o.onOutput?.(t, logits);
  }

  /** The same for steps t0 … t0+k−1: `prev` is the accumulated output before t0 (null at 0), `currents` the output layer's input per step, [k·B, classes]. */
  outputs(prev: tf.Tensor2D | null, currents: tf.Tensor2D, t0: number, k: number): void {
    if (!this.wantOutput) return;
    let acc = prev;
    const steps = k === 1 ? [currents] : (tf.unstack(tf.reshape(currents, [k, -1, currents.shape[1]])) as tf.Tensor2D[]);
    steps.forEach((z, j) => {
      acc = acc ? (tf.add(acc, z) as tf.Tensor2D) : z;
      this.outputAt(acc, t0 + j);
    });
  }

  end(): void {
    for (const o of this.observers) o.end?.();
  }
}

function disposeState(s: SnnState): void {
  for (const x of stateTensors(s)) if (!x.isDisposed) x.dispose();
}
