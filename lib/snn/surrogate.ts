/**
 * Surrogate gradients: the derivative a spiking neuron pretends its Heaviside spike S = H(u − θ)
 * has in the backward pass. A surrogate is a constructor argument of a neuron, as in snnTorch's
 * `spike_grad`: any of them works with any neuron.
 *
 * - `piecewiseLinear(0.3)` (default, the authors' BNTT code): dS/du = a · max(0, 1 − |u/θ − 1|)
 * - `fastSigmoid(k)` (SuperSpike, Zenke & Ganguli 2018; snnTorch's default): dS/du = 1 / (1 + k·|u − θ|)²
 *
 * How to add one: a `Surrogate` whose `grad(u, θ)` returns dS/du as a tensor of u's shape, built
 * from differentiable-free element-wise ops (it runs inside the backward pass), plus a line in
 * `surrogateFromSpec` and a test of its hand-computed values.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A surrogate derivative of the spike function. */
export interface Surrogate {
  /** Name and parameter, as stored in checkpoints (e.g. 'piecewise-linear:0.3'). */
  readonly spec: SurrogateSpec;
  /** dS/du at membrane `u` for threshold `threshold`; a new tensor of u's shape. */
  grad(u: tf.Tensor, threshold: number): tf.Tensor;
}

/** Serializable description of a surrogate. */
export type SurrogateSpec = { kind: 'piecewise-linear'; scale: number } | { kind: 'fast-sigmoid'; slope: number };

/** Slope factor of the authors' piecewise-linear surrogate. */
export const SURROGATE_SCALE = 0.3;

/** dS/du = scale · max(0, 1 − |u/θ − 1|) = (scale/θ) · max(0, θ − |u − θ|): a triangle of height `scale` at θ. */
export function piecewiseLinear(scale = SURROGATE_SCALE): Surrogate {
  if (!(scale > 0)) throw new Error(`piecewiseLinear surrogate: scale must be > 0, got ${scale}`);
  return {
    spec: { kind: 'piecewise-linear', scale },
    grad: (u, threshold) => tf.tidy(() => tf.mul(tf.relu(tf.sub(threshold, tf.abs(tf.sub(u, threshold)))), scale / threshold)),
  };
}

/** dS/du = 1 / (1 + slope·|u − θ|)² (SuperSpike's fast sigmoid; snnTorch uses slope 25). */
export function fastSigmoid(slope = 25): Surrogate {
  if (!(slope > 0)) throw new Error(`fastSigmoid surrogate: slope must be > 0, got ${slope}`);
  return {
    spec: { kind: 'fast-sigmoid', slope },
    grad: (u, threshold) => tf.tidy(() => tf.reciprocal(tf.square(tf.add(tf.mul(tf.abs(tf.sub(u, threshold)), slope), 1)))),
  };
}

/** The default surrogate (the authors'). */
export const DEFAULT_SURROGATE: Surrogate = piecewiseLinear();

/** The surrogate a spec names (checkpoints store specs). */
export function surrogateFromSpec(spec: SurrogateSpec | undefined): Surrogate {
  if (!spec) return DEFAULT_SURROGATE;
  switch (spec.kind) {
    case 'piecewise-linear': return spec.scale === SURROGATE_SCALE ? DEFAULT_SURROGATE : piecewiseLinear(spec.scale);
    case 'fast-sigmoid': return fastSigmoid(spec.slope);
    default: throw new Error(`unknown surrogate '${(spec as { kind: string }).kind}'; expected piecewise-linear or fast-sigmoid`);
  }
}

/** Heaviside spike H(u − θ) (u > θ fires) with `surrogate`'s derivative in the backward pass. */
export function spike(u: tf.Tensor, threshold: number, surrogate: Surrogate = DEFAULT_SURROGATE): tf.Tensor {
  // Comparison + cast: tf.step would do the same but costs ~6 kernels (NaN checks, fills) on
  // tfjs-node, and this op runs for every neuron at every step.
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.cast(tf.greater(x, threshold), 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, surrogate.grad(saved[0], threshold))],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(u);
}
