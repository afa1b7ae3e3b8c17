import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createEncoder, expectedSpikes, IMAGENET_MEAN, IMAGENET_STD, normalize, type EncoderVariant } from '../../lib/data/encode';
import { Rng } from '../../lib/random';
import { maxAbsDiff, useBackend } from '../helpers/tf';

beforeAll(() => useBackend('wasm'));

/** A [1, 1, n, 3] image whose pixel j has value values[j] in every channel. */
const row = (values: number[]) => tf.tensor4d(values.flatMap((v) => [v, v, v]), [1, 1, values.length, 3]);
/** A [1, 1, n, 3] image whose normalised value is xs[j] in every channel. */
const rowForNormalised = (xs: number[]) => tf.tensor4d(xs.flatMap((x) => [0, 1, 2].map((k) => IMAGENET_MEAN[k] + x * IMAGENET_STD[k])), [1, 1, xs.length, 3]);

/** Sums of spikes per element over `steps` steps, plus the set of values seen. */
function tally(variant: EncoderVariant, images: tf.Tensor4D, steps: number, seed = 1) {
  const enc = createEncoder(variant, images, new Rng(seed));
  const sum = new Float64Array(images.size);
  const seen = new Set<number>();
  for (let t = 0; t < steps; t++) {
    const s = enc.step(t);
    const v = s.dataSync();
    s.dispose();
    for (let i = 0; i < v.length; i++) { sum[i] += v[i]; seen.add(v[i]); }
  }
  enc.dispose();
  return { sum, seen };
}

/** |observed rate − p| within 4.5 binomial standard deviations (plus exactness at 0 and 1). */
function expectRate(count: number, steps: number, p: number) {
  const tol = 4.5 * Math.sqrt((p * (1 - p)) / steps);
  expect(Math.abs(count / steps - p)).toBeLessThanOrEqual(tol + 1e-12);
}

