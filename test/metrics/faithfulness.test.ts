/**
 * Deletion / insertion curves with a toy score: the "object" is the top row of a 2×2 image,
 * and the score is the mean of the top-row pixels, so every point can be computed by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { heatMap } from '../../lib/explain/heatmap';
import { deletionCurve, insertionCurve, areaUnderCurve, saliencyOrder, type ScoreFn } from '../../lib/metrics/faithfulness';
import { useBackend } from '../helpers/tf';

/** Mean of pixels (0,0) and (0,1), channel 0, per image. */
const topRow: ScoreFn = async (images) => {
  const s = tf.tidy(() => tf.mean(images.slice([0, 0, 0, 0], [-1, 1, 2, 1]), [1, 2, 3]));
  const out = (await s.data()) as Float32Array;
  s.dispose();
  return out;
};

describe('deletion and insertion curves', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  const good = heatMap(Float32Array.of(4, 3, 2, 1), 2, 2); // ranks the object first
  const bad = heatMap(Float32Array.of(1, 2, 3, 4), 2, 2); // ranks the object last

  it('deletion: a faithful map makes the score fall first (low AUC)', async () => {
    const image = tf.ones([2, 2, 3]) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    const c = await deletionCurve(good, image, topRow, { steps: 4 });
    expect(Array.from(c.fractions)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(c.scores)).toEqual([1, 0.5, 0, 0, 0]);
    // 0.25 · ((1 + 0.5)/2 + (0.5 + 0)/2 + 0 + 0)
    expect(c.auc).toBeCloseTo(0.25, 7);
    const worse = await deletionCurve(bad, image, topRow, { steps: 4, batchSize: 2 });
    expect(Array.from(worse.scores)).toEqual([1, 1, 1, 0.5, 0]);
    expect(worse.auc).toBeCloseTo(0.75, 7);
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
  });

  it('insertion: pixels come from the image into the baseline (a number or an image)', async () => {
    const image = tf.ones([2, 2, 1]) as tf.Tensor3D;
    const c = await insertionCurve(good, image, topRow, { steps: 4 });
    expect(Array.from(c.scores)).toEqual([0, 0.5, 1, 1, 1]);
    expect(c.auc).toBeCloseTo(0.75, 7);
    const grey = tf.fill([2, 2, 1], 0.5) as tf.Tensor3D;
    const g = await insertionCurve(good, image, topRow, { steps: 2, baseline: grey });
    expect(Array.from(g.scores)).toEqual([0.5, 1, 1]);
    tf.dispose([image, grey]);
  });

  it('K need not divide N: step k changes round(k·N/K) pixels', async () => {
    const image = tf.ones([2, 2, 1]) as tf.Tensor3D;
    const c = await deletionCurve(good, image, topRow, { steps: 3 });
    expect(Array.from(c.fractions)).toEqual([0, 0.25, 0.75, 1]); // 0, 1.33→1, 2.67→3, 4 pixels
    image.dispose();
  });

  it('ranks ties in pixel order, and the trapezoid rule is exact on lines', () => {
    expect(Array.from(saliencyOrder(heatMap(Float32Array.of(1, 5, 1, 5), 2, 2)))).toEqual([1, 3, 0, 2]);
    expect(areaUnderCurve([0, 0.5, 1], [0, 0.5, 1])).toBeCloseTo(0.5, 9);
  });

  it('says what is wrong', async () => {
    const image = tf.ones([4, 4, 1]) as tf.Tensor3D;
    await expect(deletionCurve(good, image, topRow)).rejects.toThrow('deletionCurve: map is 2×2 but image is 4×4; upsample the map to the image size');
    const small = tf.ones([2, 2, 1]) as tf.Tensor3D;
    await expect(insertionCurve(good, small, async () => new Float32Array(1), { steps: 2 })).rejects.toThrow('score returned 1 values for a batch of 3 images');
    await expect(deletionCurve(good, small, topRow, { steps: 0 })).rejects.toThrow('steps must be a positive integer');
    tf.dispose([image, small]);
  });
});
