/**
 * What a gradient explanation explains: a target turns one image's logits into the scalar y^c
 * whose gradient is taken (pytorch-grad-cam's `ClassifierOutputTarget` idea), so Grad-CAM, SNN
 * Grad-CAM and any later method explain a logit, a softmax score or anything else without a flag.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One image's score to explain: logits [classes] → scalar y^c (differentiable). */
export type CamTarget = (logits: tf.Tensor1D) => tf.Scalar;

/** y^c = logit of class `category` (Grad-CAM's choice; for SNNs the logit is output membrane / T). */
export function classifierOutputTarget(category: number): CamTarget {
  checkCategory(category);
  return (logits) => {
    checkCategory(category, logits.shape[0]);
    return tf.reshape(tf.slice(logits, [category], [1]), []) as tf.Scalar;
  };
}

/** y^c = softmax(logits)_c, the class probability (explains the class relative to the others). */
export function classifierSoftmaxTarget(category: number): CamTarget {
  checkCategory(category);
  return (logits) => {
    checkCategory(category, logits.shape[0]);
    return tf.reshape(tf.slice(tf.softmax(logits), [category], [1]), []) as tf.Scalar;
  };
}

/** Targets per image: a class index means `classifierOutputTarget(index)`. */
export type TargetSpec = number | CamTarget;

/** Resolves one spec per image of a batch of `batch`; throws one line when the counts differ. */
export function resolveTargets(specs: readonly TargetSpec[], batch: number, what: string): CamTarget[] {
  if (specs.length !== batch) throw new Error(`${what}: ${specs.length} targets for a batch of ${batch} images; give one target (class index) per image`);
  return specs.map((s) => (typeof s === 'number' ? classifierOutputTarget(s) : s));
}

/**
 * Σ_b target_b(logits_b): one scalar for the whole batch. Images do not interact in evaluation
 * mode (no batch statistics), so its gradient w.r.t. image b's activations is image b's own.
 */
export function batchScore(logits: tf.Tensor2D, targets: readonly CamTarget[]): tf.Scalar {
  const [batch, classes] = logits.shape;
  if (targets.length !== batch) throw new Error(`batchScore: ${targets.length} targets for ${batch} rows of logits`);
  const rows = targets.map((target, b) => target(tf.reshape(tf.slice(logits, [b, 0], [1, classes]), [classes]) as tf.Tensor1D));
  return tf.addN(rows) as tf.Scalar;
}

function checkCategory(category: number, classes?: number): void {
  if (!Number.isInteger(category) || category < 0 || (classes !== undefined && category >= classes)) {
    throw new Error(`target class ${category} is not a class index${classes === undefined ? ' (expected an integer ≥ 0)' : ` in 0..${classes - 1}`}`);
  }
}
