/**
 * Your own spiking VGG from PyTorch: builds a `SpikingVgg` from a `state_dict` saved as
 * safetensors, so SAM and the other explanations run on a network trained with snnTorch,
 * SpikingJelly or plain PyTorch. Export (three lines of Python):
 *
 *     from safetensors.torch import save_file
 *     net.eval()
 *     save_file({k: v.contiguous() for k, v in net.state_dict().items()}, "my-snn.safetensors")
 *
 * The network must have spikelens' VGG11 shape (lib/model/vgg.ts): eight 3×3 convolutions
 * (padding 1), 2×2 average pooling after conv1, conv2, conv4 and conv6, global average pooling
 * after conv8, then fc1 and fc2 (fc2 without bias). Channel counts are free. Modules are taken in
 * the order of their names (natural order: `features.10` after `features.9`; convolutions before
 * linear layers whatever their prefixes), which covers snnTorch's and SpikingJelly's layouts:
 *   - a module with a 4-D `weight` is a convolution, a 2-D `weight` a linear layer (`bias` optional);
 *   - a BatchNorm right after one (`weight`, `bias`, `running_mean`, `running_var`) is folded
 *     into it, as in eval mode (ε = `bnEps`, PyTorch's 1e-5);
 *   - a neuron module with `beta` and/or `threshold` (snnTorch's Leaky) sets that layer's leak and
 *     threshold; without them (SpikingJelly's IFNode/LIFNode keep theirs out of the state_dict)
 *     the options give them.
 * Neurons integrate then fire: v = λ·u + I, spike when v > θ, then u = v − θ (`subtract`,
 * snnTorch's default) or u = 0 (`zero`, SpikingJelly's hard reset). Shapes and names are checked;
 * every mismatch is one error naming the file and the tensor.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, type StateTensor } from '../model/safetensors';
import type { ConvPadding, VggArch } from '../model/vgg';
import { Rng } from '../random';
import { SPIKING_LAYERS, SpikingVgg, type SpikingVggConfig } from '../snn/network';
import type { ResetMode } from '../snn/lif';
import type { ModelMeta } from './store';

/** How the imported network runs (what the state_dict does not say). */
export interface TorchImportOptions {
  /** Steps to simulate (default 30). */
  timesteps?: number;
  /** Membrane leak λ; default: the file's `beta` (all layers equal), else 1 (IF neurons). */
  leak?: number;
  /** Threshold of every layer; default: each layer's `threshold` in the file, else 1. */
  threshold?: number;
  /** Reset after a spike (default 'subtract'; SpikingJelly's default is 'zero'). */
  reset?: Extract<ResetMode, 'subtract' | 'zero'>;
  /** Conv border padding (default 'zeros', PyTorch's). */
  padding?: ConvPadding;
  /** BatchNorm ε (default 1e-5). */
  bnEps?: number;
  /** Class names in label order, stored in the returned metadata. */
  classNames?: string[];
}

interface Module { prefix: string; params: Map<string, StateTensor> }
interface Layer { kind: 'conv' | 'linear'; prefix: string; weight: StateTensor; bias: StateTensor | null; bn: Module | null; beta: number | null; threshold: number | null }

