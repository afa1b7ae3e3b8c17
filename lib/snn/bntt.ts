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
import { nativeKernels, registerNativeOp, type NativeKernels, type NativeOp } from '../kernels/native';

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
    return this.applySteps(x, t, 1, training);
  }

  /**
   * Normalises steps t0 … t0+T−1 at once: `x` is time-major [T·B,H,W,C] or [T·B,C], and each
   * step's slice gets its own statistics and scale, exactly as T calls of `apply` would, in a
   * handful of kernels for all steps. Training records each step's batch statistics.
   */
  applySteps(x: tf.Tensor, t0: number, timesteps: number, training: boolean): tf.Tensor {
    const c = this.channels;
    const perStep = x.size / (timesteps * c);
    if (!Number.isInteger(perStep) || x.shape[x.rank - 1] !== c) throw new Error(`${this.name}: expected [T·B, …, ${c}] for ${timesteps} steps, got [${x.shape.join(', ')}]`);
    const rows = this.rows(t0, timesteps);
    const native = training && !this.beta ? nativeKernels() : null;
    if (native) {
      // The fused kernel takes x time-major as it is and γ as [T, C]: no reshapes either way.
      const r = normaliseFused(native, x, rows(this.gamma));
      this.record(t0, timesteps, r.mean, r.variance, perStep);
      return r.y;
    }
    const x3 = tf.reshape(x, [timesteps, perStep, c]);
    const gamma = tf.reshape(rows(this.gamma), [timesteps, 1, c]);
    const beta = this.beta ? tf.reshape(rows(this.beta), [timesteps, 1, c]) : null;
    let y: tf.Tensor;
    if (training) {
      const r = normaliseWithBatchStats(x3, gamma);
      this.record(t0, timesteps, r.mean, r.variance, perStep);
      y = r.y;
    } else {
      // Evaluation: y = a·x + b per step and channel, a = γ/√(σ²+ε), b = −a·μ (+ β).
      const scale = tf.mul(gamma, tf.reshape(tf.rsqrt(tf.add(rows(this.runningVar), BNTT_EPS)), [timesteps, 1, c]));
      const shift = tf.mul(scale, tf.reshape(rows(this.runningMean), [timesteps, 1, c]));
      // On the native backend one pass over x (the same float32 operations, bit for bit).
      if (!beta && nativeKernels()) return stepAffine(x, tf.reshape(scale, [timesteps, c]), tf.reshape(shift, [timesteps, c]), timesteps);
      y = tf.sub(tf.mul(x3, scale), shift);
    }
    if (beta) y = tf.add(y, beta);
    return tf.reshape(y, x.shape);
  }

  /** Rows t0 … t0+T−1 of a [T_trained, C] variable (steps beyond the trained T reuse the last). */
  private rows(t0: number, timesteps: number): (v: tf.Tensor2D) => tf.Tensor2D {
    const last = this.timesteps - 1;
    if (t0 + timesteps - 1 <= last) return (v) => (timesteps === this.timesteps && t0 === 0 ? v : tf.slice(v, [t0, 0], [timesteps, this.channels]));
    const idx = tf.tensor1d(Array.from({ length: timesteps }, (_, k) => Math.min(t0 + k, last)), 'int32');
    return (v) => tf.gather(v, idx);
  }

  private pending: Array<{ t0: number; mean: tf.Tensor2D; variance: tf.Tensor2D; n: number }> = [];

  /**
   * Records batch statistics ([T,1,C] or [T,C]) of steps t0… for `commitStats`/`commitAverage`: one update
   * per batch for all steps instead of a dozen small ops per step and layer inside the training
   * graph. Steps beyond the trained T are not recorded.
   */
  private record(t0: number, timesteps: number, mean: tf.Tensor, variance: tf.Tensor, n: number): void {
    const k = Math.min(timesteps, this.timesteps - t0);
    if (k <= 0) return;
    const rows = (m: tf.Tensor) => tf.keep(tf.slice(tf.reshape(m, [timesteps, this.channels]), [0, 0], [k, this.channels]) as tf.Tensor2D);
    this.pending.push({ t0, mean: rows(mean), variance: rows(variance), n });
  }

  /**
   * The recorded statistics as full [T_trained, C] tables (zeros where nothing was recorded),
   * the mask of recorded steps [T_trained, 1] and how many batches each step got.
   */
  private gatherPending(): { mean: tf.Tensor2D; variance: tf.Tensor2D; counts: number[] } {
    const T = this.timesteps, C = this.channels;
    const counts = new Array<number>(T).fill(0);
    let mean = tf.zeros([T, C]) as tf.Tensor2D, variance = tf.zeros([T, C]) as tf.Tensor2D;
    for (const r of this.pending) {
      const k = r.mean.shape[0];
      const pad = (m: tf.Tensor2D) => tf.pad(m, [[r.t0, T - r.t0 - k], [0, 0]]) as tf.Tensor2D;
      mean = tf.add(mean, pad(r.mean));
      // Running variance is the unbiased one, as PyTorch's BatchNorm keeps.
      variance = tf.add(variance, pad(tf.mul(r.variance, r.n > 1 ? r.n / (r.n - 1) : 1)));
      for (let t = r.t0; t < r.t0 + k; t++) counts[t]++;
    }
    return { mean, variance, counts };
  }

  private clearPending(): void {
    for (const r of this.pending) tf.dispose([r.mean, r.variance]);
    this.pending = [];
  }

  /**
   * Folds the batch statistics recorded since the last call into the running averages:
   * running[t] ← (1 − m)·running[t] + m·batch[t] for every recorded step t (unbiased variance).
   * Training loops call it after each optimiser step.
   */
  commitStats(): void {
    if (!this.pending.length) return;
    tf.tidy(() => {
      const { mean, variance, counts } = this.gatherPending();
      // Several recorded batches before one commit (unusual) blend in as their average.
      const m = tf.mul(tf.tensor2d(counts.map((k) => (k ? 1 : 0)), [this.timesteps, 1]), BNTT_MOMENTUM);
      const inv = tf.tensor2d(counts.map((k) => (k ? 1 / k : 0)), [this.timesteps, 1]);
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, tf.sub(1, m)), tf.mul(tf.mul(mean, inv), m)) as tf.Tensor2D);
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, tf.sub(1, m)), tf.mul(tf.mul(variance, inv), m)) as tf.Tensor2D);
    });
    this.clearPending();
  }

  /**
   * Replaces the running statistics of every recorded step by the plain average of the batch
   * statistics recorded since the last commit (a calibration pass), instead of blending them in.
   */
  commitAverage(): void {
    if (!this.pending.length) return;
    tf.tidy(() => {
      const { mean, variance, counts } = this.gatherPending();
      const mask = tf.tensor2d(counts.map((k) => (k ? 1 : 0)), [this.timesteps, 1]);
      const inv = tf.tensor2d(counts.map((k) => (k ? 1 / k : 0)), [this.timesteps, 1]);
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, tf.sub(1, mask)), tf.mul(mean, inv)) as tf.Tensor2D);
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, tf.sub(1, mask)), tf.mul(variance, inv)) as tf.Tensor2D);
    });
    this.clearPending();
  }

  /** Frees the layer's variables and constants. */
  dispose(): void {
    tf.dispose(Object.values(this.namedVariables()));
    this.clearPending();
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

/**
 * Training-mode batch norm of x [T, N, C] with statistics per step and channel over N, and scale
 * γ [T, 1, C], as one custom-gradient op:
 *   x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂
 *   ∂L/∂γ = Σ_N ∂L/∂y·x̂,   ∂L/∂x = γ/√(σ² + ε) · (∂L/∂y − mean_N(∂L/∂y) − x̂·mean_N(∂L/∂y·x̂))
 * (the textbook batch-norm backward). Autodiff of the same forward records ~3× as many
 * full-size kernels, among them broadcasts and divisions that cost most of BNTT's time.
 * Returns the batch mean and biased variance [T, 1, C] too (outside the gradient).
 */
function normaliseWithBatchStats(x: tf.Tensor, gamma: tf.Tensor): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const n = x.shape[1] as number;
  return batchStatsOp(x, gamma, (xs, g) => {
    const mean = tf.mean(xs, 1, true);
    const centred = tf.sub(xs, mean);
    const variance = tf.mean(tf.square(centred), 1, true);
    const inv = tf.rsqrt(tf.add(variance, BNTT_EPS));
    const xhat = tf.mul(centred, inv);
    return { y: tf.mul(xhat, g), mean, variance, saved: [xhat, tf.mul(g, inv)] };
  }, (dy, [xh, scale]) => {
    const dyXhat = tf.sum(tf.mul(dy, xh), 1, true);
    const dx = tf.mul(tf.sub(tf.sub(dy, tf.mean(dy, 1, true)), tf.mul(xh, tf.div(dyXhat, n))), scale);
    return [dx, dyXhat];
  });
}

