/**
 * Adaptive-threshold LIF (ALIF, Bellec et al. 2018, "Long short-term memory and learning-to-learn
 * in networks of spiking neurons"): every spike raises the neuron's own threshold, which relaxes
 * back with decay ρ, so a neuron that keeps firing fires less (spike-frequency adaptation).
 *
 *   u_t = λ·u_{t−1} + I_t
 *   θ_t = θ + β·a_t,          a_t = ρ·a_{t−1} + (1 − ρ)·s_{t−1}      (a_0 = 0)
 *   s_t = H(u_t − θ_t),       u_t ← u_t − θ_t·s_t                     (soft reset; 'zero' and 'none' too)
 *
 * The spike's surrogate derivative is taken at u_t − β·a_t against θ, so gradients reach both
 * the membrane and the adaptation trace (as in e-prop); the reset carries no gradient, as in LIF.
 * State = [membrane u, trace a]. Integrate-then-fire only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { kernelSurrogate, runRecursion, type NeuronOrder, type ResetMode } from './lif';
import { runStepwise, type NeuronRun, type NeuronState, type RunOptions, type SpikingNeuron } from './neuron';
import { nativeKernels, type AlifKernelAttrs } from '../kernels/native';
import { DEFAULT_SURROGATE, spike, type Surrogate } from './surrogate';

/** Parameters of an ALIF population. */
export interface AdaptiveLifConfig {
  leak: number;
  /** Baseline threshold θ (> 0). */
  threshold: number;
  /** Threshold increase β per unit of trace (≥ 0; 0 gives plain LIF). */
  adaptation: number;
  /** Trace decay ρ in [0, 1). */
  decay: number;
  order: NeuronOrder;
  reset: ResetMode;
  surrogate?: Surrogate;
}

/** `x − r` (r of x's shape) whose gradient w.r.t. r is zero: the reset subtracts a value treated as constant. */
const detachedSub = tf.customGrad(((x: tf.Tensor, r: tf.Tensor) => ({
  value: tf.sub(x, r),
  gradFunc: (dy: tf.Tensor) => [dy, tf.zerosLike(dy)],
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, r: tf.Tensor) => tf.Tensor;

/** The ALIF neuron (see module doc). */
export class AdaptiveLif implements SpikingNeuron {
  private readonly surrogate: Surrogate;

  constructor(readonly config: AdaptiveLifConfig) {
    if (config.order !== 'integrate-then-fire') throw new Error(`AdaptiveLif: only integrate-then-fire is implemented, got ${config.order}`);
    if (!(config.threshold > 0)) throw new Error(`AdaptiveLif: threshold must be > 0, got ${config.threshold}`);
    if (!(config.adaptation >= 0)) throw new Error(`AdaptiveLif: adaptation β must be ≥ 0, got ${config.adaptation}`);
    if (!(config.decay >= 0 && config.decay < 1)) throw new Error(`AdaptiveLif: decay ρ must be in [0, 1), got ${config.decay}`);
    this.surrogate = config.surrogate ?? DEFAULT_SURROGATE;
  }

  step(state: NeuronState | null, current: tf.Tensor): NeuronRun {
    const { leak, threshold, adaptation, decay, reset } = this.config;
    const u0 = state?.[0] ?? tf.zerosLike(current);
    const a = state?.[1] ?? tf.zerosLike(current);
    const u = tf.add(tf.mul(u0, leak), current);
    const s = spike(tf.sub(u, tf.mul(a, adaptation)), threshold, this.surrogate);
    const theta = tf.add(tf.mul(a, adaptation), threshold);
    const after = reset === 'subtract' ? detachedSub(u, tf.mul(s, theta)) : reset === 'zero' ? detachedSub(u, tf.mul(s, u)) : u;
    const next = tf.add(tf.mul(a, decay), tf.mul(s, 1 - decay));
    return { spikes: s, state: [after, next] };
  }

  /**
   * `timesteps` steps at once: with the native backend one fused kernel each way
   * (lib/kernels/native: the same arithmetic as `step`, spikes and state bit for bit); elsewhere
   * by stepping.
   */
  run(state: NeuronState | null, currents: tf.Tensor, timesteps: number, opts: RunOptions = {}): NeuronRun {
    const native = nativeKernels();
    const sg = kernelSurrogate(this.surrogate);
    if (!native || !sg) return runStepwise(this, state, currents, timesteps);
    const shape = [currents.shape[0] / timesteps, ...currents.shape.slice(1)];
    const init = tf.concat([state?.[0] ?? tf.zeros(shape), state?.[1] ?? tf.zeros(shape)], 0);
    const { leak, threshold, adaptation, decay, reset } = this.config;
    const a: AlifKernelAttrs = { timesteps, leak, threshold, adaptation, decay, reset };
    const r = runRecursion(init, currents, opts.differentiable !== false,
      (I, s0, save) => { const k = native.alifForward(I, s0, a, save); return { spikes: k.spikes, saved: k.saved, final: k.final }; },
      (dy, saved) => native.alifBackward(dy, saved, a, sg));
    const [u, trace] = tf.split(r.state[0], 2, 0);
    r.state[0].dispose();
    return { spikes: r.spikes, state: [u, trace] };
  }
}
