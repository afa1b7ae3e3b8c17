import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { allocateDataset } from '../../lib/data/dataset';
import { createEncoder, describeEncoder, expectedSpikes, IMAGENET_STD, sameEncoder, type EncoderSpec } from '../../lib/data/encode';
import { datasetNormalisation, encoderFromMeta, encoderMeta, encoderSpecFor } from '../../lib/data/normalisation';
import { attackExpectedSpikes } from '../../lib/attack/fgsm';
import { Rng } from '../../lib/random';
import { maxAbsDiff, useBackend } from '../helpers/tf';

beforeAll(() => useBackend('wasm'));

/** Two 1×2 images: pixels (0, 255) and (51, 102) in R, twice that spread in G, B constant 10 except one pixel. */
function tiny() {
  const ds = allocateDataset('tiny', ['a'], 1, 2, 2);
  ds.images.set([0, 0, 10, 255, 255, 10, 51, 0, 10, 102, 255, 20]);
  return ds;
}

const SPEC: EncoderSpec = { variant: 'signed', normalisation: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } };

describe('input normalisation of the signed encoder', () => {
  it('datasetNormalisation: per-channel mean and population std on the 0..1 scale', () => {
    const { mean, std } = datasetNormalisation(tiny());
    const r = [0, 255, 51, 102].map((v) => v / 255), g = [0, 255, 0, 255].map((v) => v / 255), b = [10, 10, 10, 20].map((v) => v / 255);
    const m = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    const sd = (xs: number[]) => Math.sqrt(m(xs.map((x) => x * x)) - m(xs) ** 2);
    [r, g, b].forEach((xs, c) => {
      expect(mean[c]).toBeCloseTo(m(xs), 5);
      expect(std[c]).toBeCloseTo(sd(xs), 5);
    });
  });

  it('a constant channel or an empty set is an error naming the data set', () => {
    const flat = allocateDataset('flat', ['a'], 1, 2, 2);
    expect(() => datasetNormalisation(flat)).toThrow(/flat: a colour channel is constant/);
    expect(() => datasetNormalisation(allocateDataset('none', ['a'], 1, 2, 0))).toThrow(/none: cannot take pixel statistics of an empty data set/);
  });

  it('encoderSpecFor: rate stays rate, imagenet is a bare signed, dataset carries the training set statistics', () => {
    const ds = tiny();
    expect(encoderSpecFor('rate', 'dataset', ds)).toBe('rate');
    expect(encoderSpecFor('signed', 'imagenet', ds)).toBe('signed');
    expect(encoderSpecFor('signed', 'dataset', ds)).toEqual({ variant: 'signed', normalisation: datasetNormalisation(ds) });
  });

  it('expected spikes use the spec\'s statistics: clip((x − mean)/std/2, −1, 1); the black pixel of a dark data set is no longer saturated', () => {
    const img = tf.tensor4d([0, 0, 0, 0.5, 0.5, 0.5, 0.55, 0.55, 0.55, 1, 1, 1], [1, 1, 4, 3]);
    const e = expectedSpikes(SPEC, img);
    expect(maxAbsDiff(e.dataSync(), [-1, -1, -1, 0, 0, 0, 0.1, 0.1, 0.1, 1, 1, 1])).toBeLessThan(1e-6);
    // ImageNet statistics: black is −2.1 std in R, so a black background spikes −1 on every step (R, G) or 90 % of them (B).
    const imagenet = expectedSpikes('signed', img);
    expect(Array.from(imagenet.dataSync()).slice(0, 2)).toEqual([-1, -1]);
    expect(imagenet.dataSync()[2]).toBeCloseTo(-0.406 / 0.225 / 2, 5);
    const dark: EncoderSpec = { variant: 'signed', normalisation: { mean: [0.12, 0.12, 0.12], std: [0.26, 0.26, 0.26] } };
    const d = expectedSpikes(dark, img);
    expect(d.dataSync()[0]).toBeCloseTo(-0.12 / 0.26 / 2, 5);
    // The encoder fires with those probabilities: pixel 0.55 under SPEC spikes +1 on about 10 % of steps.
    const enc = createEncoder(SPEC, img, new Rng(3));
    let plus = 0, minus = 0;
    for (let t = 0; t < 400; t++) {
      const s = enc.step(t);
      const v = s.dataSync();
      plus += v[6] === 1 ? 1 : 0;
      minus += v[0] === -1 ? 1 : 0;
      s.dispose();
    }
    expect(minus).toBe(400);
    expect(Math.abs(plus / 400 - 0.1)).toBeLessThan(4.5 * Math.sqrt(0.1 * 0.9 / 400));
    enc.dispose();
    [img, e, imagenet, d].forEach((t) => t.dispose());
  });

  it('the attack\'s straight-through slope is 1/(2·std) of the spec\'s statistics', () => {
    const x = tf.tensor4d([0.5, 0.5, 0.5], [1, 1, 1, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(attackExpectedSpikes(SPEC, v as tf.Tensor4D)))(x);
    expect(maxAbsDiff(g.dataSync(), [2, 2, 2])).toBeLessThan(1e-6);
    const gi = tf.grad((v: tf.Tensor) => tf.sum(attackExpectedSpikes('signed', v as tf.Tensor4D)))(x);
    expect(maxAbsDiff(gi.dataSync(), IMAGENET_STD.map((s) => 1 / (2 * s)))).toBeLessThan(1e-5);
    [x, g, gi].forEach((t) => t.dispose());
  });

  it('checkpoint metadata round-trips the spec; a bare encoder means ImageNet statistics; malformed fields name the file', () => {
    expect(encoderFromMeta(encoderMeta(SPEC), 'a.ckpt')).toEqual(SPEC);
    expect(encoderFromMeta(encoderMeta('signed'), 'a.ckpt')).toBe('signed');
    expect(encoderFromMeta(encoderMeta('rate'), 'a.ckpt')).toBe('rate');
    expect(encoderFromMeta({}, 'a.ckpt')).toBeNull();
    expect(() => encoderFromMeta({ encoder: 'poisson' }, 'x.ckpt')).toThrow(/x\.ckpt: metadata 'encoder'/);
    expect(() => encoderFromMeta({ encoder: 'signed', input_normalisation: { mean: [0, 0], std: [1, 1, 1] } }, 'y.ckpt')).toThrow(/y\.ckpt: metadata 'input_normalisation'/);
    expect(() => encoderFromMeta({ encoder: 'rate', input_normalisation: SPEC.normalisation }, 'z.ckpt')).toThrow(/z\.ckpt/);
  });

  it('sameEncoder compares variant and statistics; describeEncoder says which', () => {
    expect(sameEncoder('signed', 'signed')).toBe(true);
    expect(sameEncoder('signed', SPEC)).toBe(false);
    expect(sameEncoder(SPEC, { variant: 'signed', normalisation: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } })).toBe(true);
    expect(sameEncoder('rate', 'signed')).toBe(false);
    expect(describeEncoder(SPEC)).toBe('signed (mean 0.500, std 0.250)');
    expect(describeEncoder('signed')).toBe('signed (ImageNet statistics)');
  });

  it('a bad spec is one clear error', () => {
    const img = tf.zeros([1, 1, 1, 3]) as tf.Tensor4D;
    expect(() => createEncoder({ variant: 'signed', normalisation: { mean: [0, 0, 0], std: [0, 1, 1] } }, img, new Rng(1))).toThrow(/stds > 0/);
    img.dispose();
  });
});
