/**
 * Leaky integrate-and-fire (LIF) neurons with a surrogate gradient.
 *
 * Integrate-then-fire (default; BNTT code): the spike at t depends on the input at t
 *   u_t = λ·u_{t-1} + I_t,   s_t = H(u_t − θ),   u_t ← u_t − θ·s_t      (soft reset)
 * Fire-then-integrate (the SAM repository's model): the spike at t comes from the membrane of t−1,
 * so every layer adds a one-step delay
 *   s_t = H(u_{t-1} − θ),   u_t = λ·(u_{t-1} − θ·s_t) + I_t
 * Reset is a named choice: 'subtract' (soft, default), 'zero' (hard) or 'none'. The reset term
 * carries no gradient, as in the authors' code.
 *
 * Surrogate (the authors' BNTT code): dS/du = 0.3 · max(0, 1 − |u/θ − 1|), piecewise linear around θ.
 */
import * as tf from '@tensorflow/tfjs-core';

/** When a neuron fires relative to its integration (see module doc). */
export type NeuronOrder = 'integrate-then-fire' | 'fire-then-integrate';
/** What a spike does to the membrane. */
export type ResetMode = 'subtract' | 'zero' | 'none';

/** Parameters of one LIF population. */
export interface LifConfig {
  /** Membrane leak λ (1 = integrate-and-fire, no leak). */
  leak: number;
  /** Firing threshold θ (> 0). */
  threshold: number;
  order: NeuronOrder;
  reset: ResetMode;
}

/** Surrogate slope factor of the authors' code. */
export const SURROGATE_SCALE = 0.3;

/** Heaviside spike H(u − θ) with the piecewise-linear surrogate gradient in the backward pass. */
export function spike(u: tf.Tensor, threshold: number): tf.Tensor {
  // Comparison + cast: tf.step would do the same but costs ~6 kernels (NaN checks, fills) on
  // tfjs-node, and this op runs for every neuron at every step.
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.cast(tf.greater(x, threshold), 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, surrogateGrad(saved[0], threshold))],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(u);
}

/** The surrogate derivative dS/du = 0.3·max(0, 1 − |u/θ − 1|) = (0.3/θ)·max(0, θ − |u − θ|). */
export function surrogateGrad(u: tf.Tensor, threshold: number): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.relu(tf.sub(threshold, tf.abs(tf.sub(u, threshold)))), SURROGATE_SCALE / threshold));
}

/**
 * The reset as a function of the membrane with an identity gradient: the spike that triggers it
 * is treated as a constant, as in the authors' code (and cheaper than differentiating it).
 */
function resetTerm(u: tf.Tensor, cfg: LifConfig): tf.Tensor {
  if (cfg.reset === 'none') return u;
  const f = tf.customGrad(((x: tf.Tensor) => {
    const fired = tf.cast(tf.greater(x, cfg.threshold), 'float32');
    const value = cfg.reset === 'subtract' ? tf.sub(x, tf.mul(fired, cfg.threshold)) : tf.mul(x, tf.sub(1, fired));
    // 'zero' reset: d/dx of x·(1 − s) with s constant is (1 − s); 'subtract': 1.
    return { value, gradFunc: (dy: tf.Tensor) => [cfg.reset === 'subtract' ? dy : tf.mul(dy, tf.sub(1, fired))] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(u);
}

/**
 * One step of a LIF population: membrane `u` (null at t = 0 means zeros) and input current
 * `current` in, spikes and the new membrane out. Differentiable through the surrogate.
 */
export function lifStep(u: tf.Tensor | null, current: tf.Tensor, cfg: LifConfig): { spikes: tf.Tensor; membrane: tf.Tensor } {
  const prev = u ?? tf.zerosLike(current);
  if (cfg.order === 'integrate-then-fire') {
    const v = tf.add(tf.mul(prev, cfg.leak), current);
    const s = spike(v, cfg.threshold);
    return { spikes: s, membrane: resetTerm(v, cfg) };
  }
  const s = spike(prev, cfg.threshold);
  const v = tf.add(tf.mul(resetTerm(prev, cfg), cfg.leak), current);
  return { spikes: s, membrane: v };
}
