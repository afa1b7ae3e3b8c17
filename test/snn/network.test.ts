import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { vggArch } from '../../lib/model/vgg';
import { SPIKING_LAYERS, SpikingVgg, type SpikingVggConfig } from '../../lib/snn/network';
import { simulate, unroll, type SpikeSource } from '../../lib/snn/simulate';
import type { LayerName, SimulationObserver } from '../../lib/snn/observer';
import { Rng } from '../../lib/random';
import { createEncoder } from '../../lib/data/encode';
import { toTensor } from '../../lib/data/dataset';
import { train } from '../../lib/train/loop';
import { snnTask } from '../../lib/train/tasks';
import { toyDataset } from '../helpers/toy';
import { useBackend } from '../helpers/tf';
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';

beforeAll(() => useBackend('node'));

const config = (over: Partial<SpikingVggConfig> = {}): SpikingVggConfig => ({
  arch: vggArch(0.0625, 4), timesteps: 4, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 1),
  order: 'integrate-then-fire', reset: 'subtract', bntt: true, ...over,
});

/** Records the shape and spike count of every layer at every step. */
class Recorder implements SimulationObserver {
  readonly layers: readonly LayerName[] = SPIKING_LAYERS;
  shapes = new Map<string, number[]>();
  values = new Set<number>();
  steps: number[] = [];
  outputs = 0;
  onStep(layer: LayerName, t: number, spikes: tf.Tensor4D) {
    this.shapes.set(layer, spikes.shape);
    if (layer === 'conv1') this.steps.push(t);
    for (const v of spikes.dataSync()) this.values.add(v);
  }
  onOutput() { this.outputs++; }
}

const randomSource = (shape: [number, number, number, number], seed: number): SpikeSource => {
  const x = tf.randomUniform(shape, -1, 1, 'float32', seed);
  return { step: (t) => tf.tidy(() => tf.mul(tf.sign(x), tf.step(tf.sub(tf.abs(x), tf.randomUniform(shape, 0, 1, 'float32', seed + t + 1))))) as tf.Tensor4D };
};

describe('VGG11 SNN', () => {
  it('64×64 input: observers see binary spikes of every layer, before pooling, at every step', () => {
    const net = SpikingVgg.create(config(), new Rng(1));
    const rec = new Recorder();
    const logits = simulate(net, randomSource([2, 64, 64, 3], 3), { timesteps: 4, observers: [rec] });
    const c = net.config.arch.channels;
    expect(logits.shape).toEqual([2, 4]);
    expect(rec.shapes.get('conv1')).toEqual([2, 64, 64, c[0]]);
    expect(rec.shapes.get('conv4')).toEqual([2, 16, 16, c[3]]);
    expect(rec.shapes.get('conv6')).toEqual([2, 8, 8, c[5]]);
    expect(rec.shapes.get('conv8')).toEqual([2, 4, 4, c[7]]);
    expect(rec.shapes.get('fc1')).toEqual([2, 1, 1, net.config.arch.hidden]);
    expect(rec.steps).toEqual([0, 1, 2, 3]);
    expect(rec.outputs).toBe(4);
    expect([...rec.values].sort()).toEqual([0, 1]);
    net.dispose();
  });

  it('64×128 input (two images side by side) works; sizes not divisible by 16 are refused', () => {
    const net = SpikingVgg.create(config(), new Rng(1));
    const rec = new Recorder();
    const logits = simulate(net, randomSource([1, 64, 128, 3], 5), { timesteps: 2, observers: [rec] });
    expect(logits.shape).toEqual([1, 4]);
    expect(rec.shapes.get('conv4')?.slice(1, 3)).toEqual([16, 32]);
    expect(rec.shapes.get('conv8')?.slice(1, 3)).toEqual([4, 8]);
    expect(() => simulate(net, randomSource([1, 40, 64, 3], 5), { timesteps: 1 })).toThrow(/multiples of 16, got 40×64/);
    net.dispose();
  });

  it('memory stays flat over a long simulation', () => {
    const net = SpikingVgg.create(config({ bntt: false }), new Rng(2));
    const src = randomSource([1, 32, 32, 3], 7);
    simulate(net, src, { timesteps: 2 }).dispose();
    const before = tf.memory().numTensors;
    simulate(net, src, { timesteps: 40 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('fire-then-integrate delays every layer by one step: the output stays silent for the first 9 steps', () => {
    const net = SpikingVgg.create(config({ order: 'fire-then-integrate', bntt: false, thresholds: SPIKING_LAYERS.map(() => 0.01) }), new Rng(3));
    const outs: number[] = [];
    const probe: SimulationObserver = { layers: [], onStep() {}, onOutput: (_t, l) => { outs.push(tf.sum(tf.abs(l)).dataSync()[0]); } };
    simulate(net, randomSource([1, 32, 32, 3], 9), { timesteps: 12, observers: [probe] });
    expect(outs.slice(0, 9).every((v) => v === 0)).toBe(true);
    expect(outs[11]).toBeGreaterThan(0);
    net.dispose();
  });

  it('unroll tells observers what simulate tells them: same spikes, running logits, one begin and end', () => {
    const net = SpikingVgg.create(config(), new Rng(6));
    const watch = () => {
      const seen = { spikes: [] as number[], outputs: [] as number[], begins: 0, ends: 0 };
      const o: SimulationObserver = {
        layers: ['conv2', 'fc1'],
        begin: (info) => { seen.begins++; expect(info).toEqual({ timesteps: 3, batch: 2, inputHeight: 32, inputWidth: 32 }); },
        onStep: (layer, t, s) => { seen.spikes.push(t, SPIKING_LAYERS.indexOf(layer), tf.sum(s).dataSync()[0]); },
        onOutput: (_t, l) => { seen.outputs.push(...l.dataSync()); },
        end: () => { seen.ends++; },
      };
      return { seen, o };
    };
    const a = watch(), b = watch();
    const simulated = simulate(net, randomSource([2, 32, 32, 3], 13), { timesteps: 3, observers: [a.o] });
    const unrolled = tf.tidy(() => unroll(net, randomSource([2, 32, 32, 3], 13), 3, { training: false, observers: [b.o] }));
    expect(b.seen.spikes).toEqual(a.seen.spikes);
    expect(a.seen.spikes.length).toBe(3 * 2 * 3);
    b.seen.outputs.forEach((v, i) => expect(v).toBeCloseTo(a.seen.outputs[i], 5));
    expect(b.seen.outputs.length).toBe(3 * 2 * 4);
    expect([a.seen.begins, a.seen.ends, b.seen.begins, b.seen.ends]).toEqual([1, 1, 1, 1]);
    Array.from(unrolled.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(simulated.dataSync()[i], 5));
    tf.dispose([simulated, unrolled]);
    net.dispose();
  });

  it('surrogate BPTT reaches every weight', () => {
    const net = SpikingVgg.create(config(), new Rng(4));
    const src = randomSource([2, 32, 32, 3], 11);
    const y = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 4);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, unroll(net, src, 4, { training: true })) as tf.Scalar, net.trainable());
    for (const v of net.trainable()) expect(tf.sum(tf.abs(grads[v.name])).dataSync()[0], `gradient of ${v.name}`).toBeGreaterThan(0);
    net.dispose();
  });

  it('a small SNN overfits 32 images to 100 % training accuracy', async () => {
    const ds = toyDataset(32, 1);
    const net = SpikingVgg.create(config({ arch: vggArch(0.125, 4) }), new Rng(5));
    const rng = new Rng(6);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'overfit-'));
    const result = await train(snnTask(net, 'rate', 4, rng.fork('eval')), {
      settings: { optimizer: 'adam', epochs: 30, batch_size: 32, lr: 0.005, momentum: 0.9, weight_decay: 0 },
      train: ds, val: ds, rng, checkpoint: path.join(dir, 'snn.ckpt'), meta: {}, log: () => {},
    });
    expect(result.epochs[result.epochs.length - 1].train_accuracy).toBe(1);
    // Evaluation mode (running BNTT statistics, fresh Poisson draws) agrees.
    const x = toTensor(ds, Array.from({ length: 32 }, (_, i) => i));
    const enc = createEncoder('rate', x, new Rng(9));
    const pred = tf.argMax(simulate(net, enc, { timesteps: 4 }), 1).dataSync();
    const correct = Array.from(pred).filter((p, i) => p === ds.labels[i]).length;
    expect(correct).toBeGreaterThanOrEqual(30);
    net.dispose();
  });
});