describe('spike encoders', () => {
  const STEPS = 2000;

  it('rate: firing rate equals pixel/255 (binomial tolerance); 0 never fires, 255 always', () => {
    const pixels = [0, 13, 64, 128, 200, 255];
    const img = row(pixels.map((p) => p / 255));
    const { sum, seen } = tally('rate', img, STEPS);
    expect([...seen].sort()).toEqual([0, 1]);
    pixels.forEach((p, j) => { for (let k = 0; k < 3; k++) expectRate(sum[j * 3 + k], STEPS, p / 255); });
    expect(sum[0]).toBe(0);
    expect(sum[5 * 3]).toBe(STEPS);
    img.dispose();
  });

  it('signed: spikes carry sign(x) and fire with probability min(|x|/2, 1)', () => {
    const xs = [-2, -1, -0.4, 0, 0.3, 1.2, 2.1];
    const img = rowForNormalised(xs);
    const { sum, seen } = tally('signed', img, STEPS);
    expect([...seen].sort()).toEqual([-1, 0, 1]);
    xs.forEach((x, j) => {
      for (let k = 0; k < 3; k++) {
        const count = sum[j * 3 + k];
        if (x !== 0) expect(Math.sign(count) === Math.sign(x) || count === 0).toBe(true);
        expectRate(Math.abs(count), STEPS, Math.min(Math.abs(x) / 2, 1));
      }
    });
    // Elementwise sign check: no pixel ever spikes against its sign.
    const enc = createEncoder('signed', img, new Rng(9));
    for (let t = 0; t < 50; t++) {
      const s = enc.step(t);
      const v = s.dataSync();
      s.dispose();
      xs.forEach((x, j) => { for (let k = 0; k < 3; k++) expect(v[j * 3 + k] * x).toBeGreaterThanOrEqual(0); });
    }
    enc.dispose();
    img.dispose();
  });

  it('fresh draws each step; a step replays identically; same seed, same spikes', () => {
    const img = tf.fill([2, 8, 8, 3], 0.5) as tf.Tensor4D;
    for (const variant of ['rate', 'signed'] as const) {
      const a = createEncoder(variant, img, new Rng(3)), b = createEncoder(variant, img, new Rng(3));
      const at = (e: typeof a, t: number) => { const s = e.step(t); const v = Array.from(s.dataSync()); s.dispose(); return v; };
      expect(at(a, 0)).not.toEqual(at(a, 1));
      expect(at(a, 4)).toEqual(at(a, 4));
      expect(at(a, 7)).toEqual(at(b, 7));
      const r = new Rng(3);
      const c = createEncoder(variant, img, r), d = createEncoder(variant, img, r); // same stream, two draws
      expect(at(c, 0)).not.toEqual(at(d, 0));
      [a, b, c, d].forEach((e) => e.dispose());
      expect(() => a.step(0)).toThrow('used after dispose');
    }
    img.dispose();
  });

  it('normalize and expected(): ImageNet statistics, x for rate, clip(x/2) for signed', () => {
    const img = tf.tensor4d([0, 0.5, 1, 0.485, 0.456, 0.406], [1, 1, 2, 3]);
    const n = normalize(img);
    const want = [0, 0.5, 1, 0.485, 0.456, 0.406].map((v, i) => (v - IMAGENET_MEAN[i % 3]) / IMAGENET_STD[i % 3]);
    expect(maxAbsDiff(n.dataSync(), want)).toBeLessThan(1e-5);
    const rate = createEncoder('rate', img, new Rng(1)), signed = createEncoder('signed', img, new Rng(1));
    const er = rate.expected(), es = signed.expected();
    expect(maxAbsDiff(er.dataSync(), img.dataSync())).toBe(0);
    expect(maxAbsDiff(es.dataSync(), want.map((x) => Math.sign(x) * Math.min(Math.abs(x) / 2, 1)))).toBeLessThan(1e-5);
    expect(es.shape).toEqual([1, 1, 2, 3]);
    [n, er, es].forEach((t) => t.dispose());
    rate.dispose(); signed.dispose(); img.dispose();
  });

  it('the straight-through gradient: d expected/d pixel = 1 (rate), 1/(2·std) inside the clip (signed)', () => {
    const img = rowForNormalised([-3, -0.5, 0.5, 3]);
    const gRate = tf.grad((x: tf.Tensor) => tf.sum(expectedSpikes('rate', x as tf.Tensor4D)))(img);
    expect(maxAbsDiff(gRate.dataSync(), new Array(12).fill(1))).toBeLessThan(1e-6);
    const gSigned = tf.grad((x: tf.Tensor) => tf.sum(expectedSpikes('signed', x as tf.Tensor4D)))(img);
    const want = [0, 1, 1, 0].flatMap((inside) => [0, 1, 2].map((k) => inside / (2 * IMAGENET_STD[k])));
    expect(maxAbsDiff(gSigned.dataSync(), want)).toBeLessThan(1e-4);
    [img, gRate, gSigned].forEach((t) => t.dispose());
  });

  it('leaks no tensors and rejects bad input', () => {
    const img = tf.fill([1, 4, 4, 3], 0.7) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const enc = createEncoder('signed', img, new Rng(2));
    for (let t = 0; t < 5; t++) enc.step(t).dispose();
    enc.expected().dispose();
    enc.dispose();
    expect(tf.memory().numTensors).toBe(before);
    img.dispose();
    const grey = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    expect(() => createEncoder('rate', grey, new Rng(1))).toThrow('spike encoder: expected images [B, H, W, 3], got [1, 4, 4, 1]');
    expect(() => createEncoder('poisson' as EncoderVariant, tf.zeros([1, 1, 1, 3]) as tf.Tensor4D, new Rng(1))).toThrow("unknown variant 'poisson'");
    grey.dispose();
  });
});

describe('steps(t0, k): a chunk of frames at once', () => {
  for (const variant of ['rate', 'signed'] as EncoderVariant[]) {
    it(`${variant}: equals the k frames of step(t), stacked time-major`, () => {
      const images = tf.randomUniform([2, 4, 4, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const enc = createEncoder(variant, images, new Rng(7));
      const chunk = enc.steps(3, 4);
      expect(chunk.shape).toEqual([8, 4, 4, 3]);
      const frames = tf.concat([3, 4, 5, 6].map((t) => enc.step(t)), 0);
      expect(Array.from(chunk.dataSync())).toEqual(Array.from(frames.dataSync()));
      expect(chunk.dataSync().some((v) => v !== 0)).toBe(true);
      expect(() => enc.steps(0, 0)).toThrow(/k ≥ 1/);
      enc.dispose();
    });
  }
});
