/**
 * The layer-by-layer simulation (`SpikingVgg.run`, fused neuron recursions, BNTT over all steps
 * at once) must give what the step-by-step reference (`SpikingVgg.step`) gives: logits, every
 * spike an observer sees, the running logits, and every gradient of BPTT. On every backend:
 * native (tfjs-node), wasm and the pure-JS cpu backend.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import type { BackendChoice } from '../../lib/backend';
import * as tf from '@tensorflow/tfjs-core';
import { vggArch } from '../../lib/model/vgg';
import { SPIKING_LAYERS, SpikingVgg, type SpikingVggConfig } from '../../lib/snn/network';
import { simulate, unroll, type SpikeSource } from '../../lib/snn/simulate';
import type { LayerName, SimulationObserver } from '../../lib/snn/observer';
import { Lif, lifStep, type LifConfig } from '../../lib/snn/lif';
import { runStepwise } from '../../lib/snn/neuron';
import { SpikeActivationMap } from '../../lib/explain/sam';
import { Rng } from '../../lib/random';
import { createEncoder } from '../../lib/data/encode';
import { maxAbsDiff, useBackend, values } from '../helpers/tf';


const config = (over: Partial<SpikingVggConfig> = {}): SpikingVggConfig => ({
  arch: vggArch(0.0625, 4), timesteps: 5, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 1),
  order: 'integrate-then-fire', reset: 'subtract', bntt: true, ...over,
});

/** Signed Poisson-like spikes from fixed uniforms: the same frames however often step(t) is called. */
const source = (shape: [number, number, number, number], seed: number): SpikeSource => {
  const n = shape.reduce((a, b) => a * b, 1);
  const x = tf.keep(tf.tensor(values(n, seed), shape) as tf.Tensor4D);
  return { step: (t) => tf.tidy(() => tf.mul(tf.sign(x), tf.cast(tf.greater(tf.abs(x), tf.abs(tf.tensor(values(n, seed + 1000 + t), shape))), 'float32'))) as tf.Tensor4D };
};

/** Records every spike map and running logit an observer is shown, keyed by layer and step. */
function recorder(layers: readonly LayerName[]) {
  const spikes = new Map<string, number[]>();
  const logits = new Map<number, number[]>();
  const o: SimulationObserver = {
    layers,
    onStep: (layer, t, s) => { spikes.set(`${layer}@${t}`, Array.from(s.dataSync())); },
    onOutput: (t, l) => { logits.set(t, Array.from(l.dataSync())); },
  };
  return { o, spikes, logits };
}

/** Share of spike values that differ between two recordings (float rounding can flip a neuron sitting on θ). */
function mismatch(a: Map<string, number[]>, b: Map<string, number[]>): number {
  let diff = 0, total = 0;
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [k, va] of a) {
    const vb = b.get(k) as number[];
    for (let i = 0; i < va.length; i++) if (va[i] !== vb[i]) diff++;
    total += va.length;
  }
  return diff / total;
}

const BACKENDS: BackendChoice[] = ['node', 'wasm', 'cpu'];

