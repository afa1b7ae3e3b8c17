/**
 * Fast Gradient Sign Method (Goodfellow et al. 2015) for the ANN and the SNN (paper Fig. 6a/b).
 *
 *   x' = clip(x + ε · sign(∇_x L(x, y)), 0, 1),   L = cross-entropy of the true label,
 *
 * x on the 0..1 scale, ε given in 1/255 units (the paper's 2, 4, 6, 8, 16). The SNN-crafted attack
 * (Sharmin et al. 2020) runs BPTT through the surrogate over all T steps and passes the gradient
 * straight through the Poisson encoder: step t feeds the network input_t = spikes_t in the forward
 * pass but ∂input_t/∂x = ∂e/∂x in the backward pass, so
 *   ∇_x L = Σ_t ∂L/∂input_t · ∂e/∂x.
 * The ANN sees e(x) itself as its input: ∇_x L = ∂L/∂e · ∂e/∂x.
 *
 * Straight through the clip, too. The `signed` encoder's expectation is E[spikes] =
 * clip(x_norm/2, −1, 1); its true derivative is 0 wherever |x_norm| ≥ 2 (40 % of the
 * pixel-channels of the default mnist-scenes validation set), so FGSM would never move those
 * pixels, for the ANN and the SNN alike. The attack's gradient therefore treats the clip as the
 * identity (`attackExpectedSpikes`): e keeps its clipped value, ∂e/∂x = 1/(2·std_c) for
 * `signed` (1 for `rate`), a positive per-channel constant, so at every pixel sign(∇_x L) is the
 * sign of the loss gradient w.r.t. the network's input (summed over steps for the SNN). Both
 * models use it, so ANN and SNN are attacked alike; `rate` has no clip and is unchanged.
 *
 * Usage: `const adv = fgsm({ kind: 'snn', net, variant: 'signed', timesteps: 30, rng }, x, labels, 4)`;
 * `accuracyUnderAttack(model, ds, [0, 2, 4, 8, 16])` for the accuracy-vs-ε curve. A long-running
 * SNN can be attacked with fewer BPTT steps than it is evaluated with (`craftingTimesteps`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy } from '../train/loss';
import type { AnnVgg } from '../ann/vgg11';
import { batches, labelsTensor, toTensor, type Dataset } from '../data/dataset';
import { createEncoder, encoderNormalisation, expectedSpikes, type EncoderSpec } from '../data/encode';
import type { SpikingVgg } from '../snn/network';
import { unroll, type SpikeSource } from '../snn/simulate';
import { annLogits } from '../ann/logits';
import { snnLogits } from '../snn/logits';
import type { Rng } from '../random';

/**
 * A model under attack. The SNN's `rng` seeds its Poisson encoder: every call derives the same
 * encoder seed from it (`rng.fork('attack')`), so the loss and the gradient at x, and the loss at
 * x', all see the same uniform draws. `craftingTimesteps` (default `timesteps`) is how many steps
 * the attack's loss and BPTT run (`attackLoss`, `inputGradient`, `fgsm`); `accuracyUnderAttack`
 * always evaluates the adversarial images over `timesteps`.
 */
export type AttackModel =
  | { kind: 'ann'; ann: AnnVgg; variant: EncoderSpec }
  | { kind: 'snn'; net: SpikingVgg; variant: EncoderSpec; timesteps: number; craftingTimesteps?: number; rng: Rng };

/** Labels as an int32 tensor [B] or plain numbers. */
export type Labels = tf.Tensor1D | ArrayLike<number>;


/** The loss the attack ascends, L(x, y), for 0..1 images [B,H,W,3]: what `inputGradient` differentiates. */
export function attackLoss(model: AttackModel, images01: tf.Tensor4D, labels: Labels): tf.Scalar {
  const y = checkInputs(model, images01, labels, 'attackLoss');
  const enc = model.kind === 'snn' ? encoderOf(model, images01) : null;
  try {
    return tf.tidy(() => crossEntropy(logitsFor(model, images01, enc), y));
  } finally {
    enc?.dispose();
    if (y !== labels) y.dispose();
  }
}

/**
 * ∇_x L for 0..1 images, through `attackExpectedSpikes` (straight through the encoder's clip): for
 * the ANN through its expected-spike input, for the SNN by BPTT through the surrogate with the
 * straight-through encoder gradient. Caller disposes.
 */
