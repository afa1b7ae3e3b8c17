/**
 * Running a spiking network over time: inference with observers (one tidy per step, so memory
 * stays flat whatever T is) and a differentiable unroll for BPTT and gradient-based methods.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpikingVgg, SnnState, Probes, StepContext } from './network';
import type { LayerName, SimulationObserver } from './observer';

/** Anything that yields input spikes step by step (e.g. a Poisson encoder). */
export interface SpikeSource {
  /** Input spikes at step t, [B,H,W,C]; a new tensor the caller owns. */
  step(t: number): tf.Tensor4D;
}

/** Options of `simulate`. */
export interface SimulateOptions {
  timesteps: number;
  observers?: SimulationObserver[];
}

function checkSource(first: tf.Tensor4D): void {
  const [, h, w] = first.shape;
  if (h % 16 !== 0 || w % 16 !== 0) throw new Error(`simulate: input height and width must be multiples of 16, got ${h}×${w}`);
}

/**
 * Simulates `net` for `timesteps` steps (evaluation mode) and returns logits = output / T,
 * [B, classes]. Observers see the spikes of the layers they asked for at every step.
 */
export function simulate(net: SpikingVgg, source: SpikeSource, opts: SimulateOptions): tf.Tensor2D {
  const watch = new Watchers(opts.observers ?? [], opts.timesteps);
  let state: SnnState = net.initialState();
  for (let t = 0; t < opts.timesteps; t++) {
    const next = tf.tidy(() => {
      const input = watch.input(source.step(t), t);
      const s = net.step(state, input, t, { training: false, ...watch.context(t) });
      watch.output(s, t);
      return [...(s.membranes as tf.Tensor[]), s.output as tf.Tensor];
    });
    disposeState(state);
    state = { membranes: next.slice(0, -1), output: next[next.length - 1] as tf.Tensor2D };
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
}

/**
 * Differentiable unroll (for BPTT, SNN-crafted Grad-CAM, FGSM): all T steps stay in the
 * gradient graph. Call inside `tf.grads`/`optimizer.minimize`. Returns logits = output / T.
 */
export function unroll(net: SpikingVgg, source: SpikeSource, timesteps: number, opts: UnrollOptions): tf.Tensor2D {
  const watch = new Watchers(opts.observers ?? [], timesteps);
  let state: SnnState = net.initialState();
  for (let t = 0; t < timesteps; t++) {
    const input = watch.input(source.step(t), t);
    state = net.step(state, input, t, { training: opts.training, probes: opts.probes, ...watch.context(t) });
    watch.output(state, t);
  }
  watch.end();
  return tf.div(state.output as tf.Tensor2D, timesteps) as tf.Tensor2D;
}

/** The observer calls `simulate` and `unroll` share; with no observers it costs nothing. */
class Watchers {
  private readonly record: ReadonlySet<LayerName>;
  private readonly wantOutput: boolean;

  constructor(private readonly observers: readonly SimulationObserver[], private readonly timesteps: number) {
    this.record = new Set<LayerName>(observers.flatMap((o) => [...o.layers]));
    this.wantOutput = observers.some((o) => o.onOutput);
  }

  /** Checks the first input and announces the run; returns the input unchanged. */
  input(x: tf.Tensor4D, t: number): tf.Tensor4D {
    if (t === 0) {
      checkSource(x);
      for (const o of this.observers) o.begin?.({ timesteps: this.timesteps, batch: x.shape[0], inputHeight: x.shape[1], inputWidth: x.shape[2] });
    }
    return x;
  }

  /** The `record`/`emit` part of a step's context. */
  context(t: number): Pick<StepContext, 'record' | 'emit'> {
    if (this.record.size === 0) return {};
    return { record: this.record, emit: (layer, spikes) => { for (const o of this.observers) if (o.layers.includes(layer)) o.onStep(layer, t, spikes); } };
  }

  /** Hands the running logits (output / (t+1)) to the observers that want them. */
  output(s: SnnState, t: number): void {
    if (!this.wantOutput) return;
    const logits = tf.div(s.output as tf.Tensor2D, t + 1) as tf.Tensor2D;
    for (const o of this.observers) o.onOutput?.(t, logits);
  }

  end(): void {
    for (const o of this.observers) o.end?.();
  }
}

function disposeState(s: SnnState): void {
  for (const m of s.membranes) m?.dispose();
  s.output?.dispose();
}
