/**
 * Grad-CAM and SNN-crafted Grad-CAM specification: the weight/combination skeleton on hand-made
 * activations and gradients, the ANN gradient against a hand-derived formula and against finite
 * differences, the SNN maps per step against their definition on independently recorded spikes,
 * and the errors a user sees.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AnnVgg } from '../../lib/ann/vgg11';
import { createEncoder } from '../../lib/data/encode';
import {
  camFromGradients, convLayer, gradCam, snnGradCam, summedGradCamWeights, weightedCam, type LayerGradients,
} from '../../lib/explain/gradcam';
import { classifierOutputTarget, classifierSoftmaxTarget } from '../../lib/explain/targets';
import { vggArch } from '../../lib/model/vgg';
import { Rng } from '../../lib/random';
import { SPIKING_LAYERS, SpikingVgg } from '../../lib/snn/network';
import type { LayerName } from '../../lib/snn/observer';
import { simulate } from '../../lib/snn/simulate';
import { useBackend, values } from '../helpers/tf';

/** Hand-made LayerGradients: per step [B,h,w,C] activations and gradients given channel-last. */
function handMade(acts: number[][], grads: number[][], shape: [number, number, number, number]): LayerGradients {
  return {
    layer: 'conv4',
    activations: acts.map((a) => tf.tensor4d(a, shape)),
    gradients: grads.map((g) => tf.tensor4d(g, shape)),
    logits: tf.zeros([shape[0], 3]) as tf.Tensor2D,
    targets: new Array(shape[0]).fill(0),
    inputHeight: 4,
    inputWidth: 4,
  };
}

/** Channel-last [1,2,2,2] data from two 2×2 channel planes. */
const planes = (c0: number[], c1: number[]) => c0.flatMap((v, i) => [v, c1[i]]);

const tinyArch = () => vggArch(1 / 64, 3); // channels 1,2,4,4,8,8,8,8; fc 64; 3 classes

function tinySnn(timesteps: number): SpikingVgg {
  // Low thresholds so spikes reach the output within a few steps of a random network.
  return SpikingVgg.create({
    arch: vggArch(0.0625, 3), timesteps, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 0.3),
    order: 'integrate-then-fire', reset: 'subtract', bntt: true,
  }, new Rng(11));
}

