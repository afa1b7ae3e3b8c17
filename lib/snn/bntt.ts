/**
 * Batch normalisation through time (BNTT, Kim & Panda 2021): one batch norm per time-step,
 * with its own running statistics and learnable scale per step, and no bias.
 *
 *   y = γ_t · (x − μ_t) / √(σ²_t + ε)
 *
 * Training uses the batch's statistics at step t and updates that step's running averages
 * (momentum 0.1, unbiased variance, as PyTorch's BatchNorm does); evaluation uses the running
 * statistics of step t. Steps beyond the trained T reuse the last step's statistics.
 */
import * as tf from '@tensorflow/tfjs-core';

export const BNTT_EPS = 1e-4;
export const BNTT_MOMENTUM = 0.1;

/** Per-step batch norm for one layer with `channels` features and `timesteps` steps. */
export class Bntt {
  /** Learnable scale γ, [T, C], initialised to 1. */
  readonly gamma: tf.Variable<tf.Rank.R2>;
  /** Running mean μ per step, [T, C] (not trainable). */
  readonly runningMean: tf.Variable<tf.Rank.R2>;
  /** Running (unbiased) variance per step, [T, C] (not trainable). */
  readonly runningVar: tf.Variable<tf.Rank.R2>;

  /** Learnable shift β, [T, C], when the layer centres (an ordinary batch norm); null for BNTT. */
  readonly beta: tf.Variable<tf.Rank.R2> | null;

  /** `center` adds the shift β of an ordinary batch norm (the ANN's, with `timesteps` = 1). */
  constructor(readonly name: string, readonly channels: number, readonly timesteps: number, center = false) {
    this.gamma = tf.variable(tf.ones([timesteps, channels]) as tf.Tensor2D, true);
    this.beta = center ? tf.variable(tf.zeros([timesteps, channels]) as tf.Tensor2D, true) : null;
    this.runningMean = tf.variable(tf.zeros([timesteps, channels]) as tf.Tensor2D, false);
    this.runningVar = tf.variable(tf.ones([timesteps, channels]) as tf.Tensor2D, false);
  }

  private row(v: tf.Tensor2D, t: number): tf.Tensor1D {
    const i = Math.min(t, this.timesteps - 1);
    return tf.reshape(tf.slice(v, [i, 0], [1, this.channels]), [this.channels]);
  }

  /**
   * Normalises `x` ([B,H,W,C] or [B,C]) at step `t`. With `training`, uses the batch statistics
   * and folds them into step t's running averages (outside the gradient).
   */
  apply(x: tf.Tensor, t: number, training: boolean): tf.Tensor {
    const axes = x.rank === 4 ? [0, 1, 2] : [0];
    let mean: tf.Tensor, variance: tf.Tensor;
    if (training) {
      const m = tf.moments(x, axes);
      mean = m.mean;
      variance = m.variance;
      const n = axes.reduce((a, ax) => a * x.shape[ax], 1);
      this.updateRunning(t, mean, variance, n);
    } else {
      mean = this.row(this.runningMean, t);
      variance = this.row(this.runningVar, t);
    }
    const inv = tf.rsqrt(tf.add(variance, BNTT_EPS));
    const y = tf.mul(tf.mul(tf.sub(x, mean), inv), this.row(this.gamma, t));
    return this.beta ? tf.add(y, this.row(this.beta, t)) : y;
  }

  private updateRunning(t: number, mean: tf.Tensor, variance: tf.Tensor, n: number): void {
    if (t >= this.timesteps) return;
    tf.tidy(() => {
      const unbiased = tf.mul(variance, n > 1 ? n / (n - 1) : 1);
      const rowMask = new Float32Array(this.timesteps);
      rowMask[t] = 1;
      const onehot = tf.tensor2d(rowMask, [this.timesteps, 1]);
      const blend = (running: tf.Variable<tf.Rank.R2>, batch: tf.Tensor) => {
        // running[t] ← (1 − m)·running[t] + m·batch, other rows unchanged.
        const target = tf.add(tf.mul(running, 1 - BNTT_MOMENTUM), tf.mul(tf.reshape(batch, [1, this.channels]), BNTT_MOMENTUM));
        running.assign(tf.add(tf.mul(target, onehot), tf.mul(running, tf.sub(1, onehot))) as tf.Tensor2D);
      };
      blend(this.runningMean, mean);
      blend(this.runningVar, unbiased);
    });
  }

  /** Trainable variables (γ, and β when centring). */
  trainable(): tf.Variable[] {
    return this.beta ? [this.gamma, this.beta] : [this.gamma];
  }

  /** Every variable by a stable name under `name/`, for checkpoints. */
  namedVariables(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = { [`${this.name}/gamma`]: this.gamma, [`${this.name}/mean`]: this.runningMean, [`${this.name}/var`]: this.runningVar };
    if (this.beta) out[`${this.name}/beta`] = this.beta;
    return out;
  }

  /**
   * The evaluation-mode transform of step t as y = a·x + b per channel (a = γ/√(σ²+ε),
   * b = β − a·μ), for folding the norm into the preceding weights.
   */
  affine(t = 0): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return tf.tidy(() => {
      const scale = tf.mul(this.row(this.gamma, t), tf.rsqrt(tf.add(this.row(this.runningVar, t), BNTT_EPS))) as tf.Tensor1D;
      const shift = tf.sub(this.beta ? this.row(this.beta, t) : tf.zerosLike(scale), tf.mul(scale, this.row(this.runningMean, t))) as tf.Tensor1D;
      return { scale, shift };
    });
  }
}
