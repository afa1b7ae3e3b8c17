/**
 * FGSM specification: the update and clipping by hand, the attack raising the loss of the ANN and
 * of the SNN (BPTT through the surrogate), the straight-through encoder gradient
 * ∇_x L = Σ_t ∂L/∂input_t · ∂e/∂x with e straight through the signed encoder's clip
 * (∂e/∂x_c = 1/(2·std_c), so saturated pixels are attacked too), crafting with fewer steps than the
 * evaluation, accuracy under attack, and the errors a user sees.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AnnVgg } from '../../lib/ann/vgg11';
import {
  accuracyUnderAttack, attackExpectedSpikes, attackLoss, fgsm, fgsmStep, inputGradient, straightThroughSource, type AttackModel,
} from '../../lib/attack/fgsm';
import { allocateDataset, setAnnotation, toTensor } from '../../lib/data/dataset';
import { createEncoder, expectedSpikes, IMAGENET_STD } from '../../lib/data/encode';
import { vggArch } from '../../lib/model/vgg';
import { Rng } from '../../lib/random';
import { SPIKING_LAYERS, SpikingVgg } from '../../lib/snn/network';
import { unroll } from '../../lib/snn/simulate';
import { annAccuracy, snnAccuracy } from '../../lib/train/evaluate';
import { annLogits } from '../../lib/ann/logits';
import { maxAbsDiff, onBackend, useBackend, values } from '../helpers/tf';

const CLASSES = 4;
const T = 4;

/** 0..1 images; with `saturate`, a quarter of the pixels sit at 0 or 1 so clipping is exercised. */
function images(batch: number, size: number, seed: number, saturate = true): tf.Tensor4D {
  const v = values(batch * size * size * 3, seed).map((u, i) => (saturate && i % 8 === 0 ? 0 : saturate && i % 8 === 1 ? 1 : (u + 1) / 2));
  return tf.tensor4d(v, [batch, size, size, 3]);
}

function annModel(): AttackModel {
  return { kind: 'ann', ann: AnnVgg.create(vggArch(1 / 16, CLASSES), new Rng(5)), variant: 'signed' };
}

function snnModel(variant: 'signed' | 'rate' = 'signed', timesteps = T, seed = 2): Extract<AttackModel, { kind: 'snn' }> {
  // Width 1/16, low thresholds: a random network whose spikes reach the output within 4 steps.
  const net = SpikingVgg.create({
    arch: vggArch(0.0625, CLASSES), timesteps, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 0.3),
    order: 'integrate-then-fire', reset: 'subtract', bntt: true,
  }, new Rng(seed));
  return { kind: 'snn', net, variant, timesteps, rng: new Rng(7) };
}

const dispose = (m: AttackModel) => (m.kind === 'ann' ? m.ann.dispose() : m.net.dispose());

async function maxAbs(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  return maxAbsDiff(await a.data(), await b.data());
}

/** Checks x' against x: |x' − x| ≤ ε/255 (+ float slack) and x' ∈ [0, 1]. */
async function expectWithinBudget(x: tf.Tensor4D, adv: tf.Tensor4D, eps: number): Promise<void> {
  expect(adv.shape).toEqual(x.shape);
  expect(await maxAbs(adv, x)).toBeLessThanOrEqual(eps / 255 + 1e-6);
  const v = await adv.data();
  expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...v)).toBeLessThanOrEqual(1);
}

