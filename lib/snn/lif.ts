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
 * Surrogate (reference.md): dS/du = 0.3 · max(0, 1 − |u/θ − 1|), piecewise linear around θ.
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
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.step(tf.sub(x, threshold)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [v] = saved;
        const sur = tf.mul(SURROGATE_SCALE, tf.relu(tf.sub(1, tf.abs(tf.sub(tf.div(v, threshold), 1)))));
        return [tf.mul(dy, sur)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(u);
}

/** The surrogate derivative dS/du at membrane values `u` (for tests and plots). */
export function surrogateGrad(u: tf.Tensor, threshold: number): tf.Tensor {
  return tf.tidy(() => tf.mul(SURROGATE_SCALE, tf.relu(tf.sub(1, tf.abs(tf.sub(tf.div(u, threshold), 1))))));
}

function resetTerm(u: tf.Tensor, cfg: LifConfig): tf.Tensor {
  // Reset uses a gradient-free copy of the spike, as the authors' code does (tf.step has a
  // zero gradient; a comparison op would have none at all and break BPTT).
  const fired = tf.step(tf.sub(u, cfg.threshold));
  switch (cfg.reset) {
    case 'subtract': return tf.sub(u, tf.mul(fired, cfg.threshold));
    case 'zero': return tf.mul(u, tf.sub(1, fired));
    case 'none': return u;
  }
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