describe('SpikingVgg.adapted (fine-tuning to another T or neuron)', () => {
  /** Gives every BNTT step its own γ and running statistics, so a wrong row would show. */
  const distinctBntt = (net: SpikingVgg) => {
    for (const b of net.bntt ?? []) {
      const v = b.namedVariables();
      for (const [name, x] of Object.entries(v)) {
        const [T, C] = x.shape;
        const ramp = tf.tidy(() => tf.add(tf.reshape(tf.linspace(0.8, 1.2, T), [T, 1]), tf.zeros([T, C])));
        x.assign(name.endsWith('/mean') ? tf.mul(ramp, 0.01) : ramp);
        ramp.dispose();
      }
    }
  };

  it('a longer T computes what running the original past its T computes; weights are copies', () => {
    const net = SpikingVgg.create(config({ timesteps: 3 }), new Rng(2));
    distinctBntt(net);
    const longer = net.adapted({ timesteps: 6 });
    expect(longer.config.timesteps).toBe(6);
    expect(longer.bntt?.[0].timesteps).toBe(6);
    const a = simulate(net, randomSource([2, 32, 32, 3], 7), { timesteps: 6 });
    const b = simulate(longer, randomSource([2, 32, 32, 3], 7), { timesteps: 6 });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    // The copy is independent: changing it leaves the original as it was.
    const before = Array.from(net.weights.convs[0].dataSync());
    longer.weights.convs[0].assign(tf.zerosLike(longer.weights.convs[0]));
    expect(Array.from(net.weights.convs[0].dataSync())).toEqual(before);
    tf.dispose([a, b]);
    net.dispose();
    longer.dispose();
  });

  it('a shorter T keeps the first steps; another neuron is taken from the config', () => {
    const net = SpikingVgg.create(config({ timesteps: 5 }), new Rng(3));
    distinctBntt(net);
    const shorter = net.adapted({ timesteps: 2, neuron: { kind: 'alif', adaptation: 0.2, decay: 0.9 } });
    const rows = (n: SpikingVgg) => Array.from(Object.values(n.bntt?.[2].namedVariables() ?? {})[0].dataSync());
    const C = net.bntt?.[2].channels ?? 0;
    expect(rows(shorter)).toEqual(rows(net).slice(0, 2 * C));
    expect(shorter.neuron(0).constructor.name).toBe('AdaptiveLif');
    expect(net.neuron(0).constructor.name).toBe('Lif');
    expect(() => net.adapted({ timesteps: 0 })).toThrow(/timesteps must be a positive integer/);
    net.dispose();
    shorter.dispose();
  });
});
