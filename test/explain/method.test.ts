/**
 * The explanation interface: the firing-rate map through it against a hand-computed map and
 * against spikes recorded from the same run; `explainBatch` giving every method the same spikes
 * (one simulation for the streaming ones, replayed streams, nothing advanced); the gradient
 * skeleton's two hooks; and the registry's rules.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { snnGradCam } from '../../lib/explain/gradcam';
import { gradientMethod, snnGradCamMethod } from '../../lib/explain/gradcam';
import { explainBatch, ExplanationMaps, explanationKey, type ExplanationMethod, type ExplainRequest } from '../../lib/explain/method';
import { rateMethod } from '../../lib/explain/rate';
import {
  explanationMethod, explanationMethods, paperExplanation, registerExplanation, unregisterExplanation,
} from '../../lib/explain/registry';
import { samMethod } from '../../lib/explain/sam';
import { vggArch } from '../../lib/model/vgg';
import { Rng } from '../../lib/random';
import { SPIKING_LAYERS, SpikingVgg } from '../../lib/snn/network';
import type { LayerName, SimulationObserver } from '../../lib/snn/observer';
import { snnLogits } from '../../lib/snn/logits';
import { useBackend, values } from '../helpers/tf';

beforeAll(() => useBackend('node'));

/** Keeps a copy of one layer's spikes at every step, as plain arrays. */
class Recorder implements SimulationObserver {
  readonly layers: readonly LayerName[];
  readonly steps: Float32Array[] = [];
  shape: number[] = [];
  constructor(layer: LayerName) {
    this.layers = [layer];
  }
  onStep(_l: LayerName, _t: number, spikes: tf.Tensor4D): void {
    this.shape = spikes.shape;
    this.steps.push(spikes.dataSync().slice() as Float32Array);
  }
}

/** Channel sums of recorded spikes [B,h,w,C] of image b at step t, [h·w]. */
function channelSums(rec: Recorder, t: number, b: number): number[] {
  const [, h, w, c] = rec.shape;
  return Array.from({ length: h * w }, (_, p) => {
    let s = 0;
    for (let k = 0; k < c; k++) s += rec.steps[t][(b * h * w + p) * c + k];
    return s;
  });
}

/** Every spike a recorder saw. */
const total = (rec: Recorder) => rec.steps.reduce((a, s) => a + s.reduce((x, v) => x + v, 0), 0);

function tinyNet(): SpikingVgg {
  return SpikingVgg.create({
    arch: vggArch(0.0625, 3), timesteps: 4, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 0.3),
    order: 'integrate-then-fire', reset: 'subtract', bntt: true,
  }, new Rng(11));
}

function request(net: SpikingVgg, images: tf.Tensor4D, layers: LayerName[] = ['conv4']): ExplainRequest {
  return { net, images, variant: 'rate', timesteps: 4, layers, targets: [0, 2], rng: new Rng(5).fork('chunk/0'), options: { gamma: 0.5 } };
}

