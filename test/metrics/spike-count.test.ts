/** SpikeCounter: spikes per layer per step, rates and the normalised curve of Fig. 5b. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SpikeCounter } from '../../lib/metrics/spike-count';
import { useBackend } from '../helpers/tf';

describe('SpikeCounter', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('counts per step, accumulates over runs, and normalises by the peak', () => {
    const before = tf.memory().numTensors;
    const counter = new SpikeCounter({ layers: ['conv1'] });
    // Two images of 2×2×2 = 8 neurons; step 0: 2 spikes, step 1: 8 spikes, step 2: 4 spikes.
    const steps = [2, 8, 4].map((k) => Float32Array.from({ length: 16 }, (_, i) => (i < k ? 1 : 0)));
    // As lib/snn/simulate.ts does: each step inside its own tidy.
    const feed = () => steps.forEach((s, t) => tf.tidy(() => {
      const x = tf.tensor4d(s, [2, 2, 2, 2]);
      counter.onStep('conv1', t, x);
      counter.onStep('conv2', t, x); // not observed: ignored
    }));
    feed();
    expect(counter.counts('conv1')).toEqual([2, 8, 4]);
    expect(counter.rates('conv1')).toEqual([2 / 16, 8 / 16, 4 / 16]);
    expect(counter.curve('conv1')).toEqual([0.25, 1, 0.5]);
    feed(); // a second batch adds to the totals; rates stay per neuron per image
    expect(counter.counts('conv1')).toEqual([4, 16, 8]);
    expect(counter.rates('conv1')).toEqual([2 / 16, 8 / 16, 4 / 16]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => counter.counts('conv2')).toThrow('no steps counted for conv2');
    counter.reset();
    expect(() => counter.counts('conv1')).toThrow('no steps counted for conv1');
  });

  it('a silent layer gives a zero curve, not NaN', () => {
    const counter = new SpikeCounter({ layers: ['conv8'] });
    const x = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
    counter.onStep('conv8', 0, x);
    x.dispose();
    expect(counter.curve('conv8')).toEqual([0]);
  });
});
