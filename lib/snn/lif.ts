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
 * Surrogate: a parameter (lib/snn/surrogate.ts); default the authors' piecewise-linear
 * dS/du = 0.3 · max(0, 1 − |u/θ − 1|).
 *
 * `lifStep` is one step with ordinary ops (the reference). `Lif.run` simulates many steps in one
 * custom-gradient op: the forward loop and a hand-written backward loop (BPTT through the
 * recursion) cost a few kernels per step instead of the dozens autodiff would record. On the
 * native backend both loops are single fused TensorFlow kernels (lib/kernels/native.ts; spikes
 * and membranes bit-identical to the tfjs loop, which every other backend runs).
 *
 * Usage: `const lif = new Lif({ leak: 0.99, threshold: 1, order: 'integrate-then-fire', reset: 'subtract' });
 * const { spikes, state } = lif.run(null, currents, T)` with currents [T·B, …] time-major.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SURROGATE, spike, type Surrogate } from './surrogate';
import type { NeuronRun, NeuronState, RunOptions, SpikingNeuron } from './neuron';
import { nativeKernels, type LifKernelAttrs, type SurrogateKernelAttrs } from '../kernels/native';

export { spike, SURROGATE_SCALE } from './surrogate';

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
  /** Backward-pass derivative of the spike (default: the authors' piecewise-linear one). */
  surrogate?: Surrogate;
}

/** The authors' surrogate derivative dS/du = 0.3·max(0, 1 − |u/θ − 1|) = (0.3/θ)·max(0, θ − |u − θ|). */
export function surrogateGrad(u: tf.Tensor, threshold: number): tf.Tensor {
  return DEFAULT_SURROGATE.grad(u, threshold);
}

/**
 * The reset as a function of the membrane with an identity gradient: the spike that triggers it
 * is treated as a constant, as in the authors' code (and cheaper than differentiating it).
 */
function resetTerm(u: tf.Tensor, cfg: LifConfig): tf.Tensor {
  if (cfg.reset === 'none') return u;
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const fired = tf.cast(tf.greater(x, cfg.threshold), 'float32');
    const value = cfg.reset === 'subtract' ? tf.sub(x, tf.mul(fired, cfg.threshold)) : tf.mul(x, tf.sub(1, fired));
    // 'zero' reset: d/dx of x·(1 − s) with s constant is (1 − s); 'subtract': 1. The mask is
    // saved (the forward's own tensors are freed when it returns).
    const keep = cfg.reset === 'zero' ? tf.sub(1, fired) : null;
    if (keep) save([keep]);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [keep ? tf.mul(dy, saved[0]) : dy] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(u);
}

/**
 * One step of a LIF population: membrane `u` (null at t = 0 means zeros) and input current
 * `current` in, spikes and the new membrane out. Differentiable through the surrogate.
 */
export function lifStep(u: tf.Tensor | null, current: tf.Tensor, cfg: LifConfig): { spikes: tf.Tensor; membrane: tf.Tensor } {
  const prev = u ?? tf.zerosLike(current);
  const sg = cfg.surrogate ?? DEFAULT_SURROGATE;
  if (cfg.order === 'integrate-then-fire') {
    const v = tf.add(tf.mul(prev, cfg.leak), current);
    const s = spike(v, cfg.threshold, sg);
    return { spikes: s, membrane: resetTerm(v, cfg) };
  }
  const s = spike(prev, cfg.threshold, sg);
  const v = tf.add(tf.mul(resetTerm(prev, cfg), cfg.leak), current);
  return { spikes: s, membrane: v };
}

/** Splits a time-major [T·B, …] tensor into T tensors [B, …] (one kernel). */
export function splitSteps(x: tf.Tensor, timesteps: number): tf.Tensor[] {
  const b = x.shape[0] / timesteps;
  if (!Number.isInteger(b)) throw new Error(`splitSteps: leading dimension ${x.shape[0]} is not a multiple of ${timesteps} steps`);
  return tf.unstack(tf.reshape(x, [timesteps, b, ...x.shape.slice(1)]));
}

/** The LIF neuron (see module doc) behind the `SpikingNeuron` interface; state = [membrane]. */
export class Lif implements SpikingNeuron {
  readonly surrogate: Surrogate;

