/** lib/model/vgg.ts's relu: TensorFlow's one-op gradient, bit-identical to tfjs's composed one. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { relu } from '../../lib/model/vgg';
import { nativeKernels } from '../../lib/kernels/native';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('node'));

describe('relu', () => {
  it('runs with the native gradient on the node backend', () => {
    expect(nativeKernels()).not.toBeNull();
  });

  it('gives the same values and gradients as tf.relu, bit for bit (zeros, negatives, a downstream weighting)', () => {
    const x = tf.concat([tf.randomNormal([4000], 0, 1, 'float32', 7), tf.tensor1d([0, -0, 1e-30, -1e-30])]);
    const w = tf.randomNormal([4004], 0, 3, 'float32', 8);
    const loss = (f: (v: tf.Tensor) => tf.Tensor) => (v: tf.Tensor) => tf.sum(tf.mul(f(v), w));
    expect(Array.from(relu(x).dataSync())).toEqual(Array.from(tf.relu(x).dataSync()));
    const mine = tf.grad(loss(relu))(x).dataSync();
    const theirs = tf.grad(loss(tf.relu))(x).dataSync();
    expect(Array.from(mine)).toEqual(Array.from(theirs));
    // The gradient is w where x > 0 and 0 elsewhere (so the test can fail).
    const xs = x.dataSync(), ws = w.dataSync();
    expect(mine[0] === (xs[0] > 0 ? ws[0] : 0)).toBe(true);
    expect(mine.filter((g) => g !== 0).length).toBe(Array.from(xs).filter((v) => v > 0).length);
  });
});