let stepAffineOp: NativeOp | undefined;

/**
 * x·a_t − b_t per step t and channel on the native backend (x time-major [T·P, …, C], a and b
 * [T, C]), with the gradients tfjs gives `tf.sub(tf.mul(x3, a), b)` on [T, P, C] views.
 */
function stepAffine(x: tf.Tensor, a: tf.Tensor, b: tf.Tensor, timesteps: number): tf.Tensor {
  stepAffineOp ??= registerNativeOp('SpikelensStepAffine', ['x', 'a', 'b'], ['x', 'a'], (k, [xv, av, bv], attrs) => k.stepAffine(xv, av, bv, attrs.timesteps), (dy, [xv, av], attrs) => {
    const T = attrs.timesteps, C = av.shape[1] as number;
    const view = (t: tf.Tensor) => tf.reshape(t, [T, -1, C]);
    return {
      x: () => tf.reshape(tf.mul(view(dy), tf.reshape(av, [T, 1, C])), xv.shape),
      a: () => tf.reshape(tf.sum(tf.mul(view(dy), view(xv)), [1]), [T, C]),
      b: () => tf.reshape(tf.neg(tf.sum(view(dy), [1])), [T, C]),
    };
  });
  return stepAffineOp({ x, a, b }, { timesteps });
}