describe('the firing-rate map through the interface', () => {
  it('is the running mean of the channel-summed spikes (hand-computed)', () => {
    const images = tf.zeros([2, 4, 2, 3]) as tf.Tensor4D;
    const req: ExplainRequest = { ...request(null as unknown as SpikingVgg, images), layers: ['blockA'] };
    const observer = (rateMethod.observe as NonNullable<ExplanationMethod['observe']>)(req);
    observer.begin?.({ timesteps: 3, batch: 2, inputHeight: 4, inputWidth: 2 });
    // [B=2, H=1, W=2, C=2]: image 0's pixel 0 spikes in both channels at t = 0, in one at t = 2.
    [
      [[1, 1], [0, 0], [0, 1], [0, 0]],
      [[0, 0], [1, 0], [0, 1], [0, 0]],
      [[1, 0], [0, 0], [0, 1], [1, 1]],
    ].forEach((s, t) => tf.tidy(() => observer.onStep('blockA', t, tf.tensor4d(s.flat(), [2, 1, 2, 2]))));
    const maps = ExplanationMaps.fromObserver(rateMethod.id, observer, req);
    observer.dispose();
    expect(maps.layers).toEqual(['blockA']);
    expect([maps.batch, maps.steps('blockA')]).toEqual([2, 3]);
    // Image 0: counts (2,0), (2,1), (3,1) → means (2,0), (1,1/2), (1,1/3). Image 1: (1,0), (2,0), (3,2) → … (1,2/3).
    expect(maps.series('blockA', 'raw', 0).map((m) => Array.from(m.data))).toEqual([[2, 0], [1, 0.5], [1, 1 / 3]].map((r) => r.map(Math.fround)));
    expect(Array.from(maps.map('blockA', 2, 1).data)).toEqual([1, 2 / 3].map(Math.fround));
    expect(maps.series('blockA', 'upsampled', 1)[2]).toMatchObject({ height: 4, width: 2 });
    expect(() => maps.map('blockA', 3, 0)).toThrow('rate: step 3 of blockA out of range 0..2');
    expect(() => maps.series('conv4')).toThrow('rate: no maps for layer conv4 (explained: blockA)');
    images.dispose();
  });

  it('explain() on a network equals the running mean of the spikes recorded from the same stream', () => {
    const net = tinyNet();
    const x = tf.tensor4d(values(2 * 32 * 32 * 3, 3).map((v) => (v + 1) / 2), [2, 32, 32, 3]);
    const req = request(net, x);
    const rec = new Recorder('conv4');
    snnLogits(net, x, 'rate', 4, new Rng(req.rng.seed), [rec]).dispose();
    const maps = rateMethod.explain(req);
    for (let b = 0; b < 2; b++) {
      const total = new Array(64).fill(0);
      for (let t = 0; t < 4; t++) {
        channelSums(rec, t, b).forEach((v, p) => { total[p] += v; });
        Array.from(maps.map('conv4', t, b).data).forEach((v, p) => expect(v).toBeCloseTo(total[p] / (t + 1), 5));
      }
    }
    expect(total(rec)).toBeGreaterThan(0); // the net does spike at conv4
    net.dispose();
    x.dispose();
  });
});

describe('explainBatch: every method on the same spikes', () => {
  it('SAM and rate in one simulation equal each alone; SNN Grad-CAM per layer equals snnGradCam on a fresh fork; the request stream is replayed, not advanced', () => {
    const net = tinyNet();
    const x = tf.tensor4d(values(2 * 32 * 32 * 3, 4).map((v) => (v + 1) / 2), [2, 32, 32, 3]);
    const req = request(net, x, ['conv4', 'conv6']);
    const before = tf.memory().numTensors;
    const both = explainBatch([samMethod, snnGradCamMethod, rateMethod], req);
    expect(tf.memory().numTensors).toBe(before);
    expect([...both.maps.keys()]).toEqual(['sam', 'snn-gradcam', 'rate']);
    const again = explainBatch([rateMethod, samMethod], req);
    const alone = { sam: samMethod.explain(req), rate: rateMethod.explain(req) };
    for (const layer of ['conv4', 'conv6']) {
      for (const b of [0, 1]) {
        const data = (m: ExplanationMaps | undefined) => (m as ExplanationMaps).series(layer, 'raw', b).map((h) => Array.from(h.data));
        expect(data(both.maps.get('sam'))).toEqual(data(alone.sam));
        expect(data(both.maps.get('rate'))).toEqual(data(alone.rate));
        expect(data(again.maps.get('sam'))).toEqual(data(alone.sam));
        const cam = snnGradCam(net, x, { layer, targets: [0, 2], variant: 'rate', timesteps: 4, rng: new Rng(5).fork('chunk/0') });
        expect(data(both.maps.get('snn-gradcam'))).toEqual(cam.series('raw', b).map((h) => Array.from(h.data)));
      }
    }
    // The predictions come from the same run.
    const logits = snnLogits(net, x, 'rate', 4, new Rng(5).fork('chunk/0'));
    expect(both.predicted).toEqual(Array.from(tf.tidy(() => tf.argMax(logits, 1).dataSync())));
    logits.dispose();
    expect(() => explainBatch([samMethod, samMethod], req)).toThrow("explainBatch: method 'sam' given twice");
    net.dispose();
    x.dispose();
  });

  it('the gradient skeleton uses both hooks: unit channel weights and ReLU(Σ_k w^k A^k) give the channel-summed spikes of each step', () => {
    const net = tinyNet();
    const x = tf.tensor4d(values(2 * 32 * 32 * 3, 5).map((v) => (v + 1) / 2), [2, 32, 32, 3]);
    const req = request(net, x);
    const counts = gradientMethod({ id: 'spike-count', label: 'Spike count', weights: () => (grads) => grads.map((g) => tf.onesLike(tf.mean(g, [1, 2])) as tf.Tensor2D) });
    expect([counts.needsGradient, counts.needsTargets]).toEqual([true, true]);
    const rec = new Recorder('conv4');
    snnLogits(net, x, 'rate', 4, new Rng(req.rng.seed), [rec]).dispose();
    const maps = counts.explain(req);
    for (let t = 0; t < 4; t++) for (const b of [0, 1]) expect(Array.from(maps.map('conv4', t, b).data)).toEqual(channelSums(rec, t, b));
    // The map hook: a custom one replaces ReLU(Σ_k w^k A^k).
    const negated = gradientMethod({ id: 'neg', label: 'Negated', weights: () => (grads) => grads.map((g) => tf.onesLike(tf.mean(g, [1, 2])) as tf.Tensor2D), map: (a) => tf.neg(tf.sum(a, -1)) as tf.Tensor3D });
    expect(Array.from(negated.explain(req).map('conv4', 3, 1).data, (v) => v + 0)).toEqual(channelSums(rec, 3, 1).map((v) => -v + 0)); // + 0: no −0
    net.dispose();
    x.dispose();
  });
});

