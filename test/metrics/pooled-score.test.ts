/**
 * Pooled scoring: concurrent curves' score calls become one batched call; results equal the
 * unpooled ones; a failing run neither hangs the others nor leaks tensors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../lib/backend';
import { heatMap } from '../../lib/explain/heatmap';
import { deletionCurve, insertionCurve } from '../../lib/metrics/faithfulness';
import { pooledScores } from '../../lib/metrics/pooled-score';

beforeAll(async () => {
  await initBackend({ prefer: 'node', log: false });
});

/** Score = tag·100 + the image's pixel sum (pixel sums stay below 100 here). */
async function sumScore(images: tf.Tensor4D, tags: readonly number[]): Promise<Float32Array> {
  const sums = tf.tidy(() => tf.sum(images, [1, 2, 3]));
  const s = (await sums.data()) as Float32Array;
  sums.dispose();
  return Float32Array.from(s, (v, r) => tags[r] * 100 + v);
}

describe('pooledScores', () => {
  it('gathers one call per round, rows in tag order, each run getting its own slice', async () => {
    const calls: number[] = [];
    const before = tf.memory().numTensors;
    const sizes = [2, 1, 3];
    const out = await pooledScores([1, 2, 3], async (images, tags) => {
      calls.push(images.shape[0]);
      expect(tags).toEqual([1, 1, 2, 3, 3, 3]);
      return sumScore(images, tags);
    }, async (score, tag, i) => {
      const x = tf.fill([sizes[i], 1, 1, 1], i + 1) as tf.Tensor4D;
      try {
        return Array.from(await score(x));
      } finally {
        x.dispose();
      }
    });
    expect(calls).toEqual([6]);
    expect(out).toEqual([[101, 101], [202], [303, 303, 303]]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a run that asks twice gets a second round of its own', async () => {
    const calls: number[] = [];
    const out = await pooledScores([0, 0], async (images, tags) => {
      calls.push(images.shape[0]);
      return sumScore(images, tags);
    }, async (score, _tag, i) => {
      const x = tf.ones([1, 1, 1, 1]) as tf.Tensor4D;
      const first = (await score(x))[0];
      const second = i === 1 ? (await score(x))[0] : 0;
      x.dispose();
      return first + second;
    });
    expect(calls).toEqual([2, 1]);
    expect(out).toEqual([1, 2]);
  });

  it('pooled deletion and insertion curves equal the unpooled ones', async () => {
    const images = [tf.tensor3d([[[0.1], [0.9]], [[0.5], [0.3]]]), tf.tensor3d([[[1], [0]], [[0.2], [0.4]]])];
    const maps = [heatMap(Float32Array.of(0, 3, 2, 1), 2, 2), heatMap(Float32Array.of(4, 1, 2, 3), 2, 2)];
    const single = (images: tf.Tensor4D) => sumScore(images, new Array(images.shape[0]).fill(0));
    const before = tf.memory().numTensors;
    const pooled = await pooledScores([0, 0, 0, 0], sumScore, (score, _tag, i) =>
      (i < 2 ? deletionCurve : insertionCurve)(maps[i % 2], images[i % 2], score, { steps: 4 }));
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < 4; i++) {
      const alone = await (i < 2 ? deletionCurve : insertionCurve)(maps[i % 2], images[i % 2], single, { steps: 4 });
      expect(Array.from(pooled[i].scores)).toEqual(Array.from(alone.scores));
      expect(pooled[i].auc).toBeCloseTo(alone.auc, 6);
    }
    // Image 0, deletion (most salient first: pixels 1, 2, 3, 0): sums 1.8, 0.9, 0.4, 0.1, 0.
    expect(Array.from(pooled[0].scores).map((v) => Math.round(v * 10) / 10)).toEqual([1.8, 0.9, 0.4, 0.1, 0]);
    tf.dispose(images);
  });

  it('one failing run: the others finish, the first error is rethrown, nothing leaks', async () => {
    const before = tf.memory().numTensors;
    let finished = 0;
    await expect(pooledScores([0, 1, 2], sumScore, async (score, tag) => {
      if (tag === 1) throw new Error('bad map');
      const x = tf.ones([1, 1, 1, 1]) as tf.Tensor4D;
      try {
        await score(x);
        finished++;
      } finally {
        x.dispose();
      }
    })).rejects.toThrow('bad map');
    expect(finished).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a failing batch scorer rejects every waiting run', async () => {
    await expect(pooledScores([0, 1], async () => { throw new Error('model broke'); }, async (score) => {
      const x = tf.ones([1, 1, 1, 1]) as tf.Tensor4D;
      try {
        return await score(x);
      } finally {
        x.dispose();
      }
    })).rejects.toThrow('model broke');
  });
});
