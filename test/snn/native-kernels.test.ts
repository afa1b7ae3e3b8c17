/**
 * The fused native kernels (lib/kernels/native) compute what lib/snn's tfjs ops compute: the LIF
 * recursion (bit-identical spikes and membranes, every order and reset, leak 1 and < 1) and its BPTT
 * (both surrogates), the adaptive-threshold LIF's likewise, BNTT's training-mode normalisation, statistics and gradients, the Poisson
 * encoder's frames (bit-identical), replicate padding with its gradient, 2×2 average pooling's gradient, per-channel biases and
 * BNTT's evaluation mode with their gradients (bit-identical), and SAM's recursion over
 * many steps (the streaming maps observers build). They must be
 * built and loaded on the native backend: scripts/setup-native.sh compiles them, and a setup that
 * silently fell back to the slow path would fail here.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Lif, type LifConfig } from '../../lib/snn/lif';
import { AdaptiveLif } from '../../lib/snn/alif';
import { Bntt } from '../../lib/snn/bntt';
import { fastSigmoid, piecewiseLinear } from '../../lib/snn/surrogate';
import { nativeKernels, nativeKernelsFile, nativeKernelsFileName, setFusedKernels } from '../../lib/kernels/native';
import { createEncoder } from '../../lib/data/encode';
import { SpikeActivationMap } from '../../lib/explain/sam';
import { SpikeRateMap } from '../../lib/explain/rate';
import { addBias, avgPool2, conv3x3 } from '../../lib/model/vgg';
import { Rng } from '../../lib/random';
import { maxAbsDiff, useBackend, values } from '../helpers/tf';

/** Runs `f` with the fused kernels and with the tfjs ops; returns both results as plain arrays. */
function both<T>(f: () => T): { fused: T; tfjs: T } {
  setFusedKernels(true);
  const fused = f();
  setFusedKernels(false);
  const tfjs = f();
  setFusedKernels(true);
  return { fused, tfjs };
}

const arr = (t: tf.Tensor) => Array.from(t.dataSync());

