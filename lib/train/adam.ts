/**
 * Adam with one fused native op per variable (lib/kernels/native: `SpikelensAdam`) instead of
 * tfjs's fourteen: the same slots, accumulators, saved weights and float32 arithmetic as
 * `tf.train.adam` (a test compares them bit for bit), without the per-op overhead that was about
 * 10 ms of a 90 ms ANN training step on 2 cores. Without the native kernels it is `tf.train.adam`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeKernels, type NativeKernels } from '../kernels/native';

/** Adam as `tf.train.adam(lr, beta1, beta2, epsilon)`, fused on the native backend. */
export function adam(learningRate: number, beta1: number, beta2: number, epsilon: number): tf.AdamOptimizer {
  const kernels = nativeKernels();
  return kernels ? new FusedAdam(learningRate, beta1, beta2, epsilon, kernels) : tf.train.adam(learningRate, beta1, beta2, epsilon);
}

/** tfjs's private fields this subclass drives (tfjs-core's AdamOptimizer). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

class FusedAdam extends tf.AdamOptimizer {
  constructor(learningRate: number, beta1: number, beta2: number, epsilon: number, private readonly kernels: NativeKernels) {
    super(learningRate, beta1, beta2, epsilon);
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const s = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      // 1 − β^t as tfjs computes it (a float32 op on its accumulator), read once per step.
      const [omab1, omab2] = [tf.sub(1, s.accBeta1).dataSync()[0], tf.sub(1, s.accBeta2).dataSync()[0]];
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient: tf.Tensor | undefined = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (gradient == null) return;
        const m = s.accumulatedFirstMoment[i].variable, v = s.accumulatedSecondMoment[i].variable;
        const [w2, m2, v2] = this.kernels.adam(value, m, v, gradient, {
          beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon, learningRate: s.learningRate, oneMinusAccBeta1: omab1, oneMinusAccBeta2: omab2,
        });
        m.assign(m2);
        v.assign(v2);
        value.assign(w2);
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    s.incrementIterations();
  }
}
