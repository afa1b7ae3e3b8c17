import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SpikeRateMap } from '../../lib/explain/rate';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('cpu'));

describe('SpikeRateMap', () => {
  it('is the running mean over steps of the channel-summed spikes, per pixel and image', () => {
    const rate = new SpikeRateMap({ layers: ['blockA'] });
    rate.begin({ timesteps: 3, batch: 2, inputHeight: 4, inputWidth: 2 });
    // [B=2, H=1, W=2, C=2]; image 0 pixel 0 spikes in both channels at t = 0, one channel at t = 2.
    const steps = [
      [[1, 1], [0, 0], [0, 1], [0, 0]],
      [[0, 0], [1, 0], [0, 1], [0, 0]],
      [[1, 0], [0, 0], [0, 1], [1, 1]],
    ];
    steps.forEach((s, t) => {
      const x = tf.tensor4d(s.flat(), [2, 1, 2, 2]);
      rate.onStep('blockA', t, x);
      x.dispose();
    });
    expect(Array.from(rate.map('blockA', 0, 0).data)).toEqual([2, 0]);
    expect(Array.from(rate.map('blockA', 2, 0).data)).toEqual([1, 1 / 3].map((v) => Math.fround(v)));
    expect(Array.from(rate.map('blockA', 2, 1).data)).toEqual([1, 2 / 3].map((v) => Math.fround(v)));
    expect(rate.series('blockA', 'upsampled', 1)[2].height).toBe(4);
    expect(() => rate.onStep('blockA', 5, tf.zeros([2, 1, 2, 2]) as tf.Tensor4D)).toThrow('SpikeRateMap: blockA got step 5, expected 3');
    rate.dispose();
  });
});