describe('fused native kernels', () => {
  beforeAll(async () => { await useBackend('node'); });
  afterEach(() => setFusedKernels(true));

  it('are built for the current source and load on the native backend', () => {
    expect(nativeKernelsFileName()).toMatch(/^spikelens_ops-[0-9a-f]{12}\.node$/);
    expect(nativeKernelsFile()).not.toBeNull();
    expect(nativeKernels()).not.toBeNull();
    setFusedKernels(false);
    expect(nativeKernels()).toBeNull();
  });

  const T = 6, shape = [3, 4, 4, 5];
  const n = shape.reduce((a, b) => a * b, 1);
  const cases: LifConfig[] = [];
  for (const order of ['integrate-then-fire', 'fire-then-integrate'] as const) {
    for (const reset of ['subtract', 'zero', 'none'] as const) {
      for (const leak of [1, 0.9]) cases.push({ order, reset, leak, threshold: 0.8 });
    }
  }

  it.each(cases)('LIF %o: spikes and final membrane bit-identical, gradients within float rounding', (cfg) => {
    for (const surrogate of [piecewiseLinear(0.3), fastSigmoid(5)]) {
      const lif = new Lif({ ...cfg, surrogate });
      const I = tf.tensor(values(T * n, 7).map((v) => v * 1.5 + 0.3), [T * shape[0], ...shape.slice(1)]);
      const u0 = tf.tensor(values(n, 8), shape);
      const w = tf.tensor(values(T * n, 9), I.shape);
      const r = both(() => tf.tidy(() => {
        const out = lif.run([u0], I, T);
        const inference = lif.run([u0], I, T, { differentiable: false });
        const [gI, gU] = tf.grads((x: tf.Tensor, u: tf.Tensor) => tf.sum(tf.mul(lif.run([u], x, T).spikes, w)))([I, u0]);
        return { spikes: arr(out.spikes), final: arr(out.state[0]), inf: arr(inference.spikes), infFinal: arr(inference.state[0]), gI: arr(gI), gU: arr(gU) };
      }));
      expect(r.fused.spikes).toEqual(r.tfjs.spikes);
      expect(r.fused.final).toEqual(r.tfjs.final);
      expect(r.fused.inf).toEqual(r.tfjs.spikes);
      expect(r.fused.infFinal).toEqual(r.tfjs.final);
      expect(r.fused.spikes.some((s) => s === 1) && r.fused.spikes.some((s) => s === 0)).toBe(true);
      expect(maxAbsDiff(r.fused.gI, r.tfjs.gI)).toBeLessThan(1e-5);
      expect(maxAbsDiff(r.fused.gU, r.tfjs.gU)).toBeLessThan(1e-5);
      expect(r.fused.gI.some((g) => Math.abs(g) > 1e-3)).toBe(true);
      tf.dispose([I, u0, w]);
    }
  });

  const alifCases = (['subtract', 'zero', 'none'] as const).flatMap((reset) => [1, 0.9].map((leak) => ({ reset, leak })));
  it.each(alifCases)('ALIF %o: spikes and final state (membrane, trace) bit-identical to stepping, gradients within float rounding', ({ reset, leak }) => {
    for (const surrogate of [piecewiseLinear(0.3), fastSigmoid(5)]) {
      const alif = new AdaptiveLif({ leak, threshold: 0.8, adaptation: 0.4, decay: 0.7, order: 'integrate-then-fire', reset, surrogate });
      const I = tf.tensor(values(T * n, 17).map((v) => v * 1.5 + 0.3), [T * shape[0], ...shape.slice(1)]);
      const u0 = tf.tensor(values(n, 18), shape);
      const a0 = tf.tensor(values(n, 19).map((v) => Math.abs(v)), shape);
      const w = tf.tensor(values(T * n, 20), I.shape);
      const r = both(() => tf.tidy(() => {
        const out = alif.run([u0, a0], I, T);
        const inference = alif.run([u0, a0], I, T, { differentiable: false });
        const [gI, gU, gA] = tf.grads((x: tf.Tensor, u: tf.Tensor, a: tf.Tensor) => tf.sum(tf.mul(alif.run([u, a], x, T).spikes, w)))([I, u0, a0]);
        return { spikes: arr(out.spikes), u: arr(out.state[0]), a: arr(out.state[1]), inf: arr(inference.spikes), infA: arr(inference.state[1]), gI: arr(gI), gU: arr(gU), gA: arr(gA) };
      }));
      expect(r.fused.spikes).toEqual(r.tfjs.spikes);
      expect(r.fused.u).toEqual(r.tfjs.u);
      expect(r.fused.a).toEqual(r.tfjs.a);
      expect(r.fused.inf).toEqual(r.tfjs.spikes);
      expect(r.fused.infA).toEqual(r.tfjs.a);
      expect(r.fused.spikes.some((s) => s === 1) && r.fused.spikes.some((s) => s === 0)).toBe(true);
      for (const g of ['gI', 'gU', 'gA'] as const) {
        expect(maxAbsDiff(r.fused[g], r.tfjs[g]), g).toBeLessThan(1e-5);
        expect(r.fused[g].some((x) => Math.abs(x) > 1e-3), g).toBe(true);
      }
      tf.dispose([I, u0, a0, w]);
    }
  });

  it('BNTT training step: output, γ and input gradients, and the running statistics it records', () => {
    const steps = 4, C = 6;
    const x = tf.tensor(values(steps * 3 * 5 * 5 * C, 11).map((v) => v * 2 + 0.5), [steps * 3, 5, 5, C]);
    const w = tf.tensor(values(x.size, 12), x.shape);
    const r = both(() => {
      const bn = new Bntt('bn', C, steps);
      bn.gamma.assign(tf.tensor(values(steps * C, 13).map((v) => 1 + v), [steps, C]) as tf.Tensor2D);
      const out = tf.tidy(() => {
        const y = bn.applySteps(x, 0, steps, true);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.applySteps(x, 0, steps, true), w)) as tf.Scalar, [bn.gamma]);
        const gx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(bn.applySteps(v, 0, steps, true), w)))(x);
        return { y: arr(y), loss: value.dataSync()[0], gGamma: arr(grads[bn.gamma.name]), gx: arr(gx) };
      });
      bn.commitAverage();
      const stats = { mean: arr(bn.runningMean), variance: arr(bn.runningVar) };
      bn.dispose();
      return { ...out, ...stats };
    });
    expect(maxAbsDiff(r.fused.y, r.tfjs.y)).toBeLessThan(1e-5);
    expect(Math.abs(r.fused.loss - r.tfjs.loss)).toBeLessThan(1e-3);
    expect(maxAbsDiff(r.fused.gGamma, r.tfjs.gGamma)).toBeLessThan(1e-3);
    expect(maxAbsDiff(r.fused.gx, r.tfjs.gx)).toBeLessThan(1e-4);
    expect(maxAbsDiff(r.fused.mean, r.tfjs.mean)).toBeLessThan(1e-5);
    expect(maxAbsDiff(r.fused.variance, r.tfjs.variance)).toBeLessThan(1e-4);
    // The statistics are the data's, not the defaults (0 and 1).
    expect(r.fused.mean.some((m) => Math.abs(m) > 0.1)).toBe(true);
    tf.dispose([x, w]);
  });

  it.each(['signed', 'rate'] as const)('Poisson encoder (%s): frames bit-identical to the JavaScript generator, one step and many', (variant) => {
    // Pixel values from 0 to 1 inclusive: probabilities 0 and 1 (and, signed, both signs) occur.
    const images = tf.tensor4d(values(2 * 7 * 5 * 3, 21).map((v) => Math.min(1, Math.max(0, v + 0.5))), [2, 7, 5, 3]);
    const r = both(() => {
      const enc = createEncoder(variant, images, new Rng(5));
      const one = enc.step(3);
      const many = enc.steps(2, 4);
      // 9 steps: the kernel runs steps four generators at a time, so two full groups and a lone step.
      const nine = enc.steps(1, 9);
      const bitsOf = (t: tf.Tensor) => Array.from(new Uint32Array(new Float32Array(arr(t)).buffer));
      const out = { one: arr(one), many: arr(many), bits: bitsOf(many), nineBits: bitsOf(nine) };
      tf.dispose([one, many, nine]);
      enc.dispose();
      return out;
    });
    expect(r.fused.bits).toEqual(r.tfjs.bits);
    expect(r.fused.nineBits).toEqual(r.tfjs.nineBits);
    expect(r.fused.one).toEqual(r.tfjs.one);
    // steps(1, 9) holds steps(2, 4) at frames 1..4.
    expect(r.fused.nineBits.slice(images.size, 5 * images.size)).toEqual(r.fused.bits);
    // Step 3 is the second frame of steps(2, 4); the frames are not all alike or all silent.
    expect(r.fused.many.slice(images.size, 2 * images.size)).toEqual(r.fused.one);
    expect(new Set(r.fused.many).size).toBe(variant === 'signed' ? 3 : 2);
    images.dispose();
  });

  it('replicate padding (MirrorPad and the fused gradient): conv output and both gradients bit-identical', () => {
    const x = tf.tensor4d(values(2 * 6 * 5 * 3, 31), [2, 6, 5, 3]);
    const w = tf.tensor4d(values(3 * 3 * 3 * 4, 32), [3, 3, 3, 4]);
    const dy = tf.tensor4d(values(2 * 6 * 5 * 4, 33), [2, 6, 5, 4]);
    const r = both(() => tf.tidy(() => {
      const y = conv3x3(x, w, 'replicate');
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv3x3(a as tf.Tensor4D, b as tf.Tensor4D, 'replicate'), dy)))([x, w]);
      return { y: arr(y), gx: arr(gx), gw: arr(gw) };
    }));
    expect(r.fused.y).toEqual(r.tfjs.y);
    expect(r.fused.gx).toEqual(r.tfjs.gx);
    expect(r.fused.gw).toEqual(r.tfjs.gw);
    // The edge pixels' gradient includes what their padded copies received (not just the interior).
    const plain = tf.tidy(() => arr(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, w, 1, 'same'), dy)))(x)));
    expect(maxAbsDiff(r.fused.gx, plain)).toBeGreaterThan(1e-3);
    tf.dispose([x, w, dy]);
  });

  it('replicate padding: the fused copy equals MirrorPad (SYMMETRIC, pad 1) bit for bit, one-pixel images included', () => {
    const kernels = nativeKernels();
    expect(kernels).not.toBeNull();
    for (const shape of [[3, 5, 7, 4], [2, 1, 1, 3], [1, 1, 6, 2], [2, 4, 1, 1]] as Array<[number, number, number, number]>) {
      const x = tf.tensor4d(values(shape.reduce((a, b) => a * b, 1), 5), shape);
      const fused = kernels!.replicatePad(x);
      const mirror = tf.mirrorPad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], 'symmetric');
      expect(fused.shape).toEqual([shape[0], shape[1] + 2, shape[2] + 2, shape[3]]);
      expect(arr(fused)).toEqual(arr(mirror));
      tf.dispose([x, fused, mirror]);
    }
  });

  it('BNTT in evaluation mode: output and the x and γ gradients bit-identical to the tfjs ops, steps past the trained T included', () => {
    const steps = 4, C = 6;
    const x = tf.tensor(values(steps * 3 * 5 * 5 * C, 14).map((v) => v * 2 + 0.5), [steps * 3, 5, 5, C]);
    const w = tf.tensor(values(x.size, 15), x.shape);
    const bits = (t: tf.Tensor) => Array.from(new Uint32Array(new Float32Array(arr(t)).buffer));
    const r = both(() => {
      const bn = new Bntt('bn', C, 3);
      bn.gamma.assign(tf.tensor(values(3 * C, 16).map((v) => 1 + v), [3, C]) as tf.Tensor2D);
      bn.runningMean.assign(tf.tensor(values(3 * C, 17), [3, C]) as tf.Tensor2D);
      bn.runningVar.assign(tf.tensor(values(3 * C, 18).map((v) => 0.5 + Math.abs(v)), [3, C]) as tf.Tensor2D);
      const out = tf.tidy(() => {
        // Steps 1..4 of a net trained for 3: the last step's statistics serve step 4.
        const y = bn.applySteps(x, 1, steps, false);
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.applySteps(x, 1, steps, false), w)) as tf.Scalar, [bn.gamma]);
        const gx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(bn.applySteps(v, 1, steps, false), w)))(x);
        return { y: bits(y), gGamma: bits(grads[bn.gamma.name]), gx: bits(gx) };
      });
      bn.dispose();
      return out;
    });
    for (const k of ['y', 'gx', 'gGamma'] as const) expect(r.fused[k], k).toEqual(r.tfjs[k]);
    expect(new Set(r.fused.gGamma).size).toBeGreaterThan(1);
    tf.dispose([x, w]);
  });

  it('per-channel bias (a converted net\'s): output and both gradients bit-identical to tf.add', () => {
    const x = tf.tensor4d(values(2 * 4 * 3 * 5, 71), [2, 4, 3, 5]);
    const b = tf.variable(tf.tensor1d(values(5, 72)));
    const w = tf.tensor4d(values(x.size, 73), x.shape);
    const bits = (t: tf.Tensor) => Array.from(new Uint32Array(new Float32Array(arr(t)).buffer));
    const r = both(() => tf.tidy(() => {
      const y = addBias(x, b);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(addBias(x, b), w)) as tf.Scalar, [b]);
      const gx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(addBias(v, b), w)))(x);
      return { y: bits(y), gb: bits(grads[b.name]), gx: bits(gx) };
    }));
    for (const k of ['y', 'gb', 'gx'] as const) expect(r.fused[k], k).toEqual(r.tfjs[k]);
    expect(r.fused.gb.length).toBe(5);
    tf.dispose([x, b, w]);
  });

  it('Poisson kernel: four generators side by side give the bits of one at a time, for any number of steps; other lane counts are refused', () => {
    const kernels = nativeKernels()!;
    const prob = tf.tensor1d(values(97, 51).map((v) => Math.min(1, Math.abs(v))));
    const sign = tf.sign(tf.tensor1d(values(97, 52)));
    for (const k of [1, 3, 4, 6, 9]) {
      const states = new Int32Array(4 * k);
      for (let j = 0; j < k; j++) states.set(new Rng(60 + j).state(), 4 * j);
      const four = kernels.poisson(prob, sign, states, 4), one = kernels.poisson(prob, sign, states, 1);
      expect(four.shape).toEqual([k, 97]);
      expect(arr(four)).toEqual(arr(one));
      tf.dispose([four, one]);
    }
    expect(() => kernels.poisson(prob, sign, new Int32Array(4), 2 as 4)).toThrow(/lanes must be 1 or 4/);
    tf.dispose([prob, sign]);
  });

  it('2×2 average pooling: the fused gradient equals TensorFlow\'s AvgPoolGrad bit for bit, odd sizes included', () => {
    for (const shape of [[3, 6, 8, 5], [2, 7, 5, 3], [1, 2, 2, 1]] as Array<[number, number, number, number]>) {
      const x = tf.tensor4d(values(shape.reduce((a, b) => a * b, 1), 41), shape);
      const dy = tf.tensor4d(values(shape[0] * Math.floor(shape[1] / 2) * Math.floor(shape[2] / 2) * shape[3], 42), [shape[0], Math.floor(shape[1] / 2), Math.floor(shape[2] / 2), shape[3]]);
      const r = both(() => tf.tidy(() => {
        const y = avgPool2(x);
        const gx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(avgPool2(a as tf.Tensor4D), dy)))(x);
        return { y: arr(y), gx: Array.from(new Uint32Array(new Float32Array(arr(gx)).buffer)) };
      }));
      expect(r.fused.y).toEqual(r.tfjs.y);
      expect(r.fused.gx).toEqual(r.tfjs.gx);
      // A quarter of dy at each covered pixel; an odd trailing row or column gets nothing.
      const gx = new Float32Array(new Uint32Array(r.fused.gx).buffer);
      const [, h, w, c] = shape;
      expect(gx[0]).toBe(Math.fround(dy.dataSync()[0] / 4));
      if (h % 2 === 1) expect(Array.from(gx.subarray((h - 1) * w * c, h * w * c)).every((v) => v === 0)).toBe(true);
      tf.dispose([x, dy]);
    }
  });

  it('SAM over many steps (paper variant): the fused kernel gives the per-step maps and carries the state across chunks', () => {
    const T = 9, shape = [2, 3, 4, 5];
    const n = shape.reduce((a, b) => a * b, 1);
    const spikes = tf.tensor4d(values(T * n, 41).map((v) => (v > 0.1 ? 1 : 0)), [T * shape[0], shape[1], shape[2], shape[3]]);
    const maps = (fused: boolean, variant: 'paper' | 'reference') => {
      setFusedKernels(fused);
      const sam = new SpikeActivationMap({ layers: ['conv2'], gamma: 0.3, variant });
      sam.begin({ timesteps: T, batch: 2, inputHeight: 8, inputWidth: 8 });
      // Two chunks (4 + 5 steps) as a chunked simulation delivers them.
      const first = tf.slice(spikes, [0, 0, 0, 0], [4 * 2, 3, 4, 5]), second = tf.slice(spikes, [4 * 2, 0, 0, 0], [5 * 2, 3, 4, 5]);
      sam.onSteps('conv2', 0, first as tf.Tensor4D, 4);
      sam.onSteps('conv2', 4, second as tf.Tensor4D, 5);
      const out = Array.from({ length: T }, (_, t) => [0, 1].flatMap((b) => Array.from(sam.map('conv2', t, b).data))).flat();
      tf.dispose([first, second]);
      sam.dispose();
      setFusedKernels(true);
      return out;
    };
    const before = tf.memory().numTensors;
    const tfjs = maps(false, 'paper'), fused = maps(true, 'paper');
    // Neither path leaves a tensor behind (state freed on dispose, intermediates in tidies).
    expect(tf.memory().numTensors).toBe(before);
    expect(tfjs.some((v) => v > 1)).toBe(true);
    for (let i = 0; i < tfjs.length; i++) expect(Math.abs(fused[i] - tfjs[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, tfjs[i]));
    // The reference variant has no kernel: the same per-step path either way.
    expect(maps(true, 'reference')).toEqual(maps(false, 'reference'));
    spikes.dispose();
  });

  it('firing-rate map over many steps: the same bits as step by step', () => {
    const T = 7;
    const spikes = tf.tensor4d(values(T * 2 * 3 * 3 * 4, 51).map((v) => (v > 0 ? 1 : 0)), [T * 2, 3, 3, 4]);
    const rate = (chunked: boolean) => {
      const m = new SpikeRateMap({ layers: ['conv3'] });
      m.begin({ timesteps: T, batch: 2, inputHeight: 6, inputWidth: 6 });
      if (chunked) {
        const a = tf.slice(spikes, [0, 0, 0, 0], [3 * 2, 3, 3, 4]) as tf.Tensor4D, b = tf.slice(spikes, [3 * 2, 0, 0, 0], [4 * 2, 3, 3, 4]) as tf.Tensor4D;
        m.onSteps('conv3', 0, a, 3);
        m.onSteps('conv3', 3, b, 4);
        tf.dispose([a, b]);
      } else {
        for (let t = 0; t < T; t++) {
          const f = tf.slice(spikes, [t * 2, 0, 0, 0], [2, 3, 3, 4]) as tf.Tensor4D;
          m.onStep('conv3', t, f);
          f.dispose();
        }
      }
      const out = Array.from({ length: T }, (_, t) => [0, 1].flatMap((b) => Array.from(m.map('conv3', t, b).data))).flat();
      m.dispose();
      return out;
    };
    const stepwise = rate(false);
    expect(rate(true)).toEqual(stepwise);
    expect(new Set(stepwise).size).toBeGreaterThan(3);
    spikes.dispose();
  });
});