describe('Grad-CAM skeleton (hand-computed)', () => {
  beforeAll(async () => {
    await useBackend('node');
  });

  it('w_k = spatial mean of the gradients, map = ReLU(Σ_k w_k A^k), normalised and upsampled like SAM', () => {
    // A^0 = [[1,0],[2,1]], A^1 = [[0,3],[1,0]]; mean ∂y/∂A^0 = (1+1+3-1)/4 = 1, mean ∂y/∂A^1 = -4/4 = -1
    // → ReLU(A^0 - A^1) = ReLU([[1,-3],[1,1]]) = [[1,0],[1,1]].
    const g = handMade([planes([1, 0, 2, 1], [0, 3, 1, 0])], [planes([1, 1, 3, -1], [-2, 0, 0, -2])], [1, 2, 2, 2]);
    const cam = camFromGradients(g);
    expect(cam.steps).toBe(1);
    expect(Array.from(cam.weights(0))).toEqual([1, -1]);
    expect(Array.from(cam.map(0).data)).toEqual([1, 0, 1, 1]);
    expect(Array.from(cam.normalised(0).data)).toEqual([1, 0, 1, 1].map((v) => expect.closeTo(v / (1 + 1e-3), 6)));
    const up = cam.upsampled(0);
    expect([up.height, up.width]).toEqual([4, 4]);
    tf.dispose([...g.activations, ...g.gradients, g.logits]);
  });

  it('summed weighting: α^k = Σ_t α^k_t, the same for every step; per step differs as defined', () => {
    // Step 0 as above (α_0 = [1, -1]); step 1: A = [[1,1],[0,0]] / [[0,0],[1,2]], α_1 = [0.5, 2].
    const acts = [planes([1, 0, 2, 1], [0, 3, 1, 0]), planes([1, 1, 0, 0], [0, 0, 1, 2])];
    const grads = [planes([1, 1, 3, -1], [-2, 0, 0, -2]), planes([2, 0, 0, 0], [2, 2, 2, 2])];
    const g = handMade(acts, grads, [1, 2, 2, 2]);
    const perStep = camFromGradients(g);
    const summed = camFromGradients(g, summedGradCamWeights);
    expect([Array.from(perStep.weights(0)), Array.from(perStep.weights(1))]).toEqual([[1, -1], [0.5, 2]]);
    expect([Array.from(summed.weights(0)), Array.from(summed.weights(1))]).toEqual([[1.5, 1], [1.5, 1]]);
    // Per step, t = 1: ReLU(0.5·A^0 + 2·A^1) = [[0.5,0.5],[2,4]]. Summed, t = 0: ReLU(1.5·A^0 + A^1) = [[1.5,3],[4,1.5]].
    expect(Array.from(perStep.map(1).data)).toEqual([0.5, 0.5, 2, 4]);
    expect(Array.from(summed.map(0).data)).toEqual([1.5, 3, 4, 1.5]);
    expect(Array.from(summed.map(1).data)).toEqual([1.5, 1.5, 1, 2]);
    tf.dispose([...g.activations, ...g.gradients, g.logits]);
  });

  it('refuses mismatched shapes, empty maps and layers outside conv1..conv8, in one line', () => {
    const bad = handMade([planes([1, 0, 2, 1], [0, 3, 1, 0])], [planes([1, 1, 3, -1], [-2, 0, 0, -2])], [1, 2, 2, 2]);
    const wrong = tf.zeros([1, 2, 1, 2]) as tf.Tensor4D;
    expect(() => camFromGradients({ ...bad, gradients: [wrong] })).toThrow(/gradients\[0\] has shape \[1, 2, 1, 2\], expected \[1, 2, 2, 2\]/);
    expect(() => camFromGradients({ ...bad, activations: [], gradients: [] })).toThrow(/no steps/);
    expect(() => camFromGradients({ ...bad, gradients: [] })).toThrow(/0 gradient maps for 1 activation maps/);
    const empty = tf.zeros([1, 0, 2, 2]) as tf.Tensor4D;
    expect(() => camFromGradients({ ...bad, activations: [empty], gradients: [empty] })).toThrow(/empty activation maps/);
    expect(() => weightedCam(bad.activations[0], tf.zeros([1, 3]) as tf.Tensor2D)).toThrow(/weights \[1, 3\] do not match activations \[1, 2, 2, 2\]/);
    for (const l of [0, 9, 'conv9', 'fc1', '']) expect(() => convLayer(l)).toThrow(/not a conv layer of VGG11; use conv1..conv8 \(or 1..8\)/);
    expect([convLayer(4), convLayer('4'), convLayer('conv8')]).toEqual(['conv4', 'conv4', 'conv8']);
    expect(() => classifierOutputTarget(-1)).toThrow(/not a class index/);
    tf.dispose([...bad.activations, ...bad.gradients, bad.logits, wrong, empty]);
  });
});