describe.each(BACKENDS)('on the %s backend', (backend) => {
  beforeAll(() => useBackend(backend));

  describe('fused LIF recursion (Lif.run) = stepping lifStep', () => {
    const cases: LifConfig[] = [
      { leak: 0.9, threshold: 1, order: 'integrate-then-fire', reset: 'subtract' },
      { leak: 0.8, threshold: 0.7, order: 'integrate-then-fire', reset: 'zero' },
      { leak: 1, threshold: 1.3, order: 'fire-then-integrate', reset: 'subtract' },
      { leak: 0.95, threshold: 1, order: 'fire-then-integrate', reset: 'zero' },
      { leak: 0.9, threshold: 1, order: 'integrate-then-fire', reset: 'none' },
    ];
    for (const cfg of cases) {
      it(`${cfg.order}, reset ${cfg.reset}, λ ${cfg.leak}, θ ${cfg.threshold}: spikes, final membrane and gradients`, () => {
        const T = 6, shape = [3, 5];
        const currents = tf.tensor(values(T * 15, 7).map((v) => 1.2 * v + 0.5), [T * 3, 5]);
        const u0 = tf.tensor(values(15, 8), shape);
        const w = tf.tensor(values(T * 15, 9), [T * 3, 5]); // a random linear read-out of the spikes
        const lif = new Lif(cfg);
        const stepper = { step: lif.step.bind(lif), run: () => { throw new Error('unused'); } };
        const loss = (run: (I: tf.Tensor, u: tf.Tensor) => tf.Tensor) => (I: tf.Tensor, u: tf.Tensor) => tf.sum(tf.mul(run(I, u), w));
        const fused = (I: tf.Tensor, u: tf.Tensor) => lif.run([u], I, T).spikes;
        const stepped = (I: tf.Tensor, u: tf.Tensor) => runStepwise(stepper, [u], I, T).spikes;
        expect(Array.from(fused(currents, u0).dataSync())).toEqual(Array.from(stepped(currents, u0).dataSync()));
        expect(maxAbsDiff(lif.run([u0], currents, T).state[0].dataSync(), runStepwise(stepper, [u0], currents, T).state[0].dataSync())).toBeLessThan(1e-6);
        const gf = tf.grads(loss(fused))([currents, u0]);
        const gs = tf.grads(loss(stepped))([currents, u0]);
        expect(maxAbsDiff(gf[0].dataSync(), gs[0].dataSync())).toBeLessThan(1e-6);
        expect(maxAbsDiff(gf[1].dataSync(), gs[1].dataSync())).toBeLessThan(1e-6);
        // The gradient is not trivially zero: a later spike reaches earlier currents.
        expect(tf.sum(tf.abs(gf[0])).dataSync()[0]).toBeGreaterThan(0);
        // And lifStep is still the hand-checked single step (one step = run with T = 1).
        const one = lif.run(null, tf.tensor2d([[1.5, 0.2]]), 1).spikes.dataSync();
        expect(Array.from(one)).toEqual(Array.from(lifStep(null, tf.tensor2d([[1.5, 0.2]]), cfg).spikes.dataSync()));
      });
    }
  });

  describe('layer-by-layer simulation = step-by-step simulation', () => {
    const variants: Array<[string, Partial<SpikingVggConfig>]> = [
      ['surrogate net (BNTT, LIF λ 0.99)', {}],
      ['converted-style net (IF, no BNTT, biases, other thresholds)', { leak: 1, bntt: false, biases: true, thresholds: SPIKING_LAYERS.map((_, i) => 0.6 + 0.1 * i) }],
      ['fire-then-integrate', { order: 'fire-then-integrate', thresholds: SPIKING_LAYERS.map(() => 0.3) }],
    ];
    for (const [name, over] of variants) {
      it(`${name}: logits, observed spikes and running logits, with chunks that split T unevenly`, () => {
        const net = SpikingVgg.create(config(over), new Rng(3));
        if (net.weights.biases) for (const b of [...net.weights.biases.convs, net.weights.biases.fc1]) b.assign(tf.mul(tf.randomUniform(b.shape, -0.2, 0.4, 'float32', 5), 1) as tf.Tensor1D);
        const T = 7;
        const layers: LayerName[] = ['conv1', 'conv4', 'conv8', 'fc1'];
        const ref = recorder(layers), fast = recorder(layers), whole = recorder(layers);
        const a = simulate(net, source([2, 32, 32, 3], 1), { timesteps: T, observers: [ref.o], stepwise: true });
        const b = simulate(net, source([2, 32, 32, 3], 1), { timesteps: T, observers: [fast.o], chunk: 3 });
        const c = simulate(net, source([2, 32, 32, 3], 1), { timesteps: T, observers: [whole.o] });
        expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBeLessThan(1e-4);
        expect(maxAbsDiff(a.dataSync(), c.dataSync())).toBeLessThan(1e-4);
        expect(mismatch(ref.spikes, fast.spikes)).toBeLessThan(1e-3);
        expect(mismatch(ref.spikes, whole.spikes)).toBeLessThan(1e-3);
        // Some spikes at all (an all-silent net would make this test vacuous).
        expect([...ref.spikes.values()].some((v) => v.some((x) => x !== 0))).toBe(true);
        expect([...fast.logits.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6]);
        for (const [t, l] of ref.logits) expect(maxAbsDiff(l, fast.logits.get(t) as number[])).toBeLessThan(1e-4);
        net.dispose();
      });
    }

    it('with a real Poisson encoder (whose chunks come from steps(t0, k)) the logits are the same', () => {
      const net = SpikingVgg.create(config(), new Rng(8));
      const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
      const run = (o: { stepwise?: boolean; chunk?: number }) => simulate(net, createEncoder('signed', x, new Rng(3)), { timesteps: 6, ...o }).dataSync();
      const ref = run({ stepwise: true });
      expect(maxAbsDiff(ref, run({ chunk: 4 }))).toBeLessThan(1e-4);
      expect(maxAbsDiff(ref, run({}))).toBeLessThan(1e-4);
      net.dispose();
    });

    it('SAM maps are the same either way', () => {
      const net = SpikingVgg.create(config(), new Rng(4));
      const maps = (stepwise: boolean) => {
        const sam = new SpikeActivationMap({ layers: ['conv4', 'conv6'], gamma: 0.5 });
        simulate(net, source([2, 32, 32, 3], 2), { timesteps: 6, observers: [sam], stepwise, chunk: stepwise ? undefined : 4 }).dispose();
        const out = [0, 1, 2, 3, 4, 5].flatMap((t) => [...sam.map('conv4', t, 1).data, ...sam.map('conv6', t, 0).data]);
        sam.dispose();
        return out;
      };
      const a = maps(true), b = maps(false);
      expect(a.some((v) => v > 0)).toBe(true);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
      net.dispose();
    });

    it('BPTT in training mode: the same loss and the same gradient for every weight and BNTT scale', () => {
      const net = SpikingVgg.create(config(), new Rng(5));
      const y = tf.oneHot(tf.tensor1d([0, 3], 'int32'), 4);
      const lossOf = (stepwise: boolean) => () => tf.losses.softmaxCrossEntropy(y, unroll(net, source([2, 32, 32, 3], 3), 5, { training: true, stepwise })) as tf.Scalar;
      const ref = tf.variableGrads(lossOf(true), net.trainable());
      for (const b of net.bntt ?? []) b.commitStats();
      const refMean = Array.from((net.bntt as NonNullable<typeof net.bntt>)[3].runningMean.dataSync());
      for (const b of net.bntt ?? []) { b.runningMean.assign(tf.zerosLike(b.runningMean)); b.runningVar.assign(tf.onesLike(b.runningVar)); }
      const fast = tf.variableGrads(lossOf(false), net.trainable());
      for (const b of net.bntt ?? []) b.commitStats();
      expect(fast.value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0], 4);
      for (const v of net.trainable()) {
        const g = ref.grads[v.name].dataSync();
        const scale = Math.max(1e-6, ...Array.from(g).map(Math.abs));
        expect(maxAbsDiff(g, fast.grads[v.name].dataSync()) / scale, `gradient of ${v.name}`).toBeLessThan(1e-3);
      }
      // Running statistics recorded by the batched BNTT equal the per-step ones.
      expect(maxAbsDiff(refMean, (net.bntt as NonNullable<typeof net.bntt>)[3].runningMean.dataSync())).toBeLessThan(1e-5);
      net.dispose();
    });

    it('gradients w.r.t. per-step probes on a layer (SNN Grad-CAM) agree', () => {
      const net = SpikingVgg.create(config(), new Rng(6));
      const T = 4;
      const probes = Array.from({ length: T }, () => tf.zeros([2, 8, 8, net.config.arch.channels[3]]));
      const w = tf.tensor2d(values(8, 11), [2, 4]);
      // Training mode (batch statistics) keeps the deeper layers near threshold, so gradients flow.
      const g = (stepwise: boolean) => tf.grads((...p: tf.Tensor[]) => tf.sum(tf.mul(unroll(net, source([2, 32, 32, 3], 4), T, { training: true, stepwise, probes: { get: (l, t) => (l === 'conv4' ? p[t] : undefined) } }), w)))(probes);
      const a = g(true), b = g(false);
      a.forEach((ga, t) => expect(maxAbsDiff(ga.dataSync(), b[t].dataSync()), `step ${t}`).toBeLessThan(1e-5));
      expect(a.some((x) => tf.sum(tf.abs(x)).dataSync()[0] > 0)).toBe(true);
      net.dispose();
    });

    it('memory stays flat: a 60-step chunked simulation leaves no tensor behind', () => {
      const net = SpikingVgg.create(config({ bntt: false }), new Rng(7));
      const src = source([1, 32, 32, 3], 5);
      simulate(net, src, { timesteps: 2 }).dispose();
      const before = tf.memory().numTensors;
      simulate(net, src, { timesteps: 60, chunk: 16 }).dispose();
      tf.tidy(() => { unroll(net, src, 5, { training: false }); });
      expect(tf.memory().numTensors).toBe(before);
      net.dispose();
    });
  });
});
