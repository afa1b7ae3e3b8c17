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

  it('perImage: each image\'s spikes per step, the same from onStep and from onSteps chunks; runs append images; totals unchanged', () => {
    const before = tf.memory().numTensors;
    // Run 1: 2 images × 3 steps of 1×1×4 neurons; image b at step t has spikes[t][b] ones.
    const spikes = [[1, 3], [4, 0], [2, 2]];
    const frame = (counts: number[]) => Float32Array.from(counts.flatMap((n) => [0, 1, 2, 3].map((i) => (i < n ? 1 : 0))));
    const bySteps = new SpikeCounter({ layers: ['conv1'], perImage: true });
    const chunked = new SpikeCounter({ layers: ['conv1'], perImage: true });
    const totalsOnly = new SpikeCounter({ layers: ['conv1'] });
    const run = (data: number[][]) => {
      data.forEach((counts, t) => tf.tidy(() => {
        const x = tf.tensor4d(frame(counts), [counts.length, 1, 1, 4]);
        bySteps.onStep('conv1', t, x);
        totalsOnly.onStep('conv1', t, x);
      }));
      // The same run as the simulation's chunks: steps 0..1 at once (time-major), then step 2.
      tf.tidy(() => {
        const b = data[0].length;
        chunked.onSteps('conv1', 0, tf.tensor4d(Float32Array.from([...frame(data[0]), ...frame(data[1])]), [2 * b, 1, 1, 4]), 2);
        chunked.onSteps('conv1', 2, tf.tensor4d(frame(data[2]), [b, 1, 1, 4]), 1);
      });
    };
    run(spikes);
    run([[4], [1], [0]]); // run 2: one more image
    for (const c of [bySteps, chunked]) {
      expect(c.imageCounts('conv1')).toEqual([[1, 4, 2], [3, 0, 2], [4, 1, 0]]);
      expect(c.counts('conv1')).toEqual(totalsOnly.counts('conv1'));
      expect(c.rates('conv1')).toEqual(totalsOnly.rates('conv1'));
    }
    expect(totalsOnly.counts('conv1')).toEqual([8, 5, 4]);
    expect(() => totalsOnly.imageCounts('conv1')).toThrow('imageCounts needs a counter made with perImage: true');
    // A step whose batch differs from its run's is refused (the images would be misattributed).
    expect(() => tf.tidy(() => bySteps.onStep('conv1', 1, tf.zeros([2, 1, 1, 4]) as tf.Tensor4D))).toThrow('step 1 has a batch of 2 images but its run started with 1');
    expect(tf.memory().numTensors).toBe(before);
  });
});