describe('ANN Grad-CAM', () => {
  beforeAll(async () => {
    await useBackend('node');
  });

  it('at conv8 matches the hand-derived gradient: w_k = (1/hw)·Σ_m W1[k,m]·W2[m,c] when every fc1 unit is active', () => {
    const arch = tinyArch();
    const ann = AnnVgg.create(arch, new Rng(5)); // a seed whose random conv stack is not dead
    // fc1 weights (k+1)/10 ≥ 0: every fc1 pre-activation is Σ_k v_k (k+1)/10 > 0, so ReLU passes
    // the gradient and ∂y_c/∂A^k_ij = (1/hw)·(k+1)/10·Σ_m W2[m,c], the same at every position.
    const c8 = arch.channels[7];
    ann.weights.fc1.assign(tf.tensor2d(Array.from({ length: c8 * arch.hidden }, (_, i) => (Math.floor(i / arch.hidden) + 1) / 10), [c8, arch.hidden]));
    const w2 = ann.weights.fc2.arraySync();
    const x = tf.tensor4d(values(2 * 32 * 32 * 3, 5).map((v) => (v + 1) / 2), [2, 32, 32, 3]);
    const targets = [2, 0];
    const before = tf.memory().numTensors;
    const cam = gradCam(ann, x, { layer: 8, targets, variant: 'rate' });
    expect(tf.memory().numTensors).toBe(before); // nothing leaked
    const acts = ann.forward(x, { training: false, keep: new Set<LayerName>(['conv8']) }).activations.conv8 as tf.Tensor4D;
    const [, h, w] = acts.shape;
    expect([cam.height, cam.width, cam.steps, cam.batch]).toEqual([h, w, 1, 2]);
    expect(h * w).toBe(4);
    const a = acts.arraySync();
    targets.forEach((c, b) => {
      const s = w2.reduce((sum, row) => sum + row[c], 0);
      const want = Array.from({ length: c8 }, (_, k) => ((k + 1) / 10) * s / (h * w));
      // float32 sums of 64 products: compare relative to the largest weight.
      const tol = 1e-4 * Math.max(...want.map(Math.abs));
      Array.from(cam.weights(0, b)).forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThan(tol));
      const map = cam.map(0, b).data;
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const terms = a[b][i][j].map((v, k) => want[k] * v);
          const m = Math.max(0, terms.reduce((sum, v) => sum + v, 0));
          expect(Math.abs(map[i * w + j] - m)).toBeLessThanOrEqual(1e-4 * terms.reduce((sum, v) => sum + Math.abs(v), 0));
        }
      }
    });
    expect(cam.targets).toEqual(targets);
    tf.dispose([x, acts]);
    ann.dispose();
  });

  it('at conv4 the weights equal finite differences of y^c under a uniform shift of each channel', () => {
    const arch = tinyArch();
    const ann = AnnVgg.create(arch, new Rng(4));
    const x = tf.tensor4d(values(32 * 32 * 3, 9).map((v) => (v + 1) / 2), [1, 32, 32, 3]);
    const cam = gradCam(ann, x, { layer: 'conv4', variant: 'rate' }); // default target: the predicted class
    const c = cam.predicted(0);
    expect(cam.targets).toEqual([c]);
    const [h, w, ch] = [8, 8, arch.channels[3]];
    // Σ_ij ∂y/∂A^k_ij = d y(A + δ·1_k)/dδ. The network is piecewise linear, so a central difference
    // small enough to cross no ReLU kink (activations here are ~1e-2) is exact up to rounding.
    const delta = 1e-4;
    const shifted = (k: number, d: number) => tf.tidy(() => {
      const probe = tf.mul(tf.oneHot(tf.fill([1, h, w], k, 'int32'), ch), d);
      return ann.forward(x, { training: false, probes: { conv4: probe } }).logits.arraySync()[0][c];
    });
    const weights = Array.from(cam.weights(0));
    const scale = Math.max(...weights.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    for (let k = 0; k < ch; k++) {
      const fd = (shifted(k, delta) - shifted(k, -delta)) / (2 * delta) / (h * w);
      expect(Math.abs(weights[k] - fd)).toBeLessThan(1e-2 * scale);
    }
    x.dispose();
    ann.dispose();
  });

  it('explains any target function (softmax score) and refuses a target count that does not match the batch', () => {
    const ann = AnnVgg.create(tinyArch(), new Rng(5));
    const x = tf.tensor4d(values(2 * 16 * 16 * 3, 2).map((v) => (v + 1) / 2), [2, 16, 16, 3]);
    const cam = gradCam(ann, x, { layer: 2, targets: [classifierSoftmaxTarget(1), 0], variant: 'signed' });
    expect(cam.targets).toEqual([-1, 0]);
    expect([cam.height, cam.width]).toEqual([8, 8]);
    expect(() => gradCam(ann, x, { layer: 2, targets: [0], variant: 'signed' })).toThrow(/1 targets for a batch of 2 images/);
    expect(() => gradCam(ann, x, { layer: 9, variant: 'signed' })).toThrow(/layer '9' is not a conv layer/);
    expect(() => gradCam(ann, x, { layer: 2, targets: [0, 3], variant: 'signed' })).toThrow(/target class 3 is not a class index in 0..2/);
    expect(() => gradCam(ann, tf.zeros([2, 16, 16]) as unknown as tf.Tensor4D, { layer: 2, variant: 'signed' })).toThrow(/expected images \[B, H, W, 3\]/);
    x.dispose();
    ann.dispose();
  });
});

