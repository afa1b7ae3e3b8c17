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
    // tfjs's gradient tape cannot handle batchNorm without an offset: BNTT passes a zero one.
    this.zeroShift = center ? null : tf.keep(tf.zeros([channels]) as tf.Tensor1D);
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
    // One fused kernel instead of four element-wise ones; its gradient covers mean and variance.
    return tf.batchNorm(x, mean, variance, this.beta ? this.row(this.beta, t) : (this.zeroShift as tf.Tensor1D), this.row(this.gamma, t), BNTT_EPS);
  }

  private readonly zeroShift: tf.Tensor1D | null;
  private pending: Array<{ t: number; mean: tf.Tensor; variance: tf.Tensor; n: number }> = [];

  private updateRunning(t: number, mean: tf.Tensor, variance: tf.Tensor, n: number): void {
    // Recorded now, folded in by `commitStats()` once per batch: one update for all steps
    // instead of a dozen small ops per step and layer inside the training graph.
    if (t < this.timesteps) this.pending.push({ t, mean: tf.keep(tf.clone(mean)), variance: tf.keep(tf.clone(variance)), n });
  }

  /**
   * Folds the batch statistics recorded since the last call into the running averages:
   * running[t] ← (1 − m)·running[t] + m·batch[t] for every recorded step t (unbiased variance).
   * Training loops call it after each optimiser step.
   */
  commitStats(): void {
    if (!this.pending.length) return;
    const rows = this.pending;
    this.pending = [];
    tf.tidy(() => {
      const mask = new Float32Array(this.timesteps);
      const means = new Array<tf.Tensor>(this.timesteps).fill(tf.zeros([this.channels]));
      const vars = new Array<tf.Tensor>(this.timesteps).fill(tf.zeros([this.channels]));
      for (const r of rows) {
        mask[r.t] = 1;
        means[r.t] = tf.reshape(r.mean, [this.channels]);
        vars[r.t] = tf.mul(tf.reshape(r.variance, [this.channels]), r.n > 1 ? r.n / (r.n - 1) : 1);
      }
      const m = tf.mul(tf.tensor2d(mask, [this.timesteps, 1]), BNTT_MOMENTUM);
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, tf.sub(1, m)), tf.mul(tf.stack(means), m)) as tf.Tensor2D);
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, tf.sub(1, m)), tf.mul(tf.stack(vars), m)) as tf.Tensor2D);
    });
    for (const r of rows) tf.dispose([r.mean, r.variance]);
  }

  /**
   * Replaces the running statistics of every recorded step by the plain average of the batch
   * statistics recorded since the last commit (a calibration pass), instead of blending them in.
   */
  commitAverage(): void {
    if (!this.pending.length) return;
    const rows = this.pending;
    this.pending = [];
    tf.tidy(() => {
      const sums = new Map<number, { mean: tf.Tensor; variance: tf.Tensor; k: number }>();
      for (const r of rows) {
        const v = tf.mul(r.variance, r.n > 1 ? r.n / (r.n - 1) : 1);
        const acc = sums.get(r.t);
        sums.set(r.t, acc ? { mean: tf.add(acc.mean, r.mean), variance: tf.add(acc.variance, v), k: acc.k + 1 } : { mean: r.mean, variance: v, k: 1 });
      }
      const mask = new Float32Array(this.timesteps);
      const means: tf.Tensor[] = [], vars: tf.Tensor[] = [];
      for (let t = 0; t < this.timesteps; t++) {
        const acc = sums.get(t);
        mask[t] = acc ? 1 : 0;
        means.push(acc ? tf.div(tf.reshape(acc.mean, [this.channels]), acc.k) : tf.zeros([this.channels]));
        vars.push(acc ? tf.div(tf.reshape(acc.variance, [this.channels]), acc.k) : tf.zeros([this.channels]));
      }
      const m = tf.tensor2d(mask, [this.timesteps, 1]);
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, tf.sub(1, m)), tf.mul(tf.stack(means), m)) as tf.Tensor2D);
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, tf.sub(1, m)), tf.mul(tf.stack(vars), m)) as tf.Tensor2D);
    });
    for (const r of rows) tf.dispose([r.mean, r.variance]);
  }

  /** Frees the layer's variables and constants. */
  dispose(): void {
    tf.dispose([...Object.values(this.namedVariables()), ...(this.zeroShift ? [this.zeroShift] : []), ...this.pending.flatMap((r) => [r.mean, r.variance])]);
    this.pending = [];
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
