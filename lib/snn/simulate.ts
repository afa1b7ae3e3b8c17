/**
 * Running a spiking network over time: inference with observers (one tidy per step, so memory
 * stays flat whatever T is) and a differentiable unroll for BPTT and gradient-based methods.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpikingVgg, SnnState, Probes } from './network';
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
  const observers = opts.observers ?? [];
  const record = new Set<LayerName>(observers.flatMap((o) => [...o.layers]));
  let state: SnnState = net.initialState();
  for (let t = 0; t < opts.timesteps; t++) {
    const next = tf.tidy(() => {
      const input = source.step(t);
      if (t === 0) {
        checkSource(input);
        for (const o of observers) o.begin?.({ timesteps: opts.timesteps, batch: input.shape[0], inputHeight: input.shape[1], inputWidth: input.shape[2] });
      }
      const s = net.step(state, input, t, {
        training: false,
        record,
        emit: (layer, spikes) => { for (const o of observers) if (o.layers.includes(layer)) o.onStep(layer, t, spikes); },
      });
      if (observers.some((o) => o.onOutput)) {
        const logits = tf.div(s.output as tf.Tensor2D, t + 1) as tf.Tensor2D;
        for (const o of observers) o.onOutput?.(t, logits);
      }
      return [...(s.membranes as tf.Tensor[]), s.output as tf.Tensor];
    });
    disposeState(state);
    state = { membranes: next.slice(0, -1), output: next[next.length - 1] as tf.Tensor2D };
  }
  for (const o of observers) o.end?.();
  const logits = tf.div(state.output as tf.Tensor2D, opts.timesteps) as tf.Tensor2D;
  disposeState(state);
  return logits;
}

/**
 * Differentiable unroll (for BPTT, SNN-crafted Grad-CAM, FGSM): all T steps stay in the
 * gradient graph. Call inside `tf.grads`/`optimizer.minimize`. Returns logits = output / T.
 */
export function unroll(net: SpikingVgg, source: SpikeSource, timesteps: number, opts: { training: boolean; probes?: Probes; onOutput?: (t: number, output: tf.Tensor2D) => void }): tf.Tensor2D {
  let state: SnnState = net.initialState();
  for (let t = 0; t < timesteps; t++) {
    const input = source.step(t);
    if (t === 0) checkSource(input);
    state = net.step(state, input, t, { training: opts.training, probes: opts.probes });
    opts.onOutput?.(t, state.output as tf.Tensor2D);
  }
  return tf.div(state.output as tf.Tensor2D, timesteps) as tf.Tensor2D;
}

function disposeState(s: SnnState): void {
  for (const m of s.membranes) m?.dispose();
  s.output?.dispose();
}