/** Natural order of dotted module names: numeric parts compare as numbers. */
function naturalCompare(a: string, b: string): number {
  const pa = a.split('.'), pb = b.split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const na = Number(pa[i]), nb = Number(pb[i]);
    if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

const scalar = (t: StateTensor, what: string): number => {
  if (!t.data || t.data.length !== 1) throw new Error(`${what}: expected one number, got shape [${t.shape.join(', ')}]`);
  return t.data[0];
};

/** Reads `file` and builds the spiking network it holds (see the module doc); the caller disposes the model. */
export function loadTorchSnn(file: string, options: TorchImportOptions = {}): { model: SpikingVgg; meta: ModelMeta } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new Error(`${file}: not found`);
  }
  const { tensors } = readSafetensors(bytes, file);
  const modules = new Map<string, Module>();
  for (const [name, t] of tensors) {
    const cut = name.lastIndexOf('.');
    const prefix = cut < 0 ? '' : name.slice(0, cut);
    const param = name.slice(cut + 1);
    if (!modules.has(prefix)) modules.set(prefix, { prefix, params: new Map() });
    (modules.get(prefix) as Module).params.set(param, t);
  }
  const layers: Layer[] = [];
  const fail = (what: string): never => { throw new Error(`${file}: ${what}`); };
  for (const m of [...modules.values()].sort((a, b) => naturalCompare(a.prefix, b.prefix))) {
    const p = m.params;
    const w = p.get('weight');
    const isBn = p.has('running_mean') && p.has('running_var');
    const last = layers[layers.length - 1];
    if (isBn) {
      if (!last || last.bn || last.beta !== null || last.threshold !== null) fail(`batch norm '${m.prefix}' does not directly follow a convolution or linear layer`);
      last.bn = m;
    } else if (w && (w.shape.length === 4 || w.shape.length === 2)) {
      if (!w.data) fail(`'${m.prefix}.weight' is ${w.dtype}, expected a floating-point tensor`);
      const extra = [...p.keys()].filter((k) => k !== 'weight' && k !== 'bias');
      if (extra.length) fail(`'${m.prefix}' has parameters spikelens cannot map: ${extra.join(', ')}`);
      layers.push({ kind: w.shape.length === 4 ? 'conv' : 'linear', prefix: m.prefix, weight: w, bias: p.get('bias') ?? null, bn: null, beta: null, threshold: null });
    } else if (p.has('beta') || p.has('threshold')) {
      if (!last) fail(`neuron '${m.prefix}' comes before any layer`);
      const extra = [...p.keys()].filter((k) => k !== 'beta' && k !== 'threshold');
      if (extra.length) fail(`neuron '${m.prefix}' has parameters spikelens cannot map: ${extra.join(', ')} (only beta and threshold)`);
      if (p.has('beta')) last.beta = scalar(p.get('beta') as StateTensor, `${file}: '${m.prefix}.beta'`);
      if (p.has('threshold')) last.threshold = scalar(p.get('threshold') as StateTensor, `${file}: '${m.prefix}.threshold'`);
    } else {
      fail(`'${m.prefix || '(top level)'}' holds ${[...p.keys()].join(', ')}: neither a convolution, a linear layer, a batch norm nor a neuron with beta/threshold`);
    }
  }
  // Convolutions come before the classifier whatever their module names sort as (snnTorch's
  // `classifier` sorts before `features`; safetensors files list tensors in name order).
  const convs = layers.filter((l) => l.kind === 'conv'), linears = layers.filter((l) => l.kind === 'linear');
  if (convs.length !== 8 || linears.length !== 2) {
    fail(`expected 8 convolutions and 2 linear layers (spikelens' VGG11), found ${layers.map((l) => `${l.kind} '${l.prefix}'`).join(', ')}`);
  }
  // Shapes: chained channels, 3×3 kernels, fc1 on the globally pooled conv8 channels.
  convs.forEach((l, i) => {
    const [out, cin, kh, kw] = l.weight.shape;
    if (kh !== 3 || kw !== 3) fail(`'${l.prefix}.weight' is a ${kh}×${kw} convolution; spikelens' VGG uses 3×3`);
    const want = i === 0 ? cin : convs[i - 1].weight.shape[0];
    if (cin !== want) fail(`'${l.prefix}.weight' takes ${cin} input channels, but the layer before gives ${want}`);
    if (l.bias && l.bias.shape.join() !== String(out)) fail(`'${l.prefix}.bias' has shape [${l.bias.shape}], expected [${out}]`);
  });
  const [fc1, fc2] = linears;
  const c8 = convs[7].weight.shape[0];
  if (fc1.weight.shape[1] !== c8) {
    fail(`'${fc1.prefix}.weight' takes ${fc1.weight.shape[1]} inputs, but conv8 has ${c8} channels: spikelens' VGG pools conv8 globally (AdaptiveAvgPool2d(1) + Flatten) before fc1${fc1.weight.shape[1] % c8 === 0 ? ` (${fc1.weight.shape[1] / c8} = a flattened ${Math.round(Math.sqrt(fc1.weight.shape[1] / c8))}² map?)` : ''}`);
  }
  if (fc2.weight.shape[1] !== fc1.weight.shape[0]) fail(`'${fc2.prefix}.weight' takes ${fc2.weight.shape[1]} inputs, fc1 gives ${fc1.weight.shape[0]}`);
  if (fc2.bn || fc2.beta !== null || fc2.threshold !== null) fail(`fc2 '${fc2.prefix}' is the output layer: it integrates without a batch norm or spiking neuron after it`);
  if (fc2.bias?.data?.some((v) => v !== 0)) fail(`'${fc2.prefix}.bias' is not zero: spikelens' output layer has no bias (build fc2 with bias=False)`);
  const spiking = [...convs, fc1];
  const betas = [...new Set(spiking.map((l) => l.beta).filter((b): b is number => b !== null))];
  if (options.leak === undefined && betas.length > 1) fail(`the layers have different beta (${betas.join(', ')}); spikelens uses one leak for all layers (pass leak to override)`);
  const leak = options.leak ?? betas[0] ?? 1;
  const thresholds = spiking.map((l) => options.threshold ?? l.threshold ?? 1);
  const timesteps = options.timesteps ?? 30;
  if (!(leak >= 0 && leak <= 1)) fail(`leak ${leak} is outside 0..1`);
  if (!thresholds.every((t) => t > 0)) fail(`thresholds must be > 0, got ${thresholds.join(', ')}`);
  if (!Number.isInteger(timesteps) || timesteps < 1) fail(`timesteps must be a positive integer, got ${timesteps}`);

  const arch: VggArch = {
    channels: convs.map((l) => l.weight.shape[0]), hidden: fc1.weight.shape[0], inChannels: convs[0].weight.shape[1], classes: fc2.weight.shape[0],
    ...(options.padding && options.padding !== 'zeros' ? { padding: options.padding } : {}),
  };
  if (arch.classes < 2) fail(`fc2 has ${arch.classes} output; a classifier needs at least 2`);
  const biases = spiking.some((l) => l.bias || l.bn);
  const config: SpikingVggConfig = {
    arch, timesteps, leak, thresholds, order: 'integrate-then-fire', reset: options.reset ?? 'subtract', bntt: false, ...(biases ? { biases: true } : {}),
  };
  const net = SpikingVgg.create(config, new Rng(0));
  const eps = options.bnEps ?? 1e-5;
  // PyTorch [out, in, kh, kw] → [kh, kw, in, out]; [out, in] → [in, out]; batch norm folded per output channel.
  const folded = (l: Layer): { w: tf.Tensor; b: Float32Array } => {
    const out = l.weight.shape[0];
    const b = new Float32Array(out);
    if (l.bias?.data) b.set(l.bias.data);
    const scale = new Float32Array(out).fill(1);
    if (l.bn) {
      const get = (k: string) => {
        const t = l.bn?.params.get(k);
        if (!t?.data || t.data.length !== out) fail(`'${l.bn?.prefix}.${k}' must hold ${out} values (one per channel of '${l.prefix}')`);
        return (t as StateTensor).data as Float32Array;
      };
      const gamma = l.bn.params.has('weight') ? get('weight') : new Float32Array(out).fill(1);
      const beta = l.bn.params.has('bias') ? get('bias') : new Float32Array(out);
      const mean = get('running_mean'), variance = get('running_var');
      for (let c = 0; c < out; c++) {
        scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
        b[c] = (b[c] - mean[c]) * scale[c] + beta[c];
      }
    }
    const w = tf.tidy(() => {
      const raw = tf.tensor(l.weight.data as Float32Array, l.weight.shape);
      const scaled = tf.mul(raw, tf.reshape(tf.tensor1d(scale), l.kind === 'conv' ? [out, 1, 1, 1] : [out, 1]));
      return l.kind === 'conv' ? tf.transpose(scaled, [2, 3, 1, 0]) : tf.transpose(scaled);
    });
    return { w, b };
  };
  try {
    convs.forEach((l, i) => {
      const { w, b } = folded(l);
      net.weights.convs[i].assign(w as tf.Tensor4D);
      net.weights.biases?.convs[i].assign(tf.tensor1d(b));
      w.dispose();
    });
    const f1 = folded(fc1);
    net.weights.fc1.assign(f1.w as tf.Tensor2D);
    net.weights.biases?.fc1.assign(tf.tensor1d(f1.b));
    f1.w.dispose();
    const w2 = tf.tidy(() => tf.transpose(tf.tensor2d(fc2.weight.data as Float32Array, fc2.weight.shape as [number, number])));
    net.weights.fc2.assign(w2);
    w2.dispose();
  } catch (e) {
    net.dispose();
    throw e;
  }
  if (options.classNames && options.classNames.length !== arch.classes) {
    net.dispose();
    fail(`${options.classNames.length} class names given for ${arch.classes} outputs`);
  }
  return {
    model: net,
    meta: { kind: 'snn-converted', arch, snn: config, ...(options.classNames ? { classNames: options.classNames } : {}), source: file, layers: SPIKING_LAYERS.map((name, i) => ({ name, from: spiking[i].prefix })) },
  };
}
