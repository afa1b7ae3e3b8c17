/** lib/train/adam.ts: the fused native Adam gives tf.train.adam's weights and slots, bit for bit. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '../../lib/train/adam';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('node'));

/** Runs `steps` Adam steps on two variables with seeded gradients (lr lowered halfway); returns weights and slots. */
async function run(make: () => tf.AdamOptimizer, steps: number) {
  const a = tf.variable(tf.randomNormal([3, 3, 4, 8], 0, 0.1, 'float32', 1), true, 'adam-test-a');
  const b = tf.variable(tf.randomNormal([40], 0, 1, 'float32', 2), true, 'adam-test-b');
  const opt = make();
  for (let t = 0; t < steps; t++) {
    if (t === Math.floor(steps / 2)) (opt as unknown as { learningRate: number }).learningRate = 0.0005;
    const grads = tf.tidy(() => ({
      'adam-test-a': tf.mul(tf.randomNormal(a.shape, 0, 1, 'float32', 10 + t), t === 1 ? 0 : 1e-3),
      'adam-test-b': tf.randomNormal(b.shape, 0, 5, 'float32', 100 + t),
    }));
    opt.applyGradients(grads as unknown as tf.NamedTensorMap as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
    tf.dispose(Object.values(grads));
  }
  const slots = await opt.getWeights();
  const out = { a: Array.from(a.dataSync()), b: Array.from(b.dataSync()), slots: slots.map((w) => ({ name: w.name.replace(/^.*adam-test-/, ''), data: Array.from(w.tensor.dataSync()) })) };
  opt.dispose();
  a.dispose();
  b.dispose();
  return out;
}

describe('fused Adam', () => {
  it('is not tfjs\'s own on the node backend (else the comparison below compares tfjs with itself)', () => {
    expect(adam(0.01, 0.9, 0.999, 1e-8).constructor.name).toBe('FusedAdam');
  });

  it('matches tf.train.adam bit for bit over 8 steps: weights, moments and the saved iteration count', async () => {
    const ours = await run(() => adam(0.002, 0.9, 0.999, 1e-8), 8);
    const theirs = await run(() => tf.train.adam(0.002, 0.9, 0.999, 1e-8), 8);
    expect(ours.slots.map((s) => s.name)).toEqual(theirs.slots.map((s) => s.name));
    expect(ours.a).toEqual(theirs.a);
    expect(ours.b).toEqual(theirs.b);
    expect(ours.slots).toEqual(theirs.slots);
    // And it moved the weights (a no-op would match a no-op).
    const start = Array.from(tf.randomNormal([40], 0, 1, 'float32', 2).dataSync());
    expect(ours.b.filter((x, i) => x !== start[i]).length).toBe(40);
  });
});