/**
 * `normaliseWithBatchStats` with the fused native kernels: x time-major [T·N, …, C] as it is, γ
 * [T, C]; statistics summed in double, returned as [T, C].
 */
function normaliseFused(k: NativeKernels, x: tf.Tensor, gamma: tf.Tensor): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const T = gamma.shape[0];
  return batchStatsOp(x, gamma, (xs, g) => {
    const r = k.bnttForward(xs, g, T, BNTT_EPS);
    return { ...r, saved: [xs, g, r.mean, r.variance] };
  }, (dy, [xv, gv, mean, variance]) => k.bnttBackward(dy, xv, gv, mean, variance, T, BNTT_EPS));
}

/**
 * A batch norm of (x, γ) as one custom-gradient op from its `forward` (output, batch statistics and
 * what `backward` needs) and its hand-written `backward` (→ [∂L/∂x, ∂L/∂γ]); the statistics are
 * returned outside the gradient.
 */
function batchStatsOp(x: tf.Tensor, gamma: tf.Tensor,
  forward: (xs: tf.Tensor, g: tf.Tensor) => { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor; saved: tf.Tensor[] },
  backward: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  let stats: tf.Tensor[] = [];
  const op = tf.customGrad(((xs: tf.Tensor, g: tf.Tensor, save: tf.GradSaveFunc) => {
    const r = forward(xs, g);
    stats = [tf.keep(r.mean), tf.keep(r.variance)];
    save(r.saved);
    return { value: r.y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dy, saved) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, g: tf.Tensor) => tf.Tensor;
  const y = op(x, gamma);
  // The statistics were kept past the op's own tidy: hand them to the caller's scope.
  const [mean, variance] = stats.map((t) => { const c = tf.clone(t); t.dispose(); return c; });
  return { y, mean, variance };
}