  constructor(readonly config: LifConfig) {
    if (!(config.threshold > 0)) throw new Error(`Lif: threshold must be > 0, got ${config.threshold}`);
    this.surrogate = config.surrogate ?? DEFAULT_SURROGATE;
  }

  step(state: NeuronState | null, current: tf.Tensor): NeuronRun {
    const { spikes, membrane } = lifStep(state?.[0] ?? null, current, { ...this.config, surrogate: this.surrogate });
    return { spikes, state: [membrane] };
  }

  /**
   * `timesteps` steps at once: currents [T·B, …] time-major → spikes [T·B, …] and the final
   * membrane. Differentiable w.r.t. the currents and the initial membrane; the returned final
   * state is detached (a differentiable unroll runs all its steps in one call).
   */
  run(state: NeuronState | null, currents: tf.Tensor, timesteps: number, opts: RunOptions = {}): NeuronRun {
    const b = currents.shape[0] / timesteps;
    const u0 = state?.[0] ?? tf.zeros([b, ...currents.shape.slice(1)]);
    const native = nativeKernels();
    const sg = kernelSurrogate(this.surrogate);
    if (native && sg) {
      // The fused native kernels (lib/kernels/native.ts): the same arithmetic, one kernel each way.
      const a: LifKernelAttrs = { timesteps, leak: this.config.leak, threshold: this.config.threshold, reset: this.config.reset, order: this.config.order };
      return runRecursion(u0, currents, opts.differentiable !== false,
        (I, init, save) => { const r = native.lifForward(I, init, a, save); return { spikes: r.spikes, saved: r.membranes, final: r.final }; },
        (dy, saved) => native.lifBackward(dy, saved, a, sg));
    }
    const forward = this.config.order === 'integrate-then-fire' ? this.forwardItf.bind(this) : this.forwardFti.bind(this);
    return runRecursion(u0, currents, opts.differentiable !== false,
      (I, init, save) => forward(I, init, timesteps, save),
      (dy, saved) => this.backward(dy, saved, timesteps));
  }

  /** Integrate-then-fire; saves every step's pre-reset membrane V_t. */
  private forwardItf(I: tf.Tensor, u0: tf.Tensor, T: number, keepMembranes: boolean) {
    const { leak, threshold: th, reset } = this.config;
    const lam = tf.scalar(leak), theta = tf.scalar(th);
    const currents = splitSteps(I, T);
    const spikes: tf.Tensor[] = [], vs: tf.Tensor[] = [];
    let u = u0;
    for (let t = 0; t < T; t++) {
      const v = leak === 1 ? tf.add(u, currents[t]) : tf.add(tf.mul(u, lam), currents[t]);
      const s = tf.cast(tf.greater(v, theta), 'float32');
      u = reset === 'subtract' ? tf.sub(v, th === 1 ? s : tf.mul(s, theta)) : reset === 'zero' ? tf.mul(v, tf.sub(1, s)) : v;
      spikes.push(s);
      if (keepMembranes) vs.push(v);
    }
    return { spikes: T === 1 ? spikes[0] : tf.concat(spikes, 0), saved: keepMembranes ? tf.concat(vs, 0) : null, final: u };
  }

  /** Fire-then-integrate; saves every step's incoming membrane u_{t−1}. */
  private forwardFti(I: tf.Tensor, u0: tf.Tensor, T: number, keepMembranes: boolean) {
    const { leak, threshold: th, reset } = this.config;
    const lam = tf.scalar(leak), theta = tf.scalar(th);
    const currents = splitSteps(I, T);
    const spikes: tf.Tensor[] = [], us: tf.Tensor[] = [];
    let u = u0;
    for (let t = 0; t < T; t++) {
      const s = tf.cast(tf.greater(u, theta), 'float32');
      const r = reset === 'subtract' ? tf.sub(u, tf.mul(s, theta)) : reset === 'zero' ? tf.mul(u, tf.sub(1, s)) : u;
      spikes.push(s);
      if (keepMembranes) us.push(u);
      u = tf.add(leak === 1 ? r : tf.mul(r, lam), currents[t]);
    }
    return { spikes: T === 1 ? spikes[0] : tf.concat(spikes, 0), saved: keepMembranes ? tf.concat(us, 0) : null, final: u };
  }

