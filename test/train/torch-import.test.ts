/**
 * Importing a spiking VGG from a PyTorch state_dict (safetensors): the committed fixtures
 * (test/fixtures/torch/make_fixtures.py) hold an snnTorch-style network (Leaky neurons with beta
 * and threshold in the state_dict, conv biases) and a SpikingJelly-style one (BatchNorm after every
 * conv, IF neurons, float16), each with the logits PyTorch computed for a fixed input.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors } from '../../lib/model/safetensors';
import { loadTorchSnn } from '../../lib/train/torch-import';
import { SpikeActivationMap } from '../../lib/explain/sam';
import { simulate } from '../../lib/snn/simulate';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('node'));

const FIX = path.resolve(__dirname, '../fixtures/torch');
const B = 2, H = 32, W = 32;

/** The fixture's input: frame t of [B, H, W, 3] is 1 where (7b + 3h + 5w + c + t) % 4 == 0. */
function source(T: number) {
  const frame = (t: number) => {
    const data = new Float32Array(B * H * W * 3);
    for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < 3; c++) {
      data[((b * H + h) * W + w) * 3 + c] = (7 * b + 3 * h + 5 * w + c + t) % 4 === 0 ? 1 : 0;
    }
    return tf.tensor4d(data, [B, H, W, 3]);
  };
  return { shape: [B, H, W, 3] as [number, number, number, number], step: (t: number) => frame(t), steps: (t0: number, k: number) => tf.concat(Array.from({ length: k }, (_, j) => frame(t0 + j)), 0) as tf.Tensor4D, T };
}

function expected(file: string): number[][] {
  return JSON.parse(readSafetensors(fs.readFileSync(file), file).metadata.expected_logits) as number[][];
}

describe('PyTorch state_dict import (safetensors)', () => {
  it('snnTorch layout: beta and thresholds from the file, conv biases; logits equal PyTorch\'s', async () => {
    const file = path.join(FIX, 'snntorch-vgg.safetensors');
    const { model, meta } = loadTorchSnn(file, { timesteps: 8 });
    expect(model.config.leak).toBeCloseTo(0.9, 6);
    expect(model.config.thresholds).toEqual([0.5, 0.75, 0.5, 0.75, 0.5, 0.75, 0.5, 0.75, 0.5]);
    expect(model.config.arch).toMatchObject({ channels: [4, 8, 16, 16, 32, 32, 32, 32], hidden: 256, classes: 3, inChannels: 3 });
    expect((meta.layers as Array<{ from: string }>).map((l) => l.from)).toEqual(['features.0', 'features.3', 'features.6', 'features.8', 'features.11', 'features.13', 'features.16', 'features.18', 'classifier.0']);
    const logits = simulate(model, source(4), { timesteps: 8 });
    const got = (await logits.array()) as number[][];
    const want = expected(file);
    got.flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i], 4));
    expect(Math.max(...want.flat().map(Math.abs))).toBeGreaterThan(0.01); // not a silent network
    logits.dispose();
    model.dispose();
  });

  it('SpikingJelly layout: batch norms folded, IF neurons with hard reset, float16; logits equal PyTorch\'s, and SAM explains it', async () => {
    const file = path.join(FIX, 'spikingjelly-vgg.safetensors');
    const { model } = loadTorchSnn(file, { timesteps: 8, reset: 'zero', classNames: ['a', 'b', 'c'] });
    expect(model.config.leak).toBe(1);
    expect(model.config.thresholds).toEqual(Array(9).fill(1));
    const sam = new SpikeActivationMap({ layers: ['conv4'], gamma: 0.5 });
    const logits = simulate(model, source(4), { timesteps: 8, observers: [sam] });
    const got = (await logits.array()) as number[][];
    const want = expected(file);
    got.flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i], 3));
    const map = sam.map('conv4', 7, 1);
    expect([map.height, map.width]).toEqual([8, 8]);
    expect(map.data.some((v) => v > 0)).toBe(true);
    sam.dispose();
    logits.dispose();
    model.dispose();
  });

  it('wrong shapes, unknown parameters and a flattened classifier are named', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torch-import-'));
    const write = (name: string, tensors: Record<string, { shape: number[]; values?: number[] }>) => {
      const header: Record<string, unknown> = {};
      const blobs: Buffer[] = [];
      let off = 0;
      for (const [k, t] of Object.entries(tensors)) {
        const n = t.shape.reduce((a, d) => a * d, 1);
        const raw = Buffer.from(new Float32Array(t.values ?? Array(n).fill(0.01)).buffer);
        header[k] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + raw.length] };
        blobs.push(raw);
        off += raw.length;
      }
      const json = Buffer.from(JSON.stringify(header));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      const f = path.join(dir, name);
      fs.writeFileSync(f, Buffer.concat([len, json, ...blobs]));
      return f;
    };
    const chans = [4, 8, 16, 16, 32, 32, 32, 32];
    const convs = (prefix: (i: number) => string) => Object.fromEntries(chans.map((c, i) => [`${prefix(i)}.weight`, { shape: [c, i ? chans[i - 1] : 3, 3, 3] }]));
    const good = { ...convs((i) => `f.${i}`), 'c.0.weight': { shape: [16, 32] }, 'c.1.weight': { shape: [3, 16] } };
    expect(loadTorchSnn(write('ok.safetensors', good)).model.config.arch.hidden).toBe(16);
    const flat = write('flat.safetensors', { ...good, 'c.0.weight': { shape: [16, 32 * 4] } });
    expect(() => loadTorchSnn(flat)).toThrow(`${flat}: 'c.0.weight' takes 128 inputs, but conv8 has 32 channels: spikelens' VGG pools conv8 globally (AdaptiveAvgPool2d(1) + Flatten) before fc1 (4 = a flattened 2² map?)`);
    const chain = write('chain.safetensors', { ...good, 'f.3.weight': { shape: [16, 8, 3, 3] } });
    expect(() => loadTorchSnn(chain)).toThrow(`${chain}: 'f.3.weight' takes 8 input channels, but the layer before gives 16`);
    const plif = write('plif.safetensors', { ...good, 'f.0n.w': { shape: [] } });
    expect(() => loadTorchSnn(plif)).toThrow(`${plif}: 'f.0n' holds w: neither a convolution, a linear layer, a batch norm nor a neuron with beta/threshold`);
    const seven = write('seven.safetensors', Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'f.7.weight')));
    expect(() => loadTorchSnn(seven)).toThrow(/expected 8 convolutions and 2 linear layers/);
    const bias = write('bias.safetensors', { ...good, 'c.1.bias': { shape: [3], values: [0, 0.5, 0] } });
    expect(() => loadTorchSnn(bias)).toThrow(`${bias}: 'c.1.bias' is not zero: spikelens' output layer has no bias (build fc2 with bias=False)`);
    const broken = path.join(dir, 'broken.safetensors');
    fs.writeFileSync(broken, Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    expect(() => loadTorchSnn(broken)).toThrow(`${broken}: not a valid safetensors file (header length 200 does not fit the 9-byte file)`);
  });
});
