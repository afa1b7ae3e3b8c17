/**
 * Deletion and insertion curves (Petsiuk et al. 2018, RISE): rank pixels by saliency, then
 * delete them (set to a baseline) or insert them (into the baseline) most salient first, in K
 * steps, scoring each image. A faithful map makes the score fall fast on deletion (low AUC) and
 * rise fast on insertion (high AUC). The model is a callback, so any ANN or SNN fits.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertHeatMap, type HeatMap } from '../explain/heatmap';

/** Scores a batch [n, H, W, C]: one number per image, e.g. the probability of the explained class. */
export type ScoreFn = (images: tf.Tensor4D) => Promise<Float32Array>;

/** Steps K, the baseline that replaces deleted pixels, and how many images `score` gets at once. */
export interface FaithfulnessOptions {
  /** Number of steps K (default 16): step k changes round(k·N/K) of the N pixels. */
  steps?: number;
  /** Value of removed pixels: a number or an [H, W, C] image such as a blurred copy (default 0). */
  baseline?: number | tf.Tensor3D;
  /** Images per call of `score` (default: all K+1 at once). */
  batchSize?: number;
}

/** A deletion or insertion curve: score after changing `fractions[k]` of the pixels. */
export interface FaithfulnessCurve {
  mode: 'deletion' | 'insertion';
  /** Fraction of pixels deleted/inserted, 0 … 1 (K+1 points). */
  fractions: Float32Array;
  /** Score at each point. */
  scores: Float32Array;
  /** Area under the curve by the trapezoid rule over `fractions`. */
  auc: number;
}

/** Deletion: pixels set to the baseline, most salient first; lower AUC = more faithful map. */
export function deletionCurve(map: HeatMap, image: tf.Tensor3D, score: ScoreFn, options: FaithfulnessOptions = {}): Promise<FaithfulnessCurve> {
  return faithfulnessCurve('deletion', map, image, score, options);
}

/** Insertion: pixels copied from the image into the baseline, most salient first; higher AUC = more faithful. */
export function insertionCurve(map: HeatMap, image: tf.Tensor3D, score: ScoreFn, options: FaithfulnessOptions = {}): Promise<FaithfulnessCurve> {
  return faithfulnessCurve('insertion', map, image, score, options);
}

/** Trapezoid rule `Σ_k (x_{k+1} - x_k)(y_k + y_{k+1})/2` over points sorted by x. */
export function areaUnderCurve(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`areaUnderCurve: ${x.length} x values but ${y.length} y values`);
  let area = 0;
  for (let k = 0; k + 1 < x.length; k++) area += ((x[k + 1] - x[k]) * (y[k] + y[k + 1])) / 2;
  return area;
}

/**
 * Pixel indices from most to least salient. Ties keep pixel order (row-major), so a constant
 * map deletes top-left first: deterministic, and visibly uninformative.
 */
export function saliencyOrder(map: HeatMap): Int32Array {
  const order = Array.from({ length: map.data.length }, (_, i) => i);
  order.sort((a, b) => map.data[b] - map.data[a] || a - b);
  return Int32Array.from(order);
}

async function faithfulnessCurve(mode: FaithfulnessCurve['mode'], map: HeatMap, image: tf.Tensor3D, score: ScoreFn, options: FaithfulnessOptions): Promise<FaithfulnessCurve> {
  const what = `${mode}Curve`;
  assertHeatMap(map, what);
  if (image.rank !== 3) throw new Error(`${what}: image must be [H, W, C], got [${image.shape.join(', ')}]`);
  const [h, w, c] = image.shape;
  if (h !== map.height || w !== map.width) throw new Error(`${what}: map is ${map.height}×${map.width} but image is ${h}×${w}; upsample the map to the image size`);
  const K = options.steps ?? 16;
  if (!Number.isInteger(K) || K < 1) throw new Error(`${what}: steps must be a positive integer, got ${K}`);
  const batchSize = options.batchSize ?? K + 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${what}: batchSize must be a positive integer, got ${batchSize}`);
  const baselineValue = options.baseline ?? 0;
  if (typeof baselineValue !== 'number' && baselineValue.shape.some((d, i) => d !== image.shape[i])) {
    throw new Error(`${what}: baseline is [${baselineValue.shape.join(', ')}] but image is [${h}, ${w}, ${c}]`);
  }

  const n = h * w;
  const order = saliencyOrder(map);
  const changed = Array.from({ length: K + 1 }, (_, k) => Math.round((k * n) / K));
  // Rank of each pixel in the order: pixel p is changed at step k iff rank[p] < changed[k].
  const rank = new Int32Array(n);
  order.forEach((p, r) => {
    rank[p] = r;
  });
  const scores = new Float32Array(K + 1);
  for (let k0 = 0; k0 <= K; k0 += batchSize) {
    const ks = changed.slice(k0, Math.min(k0 + batchSize, K + 1));
    const mask = new Float32Array(ks.length * n);
    ks.forEach((count, j) => {
      for (let p = 0; p < n; p++) if (rank[p] < count) mask[j * n + p] = 1;
    });
    // x = from + (to - from)·mask: deletion goes image → baseline, insertion baseline → image.
    const batch = tf.tidy(() => {
      const baseline = typeof baselineValue === 'number' ? tf.fill([h, w, c], baselineValue) : baselineValue;
      const [from, to] = mode === 'deletion' ? [image, baseline] : [baseline, image];
      const m = tf.tensor4d(mask, [ks.length, h, w, 1]);
      return tf.add(from, tf.mul(tf.sub(to, from), m)) as tf.Tensor4D;
    });
    let got: Float32Array;
    try {
      got = await score(batch);
    } finally {
      batch.dispose();
    }
    if (got.length !== ks.length) throw new Error(`${what}: score returned ${got.length} values for a batch of ${ks.length} images; return one per image`);
    scores.set(got, k0);
  }
  const fractions = changed.map((count) => count / n);
  return { mode, fractions: Float32Array.from(fractions), scores, auc: areaUnderCurve(fractions, scores) };
}
