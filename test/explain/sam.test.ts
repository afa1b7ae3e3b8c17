/**
 * SAM specification: the streaming observer equals the sum definitions, computed here by brute
 * force over the stored spike train (O(T²)), for both variants, several γ and several T.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SpikeActivationMap, type SamVariant } from '../../lib/explain/sam';
import type { LayerName } from '../../lib/snn/observer';
import { Rng } from '../../lib/random';
import { vggArch } from '../../lib/model/vgg';
import { SPIKING_LAYERS, SpikingVgg } from '../../lib/snn/network';
import { simulate } from '../../lib/snn/simulate';
import { useBackend } from '../helpers/tf';

/** A spike train: T maps of shape [B,H,W,C], row-major, values 0/1. */
interface Train { shape: [number, number, number, number]; steps: Float32Array[] }

function randomTrain(rng: Rng, T: number, shape: Train['shape'], rate: number): Train {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, steps: Array.from({ length: T }, () => Float32Array.from({ length: n }, () => (rng.next() < rate ? 1 : 0))) };
}

/** Paper, Eq. 3 with P = spike times strictly before t: N_t = Σ_{t'<t, S_t'=1} exp(-γ(t-t')). */
function ncsPaper(s: number[], t: number, gamma: number): number {
  let n = 0;
  for (let tp = 0; tp < t; tp++) if (s[tp] === 1) n += Math.exp(-gamma * (t - tp));
  return n;
}

/**
 * The authors' code: for every t' ≤ t it adds exp(-γ|t - t'·S_t'|), i.e. it uses t'·S_t' as the
 * spike time. A spike at t' gives exp(-γ(t-t')) (the spike at t itself gives 1); t' = 0 and every
 * step without a spike give exp(-γt).
 */
function ncsReference(s: number[], t: number, gamma: number): number {
  let n = 0;
  for (let tp = 0; tp <= t; tp++) n += Math.exp(-gamma * Math.abs(t - tp * s[tp]));
  return n;
}

/** M_t = Σ_k N^k_t S^k_t for every step, brute force, [B,H,W] per step. */
function bruteForceMaps(train: Train, gamma: number, variant: SamVariant): Float64Array[] {
  const [B, H, W, C] = train.shape;
  const ncs = variant === 'paper' ? ncsPaper : ncsReference;
  return train.steps.map((_, t) => {
    const m = new Float64Array(B * H * W);
    for (let p = 0; p < B * H * W; p++) {
      for (let k = 0; k < C; k++) {
        const history = train.steps.map((st) => st[p * C + k]);
        if (history[t] === 1) m[p] += ncs(history, t, gamma);
      }
    }
    return m;
  });
}

/**
 * Drives an observer the way lib/snn/simulate.ts does: begin, then each step inside its own
 * tf.tidy (which frees everything the step made, so the observer must tf.keep its state), end.
 */
function run(sam: SpikeActivationMap, layer: LayerName, train: Train, input = { h: 8, w: 8 }): void {
  sam.begin({ timesteps: train.steps.length, batch: train.shape[0], inputHeight: input.h, inputWidth: input.w });
  train.steps.forEach((st, t) => tf.tidy(() => sam.onStep(layer, t, tf.tensor4d(st, train.shape))));
  sam.end();
}

