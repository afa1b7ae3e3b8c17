/** Conv border padding: replicate padding leaves a uniform input uniform; zeros make an edge. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { conv3x3, vggArch } from '../../lib/model/vgg';
import { SPIKING_LAYERS, SpikingVgg } from '../../lib/snn/network';
import { simulate } from '../../lib/snn/simulate';
import { SpikeActivationMap } from '../../lib/explain/sam';
import { Rng } from '../../lib/random';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('node'));

describe('conv3x3 padding', () => {
  it('on a uniform input: replicate gives the interior value at the border too, zeros does not', () => {
    const x = tf.fill([1, 4, 4, 1], 2) as tf.Tensor4D;
    const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    expect(Array.from(conv3x3(x, w, 'replicate').dataSync())).toEqual(new Array(16).fill(18));
    const z = Array.from(conv3x3(x, w, 'zeros').dataSync());
    expect([z[0], z[1], z[5]]).toEqual([8, 12, 18]); // corner, edge, interior
  });

  it('replicate padding copies the edge row, not a mirror of the next one (hand-computed)', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const w = tf.tensor4d([1, 0, 0, 0, 0, 0, 0, 0, 0], [3, 3, 1, 1]); // picks the top-left neighbour
    expect(Array.from(conv3x3(x, w, 'replicate').dataSync())).toEqual([1, 1, 1, 1]);
    expect(Array.from(conv3x3(x, w, 'zeros').dataSync())).toEqual([0, 0, 0, 1]);
  });

  it('is differentiable (the SNN trains through it) and refused when unknown', () => {
    const w = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const g = tf.grad((x: tf.Tensor) => tf.sum(conv3x3(x as tf.Tensor4D, w, 'replicate')))(tf.ones([1, 5, 5, 2]));
    expect(g.shape).toEqual([1, 5, 5, 2]);
    // With w = 1 everywhere, d(sum)/dx counts the windows that see a pixel or its copies:
    // 9 everywhere with replicate padding (each output window holds 9 inputs, copies included),
    // 4 at a corner and 6 at an edge with zeros.
    const ones = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    const count = (p: 'zeros' | 'replicate') => Array.from(tf.grad((x: tf.Tensor) => tf.sum(conv3x3(x as tf.Tensor4D, ones, p)))(tf.ones([1, 3, 3, 1])).dataSync());
    expect(count('zeros')).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    expect(count('replicate')).toEqual(new Array(9).fill(9));
    expect(() => vggArch(0.125, 10, 3, 'reflect' as never)).toThrow(/padding must be one of zeros, replicate, got 'reflect'/);
  });

  it('an SNN on an all-black input: the border ring of SAM carries its area share with replicate padding, not with zeros', () => {
    const shares = (padding: 'zeros' | 'replicate') => {
      const net = SpikingVgg.create({ arch: vggArch(0.125, 4, 3, padding), timesteps: 6, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 0.5), order: 'integrate-then-fire', reset: 'subtract', bntt: false }, new Rng(3));
      // Constant −1 input everywhere (the signed encoder's black background, deterministically).
      const source = { step: () => tf.fill([1, 32, 32, 3], -1) as tf.Tensor4D };
      const sam = new SpikeActivationMap({ layers: ['conv4'], gamma: 0.5 });
      simulate(net, source, { timesteps: 6, observers: [sam] }).dispose();
      const total = new Float32Array(64);
      for (let t = 0; t < 6; t++) sam.map('conv4', t).data.forEach((v, i) => { total[i] += v; });
      net.dispose();
      // Share of the map's energy on the outer ring (28 of 64 pixels) of the 8×8 conv4 map.
      let ring = 0, all = 0;
      total.forEach((v, i) => { const y = Math.floor(i / 8), x = i % 8; all += v; if (y === 0 || x === 0 || y === 7 || x === 7) ring += v; });
      return { energyShare: all > 0 ? ring / all : 0, areaShare: 28 / 64 };
    };
    const r = shares('replicate'), z = shares('zeros');
    // Uniform input, replicate padding: the map is uniform (or empty), so the ring holds its area share.
    if (r.energyShare > 0) expect(Math.abs(r.energyShare - r.areaShare)).toBeLessThan(1e-6);
    expect(Math.abs(z.energyShare - z.areaShare)).toBeGreaterThan(0.01);
  });
});