describe('FGSM', () => {
  beforeAll(async () => {
    await useBackend('node');
  });

  it('x\' = clip(x + ε/255·sign(g), 0, 1), by hand', () => {
    const x = tf.tensor4d([0, 0.5, 1, 0.999, 0.2, 0.01], [1, 1, 2, 3]);
    const g = tf.tensor4d([-1, 2, 3, 0, -0.5, -7], [1, 1, 2, 3]);
    const adv = fgsmStep(x, g, 4);
    const e = 4 / 255;
    // sign 0 leaves a pixel alone; 1 + ε and 0.01 − ε are clipped into [0, 1].
    expect(Array.from(adv.dataSync())).toEqual([0, 0.5 + e, 1, 0.999, 0.2 - e, 0].map((v) => expect.closeTo(v, 6)));
    expect(() => fgsmStep(x, tf.zeros([1, 2, 1, 3]) as tf.Tensor4D, 4)).toThrow(/gradient \[1, 2, 1, 3\] does not match images \[1, 1, 2, 3\]/);
    tf.dispose([x, g, adv]);
  });

  it('moves pixels for gradients as small as an SNN\'s (1e-12) on node and on wasm alike', async () => {
    // wasm's own Sign kernel rounds |g| < ~1e-7 to 0 (spikelens replaces it); SNN input gradients are often that small.
    const run = () => {
      const x = tf.tensor4d([0.5, 0.5, 0.5], [1, 1, 1, 3]);
      const g = tf.tensor4d([1e-12, -1e-12, 0], [1, 1, 1, 3]);
      const adv = fgsmStep(x, g, 255 * 0.25);
      const out = Array.from(adv.dataSync());
      tf.dispose([x, g, adv]);
      return out;
    };
    expect(await onBackend('wasm', run)).toEqual([0.75, 0.25, 0.5]);
    expect(await onBackend('node', run)).toEqual([0.75, 0.25, 0.5]);
  });

  it('ANN: raises the cross-entropy of the true labels, stays within ε and in [0, 1]', async () => {
    const model = annModel();
    const x = images(4, 32, 1);
    const labels = [0, 1, 2, 3];
    const clean = attackLoss(model, x, labels).dataSync()[0];
    for (const eps of [2, 8]) {
      const adv = fgsm(model, x, labels, eps);
      await expectWithinBudget(x, adv, eps);
      expect(attackLoss(model, adv, labels).dataSync()[0]).toBeGreaterThan(clean);
      adv.dispose();
    }
    const zero = fgsm(model, x, labels, 0);
    expect(await maxAbs(zero, x)).toBe(0);
    tf.dispose([x, zero]);
    dispose(model);
  });

  it('SNN: BPTT through the surrogate raises the SNN loss (same Poisson draws), within ε and [0, 1]', async () => {
    // On a random network one Poisson draw makes the loss of a few images noisy (spikes flip where
    // the uniforms fall near the moved probabilities), so the attack is judged on batches of 16
    // over three networks; with this set-up every seed tried (1..6) gained 0.06..0.17 nats.
    const x = images(16, 16, 2, false);
    const labels = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % CLASSES), 'int32');
    let gain = 0;
    for (const seed of [1, 2, 3]) {
      const model = snnModel('signed', 8, seed);
      const before = tf.memory().numTensors;
      const adv = fgsm(model, x, labels, 8);
      expect(tf.memory().numTensors).toBe(before + 1); // only x' is new
      await expectWithinBudget(x, adv, 8);
      gain += attackLoss(model, adv, labels).dataSync()[0] - attackLoss(model, x, labels).dataSync()[0];
      adv.dispose();
      dispose(model);
    }
    expect(gain / 3).toBeGreaterThan(0.02);
    tf.dispose([x, labels]);
  });

  it('SNN gradient passes straight through the encoder: ∇_x L = Σ_t ∂L/∂input_t (rate code: ∂E[spikes]/∂x = 1)', async () => {
    const model = snnModel('rate');
    const x = images(2, 16, 3);
    const labels = [1, 2];
    const g = inputGradient(model, x, labels);
    // ∂L/∂input_t from zero probes on the network input, fed the encoder's own spikes (the
    // encoder seed the attack documents: rng.fork('attack')).
    const enc = createEncoder('rate', x, model.rng.fork('attack'));
    const probes = Array.from({ length: T }, () => tf.zeros(x.shape));
    const perStep = tf.grads((...p: tf.Tensor[]) => {
      const logits = unroll(model.net, enc, T, { training: false, probes: { get: (l, t) => (l === 'input' ? p[t] : undefined) } });
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES), logits);
    })(probes);
    const sum = tf.addN(perStep);
    const scale = Math.max(...(await tf.abs(sum).data()));
    expect(scale).toBeGreaterThan(0);
    expect(await maxAbs(g, sum)).toBeLessThan(1e-5 * scale);
    enc.dispose();
    tf.dispose([x, g, sum, ...probes, ...perStep]);
    dispose(model);
  });

  it('the attack\'s expected spikes: same value as the encoder\'s expectation, gradient straight through the clip', async () => {
    // One pixel, RGB = (1, 0, 0.5): x_norm/2 = (1.12, −1.02, 0.21), so R and G saturate and B does not.
    const x = tf.tensor4d([1, 0, 0.5], [1, 1, 1, 3]);
    const w = tf.tensor4d([1, -2, 3], [1, 1, 1, 3]);
    expect(Array.from(await attackExpectedSpikes('signed', x).data())).toEqual(Array.from(await expectedSpikes('signed', x).data()));
    expect(Array.from(await expectedSpikes('signed', x).data()).slice(0, 2)).toEqual([1, -1]);
    const old = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(expectedSpikes('signed', v as tf.Tensor4D), w)))(x);
    const through = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(attackExpectedSpikes('signed', v as tf.Tensor4D), w)))(x);
    const slope = IMAGENET_STD.map((sd) => 1 / (2 * sd));
    // The clip's own gradient is 0 on the saturated R and G; the straight-through one is w_c/(2·std_c) everywhere.
    expect(Array.from(await old.data()).map((v) => v + 0)).toEqual([0, 0, expect.closeTo(3 * slope[2], 5)]); // + 0: −0 → 0
    expect(Array.from(await through.data())).toEqual([1, -2, 3].map((v, c) => expect.closeTo(v * slope[c], 5)));
    // Rate code: no clip, e = x and ∂e/∂x = 1.
    const rate = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(attackExpectedSpikes('rate', v as tf.Tensor4D), w)))(x);
    expect(Array.from(await rate.data())).toEqual([1, -2, 3]);
    tf.dispose([x, w, old, through, rate]);
  });

  it('ANN: ∇_x L = ∂L/∂e · 1/(2·std_c) at every pixel, so saturated pixels get a gradient and FGSM moves them', async () => {
    const model = annModel();
    const ann = (model as Extract<AttackModel, { kind: 'ann' }>).ann;
    const x = images(2, 16, 8);
    const labels = tf.tensor1d([1, 3], 'int32');
    const loss = (logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, CLASSES), logits);
    const e = expectedSpikes('signed', x);
    const gE = tf.grad((v: tf.Tensor) => loss(ann.forward(v as tf.Tensor4D, { training: false }).logits))(e);
    const expected = tf.mul(gE, tf.tensor1d(IMAGENET_STD.map((sd) => 1 / (2 * sd))));
    const g = inputGradient(model, x, labels);
    const scale = Math.max(...(await tf.abs(expected).data()));
    expect(await maxAbs(g, expected)).toBeLessThan(1e-5 * scale);
    // Where |e| = 1 the clip saturates: the old exact gradient through it is 0 there, the new one is not.
    const sat = Array.from(await e.data()).map((v) => Math.abs(v) >= 1);
    const oldG = await tf.grad((v: tf.Tensor) => loss(ann.forward(expectedSpikes('signed', v as tf.Tensor4D), { training: false }).logits))(x).data();
    const newG = await g.data();
    const satIdx = sat.flatMap((s, i) => (s ? [i] : []));
    expect(satIdx.length).toBeGreaterThan(newG.length / 5); // a quarter of these pixels are 0 or 1
    expect(satIdx.every((i) => oldG[i] === 0)).toBe(true);
    expect(satIdx.every((i) => newG[i] !== 0)).toBe(true);
    // FGSM now moves saturated pixels (inward where the sign points inside [0, 1]) and still clips.
    const adv = fgsm(model, x, labels, 8);
    await expectWithinBudget(x, adv, 8);
    const [xv, av] = [await x.data(), await adv.data()];
    expect(satIdx.filter((i) => av[i] !== xv[i]).length).toBeGreaterThan(0);
    tf.dispose([x, labels, e, gE, expected, g, adv]);
    dispose(model);
  });

  it('SNN, signed code: ∇_x L = Σ_t ∂L/∂input_t · 1/(2·std_c), saturated pixels included', async () => {
    const model = snnModel('signed');
    const x = images(2, 16, 9);
    const labels = [0, 3];
    const g = inputGradient(model, x, labels);
    const enc = createEncoder('signed', x, model.rng.fork('attack'));
    const probes = Array.from({ length: T }, () => tf.zeros(x.shape));
    const perStep = tf.grads((...p: tf.Tensor[]) => {
      const logits = unroll(model.net, enc, T, { training: false, probes: { get: (l, t) => (l === 'input' ? p[t] : undefined) } });
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES), logits);
    })(probes);
    const expected = tf.mul(tf.addN(perStep), tf.tensor1d(IMAGENET_STD.map((sd) => 1 / (2 * sd))));
    const scale = Math.max(...(await tf.abs(expected).data()));
    expect(scale).toBeGreaterThan(0);
    expect(await maxAbs(g, expected)).toBeLessThan(1e-5 * scale);
    // Saturated pixels where the network's input gradient is non-zero now have a non-zero gradient.
    const e = await expectedSpikes('signed', x).data();
    const [gv, ev] = [await g.data(), await expected.data()];
    const sat = Array.from(e).flatMap((v, i) => (Math.abs(v) >= 1 && ev[i] !== 0 ? [i] : []));
    expect(sat.length).toBeGreaterThan(0);
    expect(sat.every((i) => gv[i] !== 0)).toBe(true);
    enc.dispose();
    tf.dispose([x, g, expected, ...probes, ...perStep]);
    dispose(model);
  });

  it('craftingTimesteps: the SNN attack runs BPTT over fewer steps, accuracy is still evaluated over all of them', async () => {
    const full = snnModel('signed', 6);
    const short: AttackModel = { ...full, craftingTimesteps: 2 };
    const x = images(2, 16, 10);
    const labels = [0, 1];
    // The attack loss is the loss of the first 2 steps: the logits of a 2-step run of the same net and encoder draws.
    const enc = createEncoder('signed', x, full.rng.fork('attack'));
    const two = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES), unroll(full.net, enc, 2, { training: false })).dataSync()[0]);
    enc.dispose();
    expect(attackLoss(short, x, labels).dataSync()[0]).toBeCloseTo(two, 5);
    expect(attackLoss(full, x, labels).dataSync()[0]).not.toBeCloseTo(two, 5);
    expect(() => inputGradient({ ...full, craftingTimesteps: 0 }, x, labels)).toThrow(/craftingTimesteps must be a positive integer, got 0/);
    // Evaluation at ε = 0 is the clean accuracy over all 6 steps, whatever the crafting T.
    const ds = allocateDataset('noise', ['a', 'b', 'c', 'd'], 16, 16, 4);
    ds.images.set(values(ds.images.length, 11).map((v) => Math.round((v + 1) * 127.5)));
    for (let i = 0; i < ds.size; i++) setAnnotation(ds, i, i % CLASSES, { x0: 0, y0: 0, x1: 15, y1: 15 });
    const [clean] = await accuracyUnderAttack(short, ds, [0], 4);
    expect(clean.accuracy).toBe(await snnAccuracy(full.net, ds, 'signed', 6, full.rng, 4));
    x.dispose();
    dispose(full);
  });

  it('the straight-through input has exactly the spikes as its value and the identity as its gradient', async () => {
    const e = tf.tensor4d([0.3, -0.2, 0.9, 0], [1, 1, 2, 2]);
    const spikes = [1, -1, 0, 0];
    const source = straightThroughSource(e, () => tf.tensor4d(spikes, [1, 1, 2, 2]));
    const out = source.step(0);
    expect(Array.from(await out.data())).toEqual(spikes);
    const w = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(straightThroughSource(v as tf.Tensor4D, () => tf.tensor4d(spikes, [1, 1, 2, 2])).step(0), w)))(e);
    expect(Array.from(await grad.data())).toEqual([1, 2, 3, 4]);
    tf.dispose([e, out, w, grad]);
  });

  it('accuracy under attack: one entry per ε, ε = 0 equals the clean accuracy (ANN and SNN)', async () => {
    const ds = allocateDataset('noise', ['a', 'b', 'c', 'd'], 16, 16, 6);
    ds.images.set(values(ds.images.length, 4).map((v) => Math.round((v + 1) * 127.5)));
    for (let i = 0; i < ds.size; i++) setAnnotation(ds, i, i % CLASSES, { x0: 0, y0: 0, x1: 15, y1: 15 });
    const ann = annModel();
    const a = await accuracyUnderAttack(ann, ds, [0, 4, 16], 4);
    expect(a.map((r) => r.epsilon)).toEqual([0, 4, 16]);
    expect(a[0].accuracy).toBe(await annAccuracy((ann as Extract<AttackModel, { kind: 'ann' }>).ann, ds, 'signed'));
    for (const r of a) {
      expect(r.total).toBe(6);
      expect(r.accuracy).toBe(r.correct / 6);
      // One flag per image, in data-set order, counting to `correct`.
      expect(r.correctByImage).toHaveLength(6);
      expect(r.correctByImage.filter(Boolean).length).toBe(r.correct);
    }
    // ε = 0 leaves the images alone: the flags are the clean predictions, image by image.
    const cleanPred = tf.tidy(() => Array.from(tf.argMax(annLogits((ann as Extract<AttackModel, { kind: 'ann' }>).ann, toTensor(ds, [0, 1, 2, 3, 4, 5]), 'signed'), 1).dataSync()));
    expect(a[0].correctByImage).toEqual(cleanPred.map((p, i) => p === ds.labels[i]));
    const snn = snnModel();
    const s = await accuracyUnderAttack(snn, ds, [0, 8], 4);
    expect(s[0].accuracy).toBe(await snnAccuracy(snn.net, ds, 'signed', T, snn.rng, 4));
    expect(s[1].accuracy).toBeGreaterThanOrEqual(0);
    await expect(accuracyUnderAttack(snn, ds, [])).rejects.toThrow(/no epsilons given/);
    dispose(ann);
    dispose(snn);
  });

  it('refuses bad inputs with one clear line', () => {
    const model = annModel();
    const x = images(2, 16, 5);
    expect(() => fgsm(model, x, [0, 1], -1)).toThrow(/epsilon must be a finite number ≥ 0 in 1\/255 units/);
    expect(() => fgsm(model, x, [0, 1], NaN)).toThrow(/epsilon must be a finite number/);
    expect(() => fgsm(model, x, [0], 4)).toThrow(/1 labels for a batch of 2 images/);
    expect(() => fgsm(model, x, [0, 4], 4)).toThrow(/label 4 of image 1 is not a class in 0..3/);
    const big = tf.mul(x, 255) as tf.Tensor4D;
    expect(() => fgsm(model, big, [0, 1], 4)).toThrow(/images must lie in \[0, 1\]/);
    const grey = tf.zeros([2, 16, 16, 1]) as tf.Tensor4D;
    expect(() => fgsm(model, grey, [0, 1], 4)).toThrow(/expected images \[B, H, W, 3\]/);
    tf.dispose([x, big, grey]);
    dispose(model);
  });
});