  /**
   * BPTT through the recursion. With G_t = ∂L/∂s_t · σ'(x_t) (x_t the membrane the spike was
   * read from) and r_t = ∂reset/∂x (1, or 1 − s_t for 'zero'):
   *  integrate-then-fire: ∂L/∂v_t = G_t + r_t·λ·∂L/∂v_{t+1};  ∂L/∂I_t = ∂L/∂v_t;  ∂L/∂u_0 = λ·∂L/∂v_0
   *  fire-then-integrate: ∂L/∂I_t = ∂L/∂u_t;  ∂L/∂u_{t−1} = G_t + r_t·λ·∂L/∂u_t
   */
  private backward(dy: tf.Tensor, saved: tf.Tensor, T: number): tf.Tensor[] {
    const { leak, threshold: th, reset, order } = this.config;
    const G = splitSteps(tf.mul(dy, this.surrogate.grad(saved, th)), T);
    const keep = reset === 'zero' ? splitSteps(tf.sub(1, tf.cast(tf.greater(saved, th), 'float32')), T) : null;
    const lam = tf.scalar(leak);
    const carry = (g: tf.Tensor, t: number) => {
      const kept = keep ? tf.mul(g, keep[t]) : g;
      return leak === 1 ? kept : tf.mul(kept, lam);
    };
    const dI: tf.Tensor[] = new Array(T);
    let g: tf.Tensor | null = null;
    if (order === 'integrate-then-fire') {
      for (let t = T - 1; t >= 0; t--) {
        const dv: tf.Tensor = g ? tf.add(G[t], g) : G[t];
        dI[t] = dv;
        // ∂L/∂u_{t−1} through v_t = λ·u_{t−1} + I_t, where u_{t−1} = reset(v_{t−1}).
        g = leak === 1 ? dv : tf.mul(dv, lam);
        if (keep && t > 0) g = tf.mul(g, keep[t - 1]);
      }
      return [tf.concat(dI, 0), g as tf.Tensor];
    }
    for (let t = T - 1; t >= 0; t--) {
      dI[t] = g ?? tf.zerosLike(G[t]);
      g = g ? tf.add(G[t], carry(g, t)) : G[t];
    }
    return [tf.concat(dI, 0), g as tf.Tensor];
  }
}

/** One multi-step run of a neuron recursion: spikes, the tensor its backward needs, the final membrane. */
interface RecursionForward {
  spikes: tf.Tensor;
  saved: tf.Tensor | null;
  final: tf.Tensor;
}

/**
 * Runs a recursion `forward` (with `backward` its hand-written BPTT) as one custom-gradient op of
 * the currents and the initial state (LIF: the membrane; ALIF: membranes and traces stacked along
 * dim 0); without `differentiable`, just the forward, saving nothing. The final state comes back
 * as the state's one tensor.
 */
export function runRecursion(u0: tf.Tensor, currents: tf.Tensor, differentiable: boolean,
  forward: (I: tf.Tensor, init: tf.Tensor, save: boolean) => RecursionForward,
  backward: (dy: tf.Tensor, saved: tf.Tensor) => tf.Tensor[]): NeuronRun {
  if (!differentiable) {
    const r = forward(currents, u0, false);
    return { spikes: r.spikes, state: [r.final] };
  }
  let final: tf.Tensor | null = null;
  const op = tf.customGrad(((I: tf.Tensor, init: tf.Tensor, save: tf.GradSaveFunc) => {
    const r = forward(I, init, true);
    final = tf.keep(r.final);
    save([r.saved as tf.Tensor]);
    return { value: r.spikes, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dy, saved[0]) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (I: tf.Tensor, init: tf.Tensor) => tf.Tensor;
  // A zero initial state is left to the caller's tidy: the gradient tape still refers to it.
  const spikes = op(currents, u0);
  // The forward kept its final membrane past its own tidy; hand it to the caller's scope instead.
  const kept = final as unknown as tf.Tensor;
  const membrane = tf.clone(kept);
  kept.dispose();
  return { spikes, state: [membrane] };
}

/** The surrogate as the fused backward kernel takes it, or null for one it does not implement. */
export function kernelSurrogate(s: Surrogate): SurrogateKernelAttrs | null {
  switch (s.spec.kind) {
    case 'piecewise-linear': return { kind: 'piecewise-linear', param: s.spec.scale };
    case 'fast-sigmoid': return { kind: 'fast-sigmoid', param: s.spec.slope };
    default: return null;
  }
}
