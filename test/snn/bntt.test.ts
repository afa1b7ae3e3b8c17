import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Bntt, BNTT_EPS } from '../../lib/snn/bntt';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('node'));

describe('BNTT: batch norm with its own statistics per time-step', () => {
  it('training normalises with the batch statistics and updates only that step\'s running averages', () => {
    const bn = new Bntt('b', 2, 3);
    // Channel 0: values 1,3 (mean 2, biased var 1, unbiased 2); channel 1: 10,10 (var 0).
    const x = tf.tensor2d([[1, 10], [3, 10]]);
    const y = bn.apply(x, 1, true);
    const inv = 1 / Math.sqrt(1 + BNTT_EPS);
    expect(Array.from(y.dataSync()).map((v) => +v.toFixed(5))).toEqual([-inv, 0, inv, 0].map((v) => +v.toFixed(5)));
    expect(Array.from(bn.runningMean.dataSync())).toEqual([0, 0, 0, 0, 0, 0]); // folded in once per batch
    bn.commitStats();
    expect(Array.from(bn.runningMean.dataSync()).map((v) => +v.toFixed(6))).toEqual([0, 0, 0.2, 1, 0, 0]);
    // running var: 0.9·1 + 0.1·unbiased → channel 0: 0.9 + 0.2 = 1.1; channel 1: 0.9
    expect(Array.from(bn.runningVar.dataSync()).map((v) => +v.toFixed(6))).toEqual([1, 1, 1.1, 0.9, 1, 1]);
  });

  it('evaluation uses step t\'s running statistics and γ_t; steps past T reuse the last', () => {
    const bn = new Bntt('b', 1, 2);
    bn.runningMean.assign(tf.tensor2d([[1], [5]]));
    bn.runningVar.assign(tf.tensor2d([[4], [1]]));
    bn.gamma.assign(tf.tensor2d([[2], [3]]));
    const x = tf.tensor2d([[3]]);
    expect(bn.apply(x, 0, false).dataSync()[0]).toBeCloseTo((2 * (3 - 1)) / Math.sqrt(4 + BNTT_EPS), 5);
    expect(bn.apply(x, 1, false).dataSync()[0]).toBeCloseTo((3 * (3 - 5)) / Math.sqrt(1 + BNTT_EPS), 5);
    expect(bn.apply(x, 7, false).dataSync()[0]).toBeCloseTo((3 * (3 - 5)) / Math.sqrt(1 + BNTT_EPS), 5);
  });

  it('conv features are normalised over batch and space, per channel', () => {
    const bn = new Bntt('b', 2, 1);
    const x = tf.tensor4d([1, 0, 3, 0, 5, 0, 7, 8], [1, 2, 2, 2]);
    const y = bn.apply(x, 0, true);
    bn.commitStats();
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    expect(Array.from(mean.dataSync()).map((v) => +v.toFixed(5))).toEqual([0, 0]);
    expect(variance.dataSync()[0]).toBeCloseTo(1, 3);
  });
});