export function inputGradient(model: AttackModel, images01: tf.Tensor4D, labels: Labels): tf.Tensor4D {
  const y = checkInputs(model, images01, labels, 'fgsm');
  const enc = model.kind === 'snn' ? encoderOf(model, images01) : null;
  try {
    return tf.grad((x: tf.Tensor) => crossEntropy(logitsFor(model, x as tf.Tensor4D, enc), y))(images01) as tf.Tensor4D;
  } finally {
    enc?.dispose();
    if (y !== labels) y.dispose();
  }
}

/** One FGSM step from a gradient: x' = clip(x + (ε/255)·sign(g), 0, 1). */
export function fgsmStep(images01: tf.Tensor4D, gradient: tf.Tensor4D, epsilon255: number): tf.Tensor4D {
  checkEpsilon(epsilon255);
  if (gradient.shape.some((d, i) => d !== images01.shape[i])) {
    throw new Error(`fgsm: gradient [${gradient.shape.join(', ')}] does not match images [${images01.shape.join(', ')}]`);
  }
  return tf.tidy(() => tf.clipByValue(tf.add(images01, tf.mul(tf.sign(gradient), epsilon255 / 255)), 0, 1) as tf.Tensor4D);
}

/** FGSM adversarial images x' = clip(x + (ε/255)·sign(∇_x L), 0, 1) for 0..1 images; caller disposes. */
export function fgsm(model: AttackModel, images01: tf.Tensor4D, labels: Labels, epsilon255: number): tf.Tensor4D {
  checkEpsilon(epsilon255);
  const g = inputGradient(model, images01, labels);
  try {
    return fgsmStep(images01, g, epsilon255);
  } finally {
    g.dispose();
  }
}

/** Accuracy on a data set under FGSM at one ε (in 1/255 units). */
export interface AttackAccuracy {
  epsilon: number;
  /** Top-1 accuracy in [0, 1] on the adversarial images. */
  accuracy: number;
  correct: number;
  total: number;
  /** Whether each image of the data set (in its order) is classified correctly at this ε; `correct` counts the trues. */
  correctByImage: boolean[];
}

/**
 * Top-1 accuracy under FGSM for each ε (paper Fig. 6a): per batch, one gradient at the clean
 * images (FGSM's sign does not depend on ε), then each x'_ε is classified. For the SNN, batch b
 * is attacked with encoder draws from `rng.fork('attack<b>')` and evaluated with independent
 * draws from `rng.fork('eval<b>')`, the same for every ε (so the curve compares like with like).
 */
export async function accuracyUnderAttack(model: AttackModel, ds: Dataset, epsilons: readonly number[], batchSize = 16): Promise<AttackAccuracy[]> {
  if (epsilons.length === 0) throw new Error('accuracyUnderAttack: no epsilons given (e.g. [0, 2, 4, 8, 16])');
  epsilons.forEach(checkEpsilon);
  const correct = epsilons.map(() => 0);
  const byImage = epsilons.map(() => new Array<boolean>(ds.size).fill(false));
  let b = 0;
  for (const idx of batches(ds, batchSize, null)) {
    const x = toTensor(ds, idx);
    const y = labelsTensor(ds, idx);
    const attacker: AttackModel = model.kind === 'snn' ? { ...model, rng: model.rng.fork(`attack${b}`) } : model;
    const g = epsilons.some((e) => e > 0) ? inputGradient(attacker, x, y) : null;
    for (let k = 0; k < epsilons.length; k++) {
      const adv = g ? fgsmStep(x, g, epsilons[k]) : tf.clone(x);
      const logits = model.kind === 'snn'
        ? snnLogits(model.net, adv, model.variant, model.timesteps, model.rng.fork(`eval${b}`))
        : annLogits(model.ann, adv, model.variant);
      const pred = tf.tidy(() => tf.argMax(logits, 1));
      const p = await pred.data();
      for (let i = 0; i < idx.length; i++) {
        if (p[i] !== ds.labels[idx[i]]) continue;
        correct[k]++;
        byImage[k][idx[i]] = true;
      }
      tf.dispose([adv, logits, pred]);
    }
    tf.dispose([x, y, ...(g ? [g] : [])]);
    b++;
  }
  return epsilons.map((epsilon, k) => ({ epsilon, accuracy: ds.size ? correct[k] / ds.size : 0, correct: correct[k], total: ds.size, correctByImage: byImage[k] }));
}

/**
 * The encoder's expected spike frame e(x) for the attack: the value of `expectedSpikes` (the ANN's
 * input; for `signed` clip(x_norm/2, −1, 1)) with the gradient of the unclipped x_norm/2, i.e.
 * ∂e/∂x_c = 1/(2·std_c), a straight-through estimator of the clip (see the file comment: the true
 * derivative is 0 on saturated pixels, which FGSM would then never move). `rate`: e = x, ∂e/∂x = 1.
 */