describe('SAM (streaming observer)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('hand-computed: one neuron, spikes at t = 0, 1, 3, γ = ln 2 (each step halves a contribution)', () => {
    const train: Train = { shape: [1, 1, 1, 1], steps: [1, 1, 0, 1].map((v) => Float32Array.of(v)) };
    const maps = (variant: SamVariant) => {
      const sam = new SpikeActivationMap({ layers: ['conv1'], gamma: Math.LN2, variant });
      run(sam, 'conv1', train);
      const out = sam.series('conv1').map((m) => m.data[0]);
      sam.dispose();
      return out;
    };
    // Paper: N_0 = 0, N_1 = 1/2, N_2 = 1/4 + 1/2, N_3 = 1/8 + 1/4; M_t = N_t·S_t.
    expect(maps('paper')).toEqual([0, 0.5, 0, 0.375].map((v) => expect.closeTo(v, 6)));
    // Reference: N_0 = 1; N_1 = 1/2 (t'=0) + 1 (own spike); N_3 = 1/8 (t'=0) + 1/4 (t'=1) + 1/8 (silent t'=2) + 1.
    expect(maps('reference')).toEqual([1, 1.5, 0, 1.5].map((v) => expect.closeTo(v, 6)));
  });

  it('sums NCS over channels: two channels at one pixel add up (Eq. 4)', () => {
    // Channel 0 spikes at t = 0, 1; channel 1 spikes at t = 1 only. γ = 0: NCS counts earlier spikes.
    const train: Train = { shape: [1, 1, 1, 2], steps: [Float32Array.of(1, 0), Float32Array.of(1, 1)] };
    const sam = new SpikeActivationMap({ layers: ['conv4'], gamma: 0 });
    run(sam, 'conv4', train);
    expect(sam.map('conv4', 1).data[0]).toBe(1); // channel 0: one earlier spike; channel 1: none
    sam.dispose();
  });

  for (const variant of ['paper', 'reference'] as const) {
    it(`${variant}: streaming recursion equals the brute-force sum (γ ∈ {0, 0.2, 0.5, 1.3}, T ∈ {1, 5, 30, 60})`, () => {
      const rng = new Rng(7);
      for (const gamma of [0, 0.2, 0.5, 1.3]) {
        for (const T of [1, 5, 30, 60]) {
          const train = randomTrain(rng, T, [2, 3, 4, 3], rng.uniform(0.1, 0.6));
          const want = bruteForceMaps(train, gamma, variant);
          const sam = new SpikeActivationMap({ layers: ['conv2'], gamma, variant });
          run(sam, 'conv2', train);
          for (let t = 0; t < T; t++) {
            for (let b = 0; b < 2; b++) {
              const got = sam.map('conv2', t, b).data;
              for (let i = 0; i < got.length; i++) {
                const ref = want[t][b * 12 + i];
                // float32 state: allow 1e-6 relative to the value's size (maps reach C·T at γ = 0).
                expect(Math.abs(got[i] - ref), `γ=${gamma} T=${T} t=${t} b=${b} i=${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, ref));
              }
            }
          }
          sam.dispose();
        }
      }
    });
  }

  it('keeps no tensors: memory returns to where it was after dispose, and end() frees the state', () => {
    const before = tf.memory().numTensors;
    const sam = new SpikeActivationMap({ layers: ['conv4', 'fc1'], variant: 'reference' });
    const train = randomTrain(new Rng(1), 6, [1, 4, 4, 8], 0.2);
    sam.begin({ timesteps: 6, batch: 1, inputHeight: 16, inputWidth: 16 });
    train.steps.forEach((st, t) => {
      tf.tidy(() => sam.onStep('conv4', t, tf.tensor4d(st, train.shape)));
      // State is O(1) per neuron: A and C for the one observed conv layer, whatever t is.
      expect(tf.memory().numTensors - before).toBe(2);
    });
    sam.end();
    expect(tf.memory().numTensors).toBe(before);
    expect(sam.steps('conv4')).toBe(6); // maps survive end()
    sam.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // dispose() mid-run frees the state too.
    const mid = new SpikeActivationMap({ layers: ['conv4'] });
    run(mid, 'conv4', { shape: train.shape, steps: [train.steps[0]] });
    mid.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('normalised and upsampled views follow the authors: (M - min)/(max + 1e-3), then bilinear to input size', () => {
    // One 1×2 map: pixel 0 never spikes, pixel 1 spikes at t = 0 and t = 1 (γ = 0 → M_1 = [0, 1]).
    const train: Train = { shape: [1, 1, 2, 1], steps: [Float32Array.of(0, 1), Float32Array.of(0, 1)] };
    const sam = new SpikeActivationMap({ layers: ['conv8'], gamma: 0 });
    run(sam, 'conv8', train, { h: 2, w: 4 });
    expect(Array.from(sam.normalised('conv8', 1).data)).toEqual([0, expect.closeTo(1 / 1.001, 6)]);
    const up = sam.upsampled('conv8', 1);
    expect([up.height, up.width]).toEqual([2, 4]);
    // Half-pixel centres: x = 0..3 sample source x = -0.25→0, 0.25, 0.75, 1.25→1.
    const v = 1 / 1.001;
    expect(Array.from(up.data.subarray(0, 4))).toEqual([0, 0.25 * v, 0.75 * v, v].map((x) => expect.closeTo(x, 6)));
    expect(sam.series('conv8', 'upsampled')).toHaveLength(2);
    expect(sam.shape('conv8')).toEqual({ batch: 1, height: 1, width: 2 });
    sam.dispose();
  });

  it('ignores layers it does not observe and stops with a clear message on misuse', () => {
    const sam = new SpikeActivationMap({ layers: ['conv4'] });
    sam.begin({ timesteps: 2, batch: 1, inputHeight: 4, inputWidth: 4 });
    const s = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
    sam.onStep('conv6', 0, s); // another observer's layer: ignored
    expect(() => sam.onStep('conv4', 1, s)).toThrow('conv4 got step 1, expected 0');
    sam.onStep('conv4', 0, s);
    const bigger = tf.ones([1, 4, 4, 3]) as tf.Tensor4D;
    expect(() => sam.onStep('conv4', 1, bigger)).toThrow('changed shape from [1,2,2,3] to [1,4,4,3]');
    expect(() => sam.map('conv6', 0)).toThrow('no steps recorded for conv6');
    expect(() => sam.map('conv4', 3)).toThrow('step 3 of conv4 not recorded');
    expect(() => sam.map('conv4', 0, 1)).toThrow('image 1 out of range (batch 1)');
    sam.end();
    expect(() => sam.onStep('conv4', 1, s)).toThrow('call begin()');
    expect(() => new SpikeActivationMap({ layers: ['conv4'], gamma: -1 })).toThrow('gamma must be a finite number ≥ 0');
    expect(() => new SpikeActivationMap({ layers: [] })).toThrow('layers is empty');
    tf.dispose([s, bigger]);
    sam.dispose();
  });
});

describe('layer names as plain strings', () => {
  it("SAM takes 'conv4', '4', 4, 'fc1' and names of your own layers; a VGG11 simulation refuses names it does not have", () => {
    const sam = new SpikeActivationMap({ layers: [4, 'conv6', '8', 'fc1', 'block3'] });
    expect(sam.layers).toEqual(['conv4', 'conv6', 'conv8', 'fc1', 'block3']);
    expect(() => new SpikeActivationMap({ layers: [9] })).toThrow('layer 9 is not a conv layer of VGG11; use 1..8 (or a name like conv4, fc1)');
    // Your own simulation: any layer name, fed step by step.
    sam.begin({ timesteps: 2, batch: 1, inputHeight: 4, inputWidth: 4 });
    for (let t = 0; t < 2; t++) {
      const s = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
      sam.onStep('block3', t, s);
      s.dispose();
    }
    expect(sam.steps('block3')).toBe(2);
    // t = 2: each of 3 channels spiked once one step earlier: 3 · e^(−γ·1), γ = 0.5.
    for (const v of sam.map('block3', 1).data) expect(v).toBeCloseTo(3 * Math.exp(-0.5), 5);
    sam.dispose();
    const net = SpikingVgg.create({ arch: vggArch(0.0625, 3), timesteps: 2, leak: 1, thresholds: SPIKING_LAYERS.map(() => 1), order: 'integrate-then-fire', reset: 'subtract', bntt: false }, new Rng(1));
    const src = { step: () => tf.zeros([1, 16, 16, 3]) as tf.Tensor4D };
    expect(() => simulate(net, src, { timesteps: 2, observers: [new SpikeActivationMap({ layers: ['block3'] })] }))
      .toThrow("an observer watches 'block3', which a VGG11 SNN does not have; its layers are conv1, conv2, conv3, conv4, conv5, conv6, conv7, conv8, fc1");
    net.dispose();
  });
});
