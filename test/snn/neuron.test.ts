/**
 * The neuron interface: a second neuron (adaptive-threshold LIF) and a second surrogate plug into
 * the same network, training loop and explanation code as LIF.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AdaptiveLif } from '../../lib/snn/alif';
import { createNeuron } from '../../lib/snn/neuron-spec';
import { fastSigmoid, piecewiseLinear, spike, surrogateFromSpec } from '../../lib/snn/surrogate';
import { vggArch } from '../../lib/model/vgg';
import { SPIKING_LAYERS, SpikingVgg, type SpikingVggConfig } from '../../lib/snn/network';
import { simulate, unroll } from '../../lib/snn/simulate';
import { SpikeActivationMap } from '../../lib/explain/sam';
import { createEncoder } from '../../lib/data/encode';
import { toTensor } from '../../lib/data/dataset';
import { train } from '../../lib/train/loop';
import { snnTask } from '../../lib/train/tasks';
import { Rng } from '../../lib/random';
import { toyDataset } from '../helpers/toy';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('node'));

const round = (xs: ArrayLike<number>) => Array.from(xs).map((v) => +v.toFixed(6));

describe('adaptive-threshold LIF', () => {
  it('follows the hand-computed trace: each spike raises the threshold, which then relaxes', () => {
    // θ = 1, β = 0.5, ρ = 0.5, λ = 1, constant input 0.6.
    const n = new AdaptiveLif({ leak: 1, threshold: 1, adaptation: 0.5, decay: 0.5, order: 'integrate-then-fire', reset: 'subtract' });
    let state = null as ReturnType<AdaptiveLif['step']>['state'] | null;
    const spikes: number[] = [], membranes: number[] = [], traces: number[] = [];
    for (let t = 0; t < 6; t++) {
      const r = n.step(state, tf.scalar(0.6));
      state = r.state;
      spikes.push(r.spikes.dataSync()[0]);
      membranes.push(+r.state[0].dataSync()[0].toFixed(6));
      traces.push(+r.state[1].dataSync()[0].toFixed(6));
    }
    // t0: u 0.6, θ 1 → no spike, a 0 | t1: u 1.2 > 1 → spike, u 0.2, a 0.5
    // t2: u 0.8, θ 1.25 → none, a 0.25 | t3: u 1.4 > 1.125 → spike, u 0.275, a 0.625
    // t4: u 0.875, θ 1.3125 → none, a 0.3125 | t5: u 1.475 > 1.15625 → spike, u 0.31875, a 0.65625
    expect(spikes).toEqual([0, 1, 0, 1, 0, 1]);
    expect(membranes).toEqual([0.6, 0.2, 0.8, 0.275, 0.875, 0.31875]);
    expect(traces).toEqual([0, 0.5, 0.25, 0.625, 0.3125, 0.65625]);
    // β = 0 is plain LIF: it fires at t1 and t3 too, but its membrane after those spikes is lower
    // (θ_t = 1 is subtracted, not 1.125), so adaptation visibly changed the dynamics.
    const lif = createNeuron({ kind: 'alif', adaptation: 0, decay: 0.5 }, { leak: 1, threshold: 1, order: 'integrate-then-fire', reset: 'subtract' });
    const plain = createNeuron({ kind: 'lif' }, { leak: 1, threshold: 1, order: 'integrate-then-fire', reset: 'subtract' });
    const I = tf.fill([4, 1], 0.55);
    expect(round(lif.run(null, I, 4).spikes.dataSync())).toEqual(round(plain.run(null, I, 4).spikes.dataSync()));
    expect(round(plain.run(null, I, 4).spikes.dataSync())).toEqual([0, 1, 0, 1]);
  });

  it('refuses what it does not implement, naming the setting', () => {
    expect(() => new AdaptiveLif({ leak: 1, threshold: 1, adaptation: 0.1, decay: 0.9, order: 'fire-then-integrate', reset: 'subtract' })).toThrow(/only integrate-then-fire/);
    expect(() => new AdaptiveLif({ leak: 1, threshold: 1, adaptation: 0.1, decay: 1, order: 'integrate-then-fire', reset: 'subtract' })).toThrow(/decay ρ must be in \[0, 1\), got 1/);
    expect(() => createNeuron({ kind: 'izhikevich' } as never, { leak: 1, threshold: 1, order: 'integrate-then-fire', reset: 'subtract' })).toThrow(/unknown neuron 'izhikevich'/);
  });
});

describe('surrogates are interchangeable', () => {
  it('fast sigmoid: dS/du = 1/(1 + k|u − θ|)², hand-computed', () => {
    const u = tf.tensor1d([1, 1.04, 0.9, 2]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(spike(x, 1, fastSigmoid(25))))(u);
    expect(round(g.dataSync())).toEqual(round([1, 1 / 4, 1 / 12.25, 1 / 676]));
    expect(round(spike(u, 1, fastSigmoid(25)).dataSync())).toEqual([0, 1, 0, 1]);
  });

  it('specs round-trip (checkpoints store them) and bad ones are refused', () => {
    expect(surrogateFromSpec({ kind: 'fast-sigmoid', slope: 10 }).spec).toEqual({ kind: 'fast-sigmoid', slope: 10 });
    expect(surrogateFromSpec(undefined).spec).toEqual(piecewiseLinear().spec);
    expect(() => fastSigmoid(0)).toThrow(/slope must be > 0/);
    expect(() => surrogateFromSpec({ kind: 'arctan' } as never)).toThrow(/unknown surrogate 'arctan'/);
  });

  it('the surrogate changes the gradient a network sees, not its forward pass', () => {
    const make = (surrogate: SpikingVggConfig['surrogate']) => SpikingVgg.create({ arch: vggArch(0.0625, 4), timesteps: 3, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 1), order: 'integrate-then-fire', reset: 'subtract', bntt: true, surrogate }, new Rng(2));
    const a = make(undefined), b = make({ kind: 'fast-sigmoid', slope: 25 });
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 4);
    const lossGrad = (net: SpikingVgg) => tf.variableGrads(() => {
      const enc = createEncoder('rate', x, new Rng(5));
      return tf.losses.softmaxCrossEntropy(y, unroll(net, enc, net.config.timesteps, { training: true })) as tf.Scalar;
    }, [net.weights.convs[0]]);
    const ga = lossGrad(a), gb = lossGrad(b);
    expect(ga.value.dataSync()[0]).toBeCloseTo(gb.value.dataSync()[0], 6);
    const diff = tf.sum(tf.abs(tf.sub(ga.grads[a.weights.convs[0].name], gb.grads[b.weights.convs[0].name]))).dataSync()[0];
    expect(diff).toBeGreaterThan(0);
    a.dispose();
    b.dispose();
  });
});

describe('an ALIF network trains and is explained through the same code as LIF', () => {
  it('overfits 32 toy images and SAM explains it', async () => {
    const ds = toyDataset(32, 1);
    const config: SpikingVggConfig = {
      arch: vggArch(0.125, 4), timesteps: 4, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 1),
      order: 'integrate-then-fire', reset: 'subtract', bntt: true, neuron: { kind: 'alif', adaptation: 0.2, decay: 0.9 }, surrogate: { kind: 'fast-sigmoid', slope: 25 },
    };
    const net = SpikingVgg.create(config, new Rng(5));
    const rng = new Rng(6);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alif-'));
    const result = await train(snnTask(net, 'rate', 4, rng.fork('eval')), {
      settings: { optimizer: 'adam', epochs: 30, batch_size: 32, lr: 0.005, momentum: 0.9, weight_decay: 0 },
      train: ds, val: ds, rng, checkpoint: path.join(dir, 'snn.ckpt'), meta: { kind: 'snn-surrogate', arch: config.arch, snn: config }, log: () => {},
    });
    expect(result.epochs[result.epochs.length - 1].train_accuracy).toBeGreaterThanOrEqual(0.9);
    const x = toTensor(ds, [0, 1, 2, 3]);
    const sam = new SpikeActivationMap({ layers: ['conv4'], gamma: 0.5 });
    simulate(net, createEncoder('rate', x, new Rng(9)), { timesteps: 4, observers: [sam] }).dispose();
    expect(sam.steps('conv4')).toBe(4);
    const m = sam.map('conv4', 3, 0);
    expect(m.height * m.width).toBe(64);
    expect(Math.max(...m.data)).toBeGreaterThan(0);
    sam.dispose();
    net.dispose();
  });
});