export function attackExpectedSpikes(variant: EncoderSpec, images01: tf.Tensor4D): tf.Tensor4D {
  const stats = encoderNormalisation(variant);
  if (!stats) return expectedSpikes(variant, images01);
  const slope = stats.std.map((s) => 1 / (2 * s));
  const through = tf.customGrad(((x: tf.Tensor4D) => ({
    value: expectedSpikes(variant, x),
    gradFunc: (dy: tf.Tensor) => [tf.mul(dy, tf.tensor1d(slope))],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return through(images01) as tf.Tensor4D;
}

/**
 * A spike source whose step t has the value of the encoder's spikes_t but the gradient of the
 * differentiable expectation e(x): input_t = e + stopgrad(spikes_t − e), built with customGrad
 * (tfjs has no stopGradient) so the forward value is the spike frame exactly.
 */
export function straightThroughSource(expected: tf.Tensor4D, spikes: (t: number) => tf.Tensor4D): SpikeSource {
  return {
    step(t: number): tf.Tensor4D {
      const s = spikes(t);
      // The value ignores e (it is the spike frame); the gradient passes dy to e unchanged.
      const pass = tf.customGrad((() => ({ value: tf.clone(s), gradFunc: (dy: tf.Tensor) => [dy] })) as unknown as Parameters<typeof tf.customGrad>[0]);
      const out = pass(expected) as tf.Tensor4D;
      s.dispose();
      return out;
    },
  };
}

function encoderOf(model: Extract<AttackModel, { kind: 'snn' }>, images01: tf.Tensor4D) {
  return createEncoder(model.variant, images01, model.rng.fork('attack'));
}

/** Logits of `model` for images x (differentiable in x); the SNN reads spikes from `enc`. */
function logitsFor(model: AttackModel, x: tf.Tensor4D, enc: ReturnType<typeof createEncoder> | null): tf.Tensor2D {
  const e = attackExpectedSpikes(model.variant, x);
  if (model.kind === 'ann') return model.ann.forward(e, { training: false }).logits;
  if (!enc) throw new Error('fgsm: internal error: SNN without an encoder');
  const T = model.craftingTimesteps ?? model.timesteps;
  if (!Number.isInteger(model.timesteps) || model.timesteps < 1) throw new Error(`fgsm: timesteps must be a positive integer, got ${model.timesteps}`);
  if (!Number.isInteger(T) || T < 1) throw new Error(`fgsm: craftingTimesteps must be a positive integer, got ${T}`);
  return unroll(model.net, straightThroughSource(e, (t) => enc.step(t)), T, { training: false });
}

function checkEpsilon(epsilon255: number): void {
  if (!(epsilon255 >= 0) || !Number.isFinite(epsilon255)) throw new Error(`fgsm: epsilon must be a finite number ≥ 0 in 1/255 units (e.g. 4 for 4/255), got ${epsilon255}`);
}

/** Validates images and labels; returns the labels as a tensor (a new one unless given as a tensor). */
function checkInputs(model: AttackModel, images01: tf.Tensor4D, labels: Labels, what: string): tf.Tensor1D {
  if (images01.rank !== 4 || images01.shape[3] !== 3 || images01.shape[0] < 1) {
    throw new Error(`${what}: expected images [B, H, W, 3] with B ≥ 1, got [${images01.shape.join(', ')}]`);
  }
  const [lo, hi] = tf.tidy(() => [tf.min(images01).dataSync()[0], tf.max(images01).dataSync()[0]]);
  if (!(lo >= 0 && hi <= 1)) throw new Error(`${what}: images must lie in [0, 1] (the 0..1 scale), got values in [${lo}, ${hi}]`);
  const batch = images01.shape[0];
  const classes = model.kind === 'ann' ? model.ann.arch.classes : model.net.config.arch.classes;
  const values = labels instanceof tf.Tensor ? labels.dataSync() : labels;
  if (values.length !== batch) throw new Error(`${what}: ${values.length} labels for a batch of ${batch} images`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isInteger(values[i]) || values[i] < 0 || values[i] >= classes) throw new Error(`${what}: label ${values[i]} of image ${i} is not a class in 0..${classes - 1}`);
  }
  return labels instanceof tf.Tensor ? labels : tf.tensor1d(Array.from(values), 'int32');
}