describe('SNN-crafted Grad-CAM', () => {
  beforeAll(async () => {
    await useBackend('node');
  });

  it('one map per step: G_t = ReLU(Σ_k α^k_t A^k_t) on the spikes the network fired; summed α = Σ_t α_t', () => {
    const T = 4;
    const net = tinySnn(T);
    const x = tf.tensor4d(values(2 * 16 * 16 * 3, 21).map((v) => (v + 1) / 2), [2, 16, 16, 3]);
    const opts = { layer: 'conv4' as const, variant: 'signed' as const, timesteps: T, targets: [1, 2] };
    const before = tf.memory().numTensors;
    const perStep = snnGradCam(net, x, { ...opts, rng: new Rng(8) });
    const summed = snnGradCam(net, x, { ...opts, rng: new Rng(8), weighting: 'summed' });
    expect(tf.memory().numTensors).toBe(before);
    expect([perStep.steps, perStep.batch, perStep.height, perStep.width, perStep.inputHeight]).toEqual([T, 2, 4, 4, 16]);
    expect(perStep.series('upsampled', 1).map((m) => [m.height, m.width])).toEqual(new Array(T).fill([16, 16]));

    // Record conv4's spikes independently, with the same encoder seed.
    const spikes: number[][][][][] = [];
    const enc = createEncoder('signed', x, new Rng(8));
    const simulated = simulate(net, enc, { timesteps: T, observers: [{ layers: ['conv4'], onStep: (_l, _t, s) => { spikes.push(s.arraySync()); } }] });
    const simulatedLogits = simulated.dataSync();
    simulated.dispose();
    enc.dispose();
    // The explained forward pass is that simulation: same logits; by default each image's predicted class is explained.
    Array.from(perStep.logits(0)).concat(Array.from(perStep.logits(1))).forEach((v, i) => expect(v).toBeCloseTo(simulatedLogits[i], 5));
    const predicted = snnGradCam(net, x, { ...opts, targets: undefined, rng: new Rng(8) });
    expect(predicted.targets).toEqual([predicted.predicted(0), predicted.predicted(1)]);
    expect(Array.from(predicted.logits(1))).toEqual(Array.from(perStep.logits(1)));
    const C = spikes[0][0][0][0].length;
    let active = 0;
    for (let b = 0; b < 2; b++) {
      const total = new Array<number>(C).fill(0);
      for (let t = 0; t < T; t++) perStep.weights(t, b).forEach((v, k) => { total[k] += v; if (v !== 0) active++; });
      for (let t = 0; t < T; t++) {
        Array.from(summed.weights(t, b)).forEach((v, k) => expect(v).toBeCloseTo(total[k], 6));
        const check = (cam: typeof perStep, w: ArrayLike<number>) => {
          const m = cam.map(t, b).data;
          for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
            expect(m[i * 4 + j]).toBeCloseTo(Math.max(0, spikes[t][b][i][j].reduce((s, v, k) => s + w[k] * v, 0)), 6);
          }
        };
        check(perStep, perStep.weights(t, b));
        check(summed, total);
      }
    }
    expect(active).toBeGreaterThan(0); // the surrogate carried some gradient: the check is not vacuous
    expect(() => snnGradCam(net, x, { ...opts, rng: new Rng(8), weighting: 'mean' as 'summed' })).toThrow(/unknown weighting 'mean'/);
    expect(() => snnGradCam(net, x, { ...opts, rng: new Rng(8), timesteps: 0 })).toThrow(/timesteps must be a positive integer/);
    expect(() => snnGradCam(net, x, { ...opts, rng: new Rng(8), layer: 'fc1' as 'conv1' })).toThrow(/'fc1' is not a conv layer/);
    x.dispose();
    net.dispose();
  });
});