describe('the registry', () => {
  const added: string[] = [];
  afterEach(() => {
    for (const id of added.splice(0)) unregisterExplanation(id);
  });
  const fake = (id: string, label = id): ExplanationMethod => ({ id, label, needsTargets: false, needsGradient: false, explain: () => { throw new Error('not run'); } });

  it('holds the built-ins in order; adds after them; the returned function and unregisterExplanation remove', () => {
    expect(explanationMethods().map((m) => [m.id, m.label, m.needsGradient])).toEqual([['sam', 'SAM', false], ['snn-gradcam', 'SNN Grad-CAM', true], ['rate', 'Firing rate', false]]);
    const remove = registerExplanation(fake('my-method', 'Mine'));
    added.push('other');
    registerExplanation(fake('other'));
    expect(explanationMethods().map((m) => m.id)).toEqual(['sam', 'snn-gradcam', 'rate', 'my-method', 'other']);
    expect(explanationMethod('my-method').label).toBe('Mine');
    remove();
    expect(explanationMethods().map((m) => m.id)).toEqual(['sam', 'snn-gradcam', 'rate', 'other']);
    expect(unregisterExplanation('other')).toBe(true);
    expect(unregisterExplanation('other')).toBe(false);
    // A copy: changing the list changes nothing registered.
    (explanationMethods() as ExplanationMethod[]).pop();
    expect(explanationMethods()).toHaveLength(3);
  });

  it('refuses malformed ids, taken ids or labels, and names what is registered for an unknown id', () => {
    expect(() => registerExplanation(fake('My_Method'))).toThrow("registerExplanation: id 'My_Method' must be lower-case words of letters and digits joined by '-' (e.g. 'my-method')");
    expect(() => registerExplanation(fake('sam', 'Another'))).toThrow("registerExplanation: 'sam' (Another) clashes with the registered 'sam' (SAM); ids and labels must be unique");
    expect(() => registerExplanation(fake('sam-2', 'SAM'))).toThrow('clashes with the registered');
    expect(() => registerExplanation(fake('blank', ' '))).toThrow("registerExplanation: method 'blank' needs a label");
    expect(() => explanationMethod('nope')).toThrow("no explanation method 'nope'; registered: sam, snn-gradcam, rate");
  });

  it('metric keys use underscores; the paper method shown in per-step panels is SAM, else the first given', () => {
    expect(explanationKey(snnGradCamMethod)).toBe('snn_gradcam');
    expect(paperExplanation(explanationMethods()).id).toBe('sam');
    expect(paperExplanation([rateMethod, snnGradCamMethod]).id).toBe('rate');
    expect(() => paperExplanation([])).toThrow('no explanation methods to show');
  });
});
