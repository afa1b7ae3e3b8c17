import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, parseBackendChoice, describeBackend } from '../lib/backend';
import { conv2DBackpropFilterWasm } from '../lib/kernels/wasm';
import { maxAbsDiff, onBackend, useBackend, values } from './helpers/tf';

type Pad = 'same' | 'valid';

/** Gradients of a conv → avg-pool → batch-norm-ish → relu → dense loss w.r.t. every input. */
function convNetGrads(xs: Float32Array, ws: Float32Array, xShape: number[], wShape: number[], stride: number, pad: Pad) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, xShape as [number, number, number, number]);
    const w = tf.tensor4d(ws, wShape as [number, number, number, number]);
    const f = (x: tf.Tensor4D, w: tf.Tensor4D) => {
      let h = tf.conv2d(x, w, stride, pad);
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-4)));
      h = tf.relu(h);
      if (h.shape[1] >= 2 && h.shape[2] >= 2) h = tf.avgPool(h, 2, 2, 'valid');
      return tf.sum(tf.square(tf.sub(h, 0.3)));
    };
    const [gx, gw] = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, w]);
    return [Array.from(gx.dataSync()), Array.from(gw.dataSync())];
  });
}

/** setup.sh builds tfjs-node from PyPI's TensorFlow unless SPIKELENS_NATIVE=0 opted out. */
const nativeExpected = (process.env.SPIKELENS_NATIVE ?? 'cpu') !== '0';

describe('backend selection', () => {
  it('auto picks the fastest backend that loads and reports why faster ones were skipped', async () => {
    const info = await initBackend({ prefer: 'auto', log: false });
    const expected = nativeExpected ? 'node' : 'wasm';
    expect(info.choice).toBe(expected);
    expect(tf.getBackend()).toBe(nativeExpected ? 'tensorflow' : 'wasm');
    expect(info.skipped.map((s) => s.split(':')[0])).toEqual(nativeExpected ? ['node-gpu'] : ['node-gpu', 'node']);
    expect(describeBackend(info)).toMatch(new RegExp(`^spikelens backend: ${expected}`));
    await useBackend('wasm');
  });

  it('a forced backend that cannot start is an error, not a silent fallback', async () => {
    await expect(initBackend({ prefer: 'node-gpu', log: false })).rejects.toThrow(/backend 'node-gpu' was requested but did not start/);
    await useBackend('wasm');
  });

  it('rejects unknown backend names with the source of the value', () => {
    expect(() => parseBackendChoice('webgpu', 'SPIKELENS_BACKEND')).toThrow("SPIKELENS_BACKEND: unknown backend 'webgpu'; expected one of auto, node-gpu, node, wasm, cpu");
  });
});

const parityBackends: Array<'wasm' | 'node'> = nativeExpected ? ['wasm', 'node'] : ['wasm'];

describe.each(parityBackends)('%s gradients match cpu', (backend) => {
  const cases: Array<[string, number[], number[], number, Pad]> = [
    ['stride 1 same', [2, 8, 8, 3], [3, 3, 3, 4], 1, 'same'],
    ['stride 1 valid', [2, 7, 7, 3], [3, 3, 3, 4], 1, 'valid'],
    ['stride 2 same, even', [2, 8, 8, 3], [3, 3, 3, 4], 2, 'same'],
    ['stride 2 same, odd', [1, 7, 9, 2], [3, 3, 2, 5], 2, 'same'],
    ['stride 2 valid, cropped tail', [2, 9, 10, 3], [2, 2, 3, 4], 2, 'valid'],
    ['1x1 filter', [2, 6, 6, 4], [1, 1, 4, 3], 1, 'same'],
  ];
  for (const [name, xShape, wShape, stride, pad] of cases) {
    it(name, async () => {
      const xs = values(xShape.reduce((a, b) => a * b), 1);
      const ws = values(wShape.reduce((a, b) => a * b), 2);
      const [wx, ww] = await onBackend(backend, () => convNetGrads(xs, ws, xShape, wShape, stride, pad));
      const [cx, cw] = await onBackend('cpu', () => convNetGrads(xs, ws, xShape, wShape, stride, pad));
      const scale = Math.max(1, ...cw.map(Math.abs));
      expect(maxAbsDiff(ww, cw) / scale).toBeLessThan(1e-4);
      expect(maxAbsDiff(wx, cx) / Math.max(1, ...cx.map(Math.abs))).toBeLessThan(1e-4);
    });
  }

  it('the filter gradient frees its intermediates', async () => {
    await useBackend(backend);
    const x = tf.tensor4d(values(2 * 8 * 8 * 3, 3), [2, 8, 8, 3]);
    const w = tf.tensor4d(values(3 * 3 * 3 * 4, 4), [3, 3, 3, 4]);
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 2, 'same')));
    g(w).dispose();
    const before = tf.memory().numBytes;
    for (let i = 0; i < 5; i++) g(w).dispose();
    expect(tf.memory().numBytes).toBe(before);
    expect(typeof conv2DBackpropFilterWasm).toBe('function');
    tf.dispose([x, w]);
  });

  it('trains a small VGG-style conv net (loss falls)', async () => {
    await useBackend(backend);
    const n = 16;
    // Two classes: a bright square top-left vs bottom-right on 16x16 noise.
    const xs = new Float32Array(n * 16 * 16 * 1);
    const labels: number[] = [];
    const noise = values(xs.length, 7);
    for (let i = 0; i < n; i++) {
      const c = i % 2;
      labels.push(c);
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) {
        const inside = c === 0 ? y < 8 && x < 8 : y >= 8 && x >= 8;
        xs[((i * 16 + y) * 16 + x)] = (inside ? 1 : 0) + 0.1 * noise[(i * 16 + y) * 16 + x];
      }
    }
    const x = tf.tensor4d(xs, [n, 16, 16, 1]);
    const y = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 2), 'float32');
    const w1 = tf.variable(tf.mul(tf.tensor4d(values(9 * 4, 11), [3, 3, 1, 4]), 0.5)) as tf.Variable<tf.Rank.R4>;
    const w2 = tf.variable(tf.mul(tf.tensor4d(values(9 * 4 * 8, 12), [3, 3, 4, 8]), 0.3)) as tf.Variable<tf.Rank.R4>;
    const wd = tf.variable(tf.mul(tf.tensor2d(values(128 * 2, 13), [128, 2]), 0.1)) as tf.Variable<tf.Rank.R2>;
    const opt = tf.train.momentum(0.05, 0.9);
    const loss = () => tf.tidy(() => {
      let h = tf.relu(tf.conv2d(x, w1, 1, 'same'));
      h = tf.avgPool(h, 2, 2, 'valid');
      h = tf.relu(tf.conv2d(h as tf.Tensor4D, w2, 2, 'same'));
      const pooled = tf.reshape(h, [n, 128]) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(y, tf.matMul(pooled, wd)) as tf.Scalar;
    });
    const first = loss().dataSync()[0];
    for (let i = 0; i < 40; i++) opt.minimize(loss);
    const last = loss().dataSync()[0];
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(first * 0.5);
  });
});
