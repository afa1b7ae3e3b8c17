/**
 * The VGG11 architecture shared by the ANN and both SNNs (same weight layout, so ANN→SNN
 * conversion copies weights one to one).
 *
 * conv3×3 (pad 1, no bias) × 8 with 64, 128, 256, 256, 512, 512, 512, 512 channels (× width);
 * 2×2 average pooling after conv1, conv2, conv4, conv6; global average pooling after conv8;
 * fc1 (512 → 4096, × width), fc2 (→ classes). Any H×W divisible by 16 works (64×64, 64×128, …).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../random';
import { nativeKernels, registerNativeOp, type NativeKernels, type NativeOp } from '../kernels/native';

export const VGG11_CHANNELS = [64, 128, 256, 256, 512, 512, 512, 512] as const;
/** Conv layers (0-based) followed by 2×2 average pooling. */
export const VGG11_POOL_AFTER: ReadonlySet<number> = new Set([0, 1, 3, 5]);
export const VGG11_FC_HIDDEN = 4096;
/** Names of the conv layers (1-based, as in the paper's figures: "layer 4" = conv4). */
export const CONV_LAYERS = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'conv6', 'conv7', 'conv8'] as const;

/** Sizes of a VGG11 instance. */
export interface VggArch {
  /** Channels of conv1..conv8. */
  channels: number[];
  /** Width of fc1. */
  hidden: number;
  /** Input channels (3 for RGB). */
  inChannels: number;
  classes: number;
  /** How the 3×3 convolutions pad the border (absent: 'zeros', the paper's). */
  padding?: ConvPadding;
}

/**
 * Border padding of the 3×3 convolutions:
 * - `zeros` (VGG's and the paper's): the border sees zeros outside the image;
 * - `replicate`: the border sees copies of its own edge row and column, so a layer whose input
 *   is uniform (a black background, or a spiking layer's steady background firing) produces the
 *   same current at the border as inside. Zero padding against a non-zero background instead
 *   makes an edge at every layer, which SAM of a surrogate-trained SNN then highlights (see
 *   README, "The border artefact").
 */
export type ConvPadding = 'zeros' | 'replicate';
export const CONV_PADDINGS: readonly ConvPadding[] = ['zeros', 'replicate'];

/** VGG11 with every width scaled by `width` (1 = the paper's network). */
export function vggArch(width: number, classes: number, inChannels = 3, padding: ConvPadding = 'zeros'): VggArch {
  if (!(width > 0)) throw new Error(`vggArch: width must be > 0, got ${width}`);
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`vggArch: classes must be an integer ≥ 2, got ${classes}`);
  if (!CONV_PADDINGS.includes(padding)) throw new Error(`vggArch: padding must be one of ${CONV_PADDINGS.join(', ')}, got '${padding}'`);
  const scale = (c: number) => Math.max(1, Math.round(c * width));
  return { channels: VGG11_CHANNELS.map(scale), hidden: scale(VGG11_FC_HIDDEN), inChannels, classes, ...(padding === 'zeros' ? {} : { padding }) };
}

/** A 3×3, stride-1 convolution that keeps H×W, padded as `arch.padding` says ([N,H,W,Cin] → [N,H,W,Cout]). */
export function conv3x3(x: tf.Tensor4D, w: tf.Tensor4D, padding: ConvPadding = 'zeros'): tf.Tensor4D {
  if (padding === 'zeros') return tf.conv2d(x, w, 1, 'same');
  return tf.conv2d(replicatePad(x), w, 1, 'valid');
}

/**
 * Pads H and W by one pixel that repeats the edge row/column. On the native backend one fused
 * copy kernel (equal to MirrorPad SYMMETRIC, pad 1, and several times faster) with the fused
 * gradient (the same sums in the same order as the slices' and concats' gradients,
 * bit-identical); elsewhere slices and concats. Not plain `tf.mirrorPad` everywhere: tfjs's
 * MirrorPad gradient only crops the interior and drops what the padded copies contribute to the
 * edge pixels.
 */
function replicatePad(x: tf.Tensor4D): tf.Tensor4D {
  const native = nativeKernels();
  if (native) return nativeReplicatePad(native)(x);
  const [n, h, w, c] = x.shape;
  const rows = tf.concat([tf.slice(x, [0, 0, 0, 0], [n, 1, w, c]), x, tf.slice(x, [0, h - 1, 0, 0], [n, 1, w, c])], 1);
  return tf.concat([tf.slice(rows, [0, 0, 0, 0], [n, h + 2, 1, c]), rows, tf.slice(rows, [0, 0, w - 1, 0], [n, h + 2, 1, c])], 2) as tf.Tensor4D;
}

let nativePad: { kernels: NativeKernels; pad: (x: tf.Tensor4D) => tf.Tensor4D } | undefined;

/** The native replicate pad, one `tf.customGrad` made once per kernel library. */
function nativeReplicatePad(kernels: NativeKernels): (x: tf.Tensor4D) => tf.Tensor4D {
  if (nativePad?.kernels !== kernels) {
    const pad = tf.customGrad(((x: tf.Tensor) => ({
      value: kernels.replicatePad(x as tf.Tensor4D),
      gradFunc: (dy: tf.Tensor) => kernels.replicatePadGrad(dy as tf.Tensor4D),
    })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;
    nativePad = { kernels, pad };
  }
  return nativePad.pad;
}

let biasOp: NativeOp | undefined;

/**
 * z + b with one b per channel (z's last axis): a converted net's folded batch-norm biases. On the
 * native backend one fused pass, bit-identical to `tf.add` (whose broadcasting add took 5–11 % of
 * figures 01, 04 and 05), with tf.add's gradients.
 */
export function addBias(z: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (!nativeKernels()) return tf.add(z, b);
  biasOp ??= registerNativeOp('SpikelensBiasAdd', ['x', 'bias'], [], (k, [x, bias]) => k.biasAdd(x, bias), (dy) => ({
    x: () => tf.reshape(dy, dy.shape),
    bias: () => tf.sum(dy, Array.from({ length: dy.rank - 1 }, (_, i) => i)),
  }));
  return biasOp({ x: z, bias: b });
}

let nativePool: { kernels: NativeKernels; pool: (x: tf.Tensor4D) => tf.Tensor4D } | undefined;

/**
 * 2×2 average pooling, stride 2, 'valid' (VGG11's pooling in the ANN and both SNNs). On the native
 * backend its gradient is one fused kernel, bit-identical to TensorFlow's AvgPoolGrad, which took
 * 7 % of an SNN training step; the forward is tfjs's.
 */
export function avgPool2(x: tf.Tensor4D): tf.Tensor4D {
  const native = nativeKernels();
  if (!native) return tf.avgPool(x, 2, 2, 'valid');
  if (nativePool?.kernels !== native) {
    const pool = tf.customGrad(((v: tf.Tensor4D) => ({
      value: tf.avgPool(v, 2, 2, 'valid'),
      gradFunc: (dy: tf.Tensor) => native.avgPool2Grad(dy as tf.Tensor4D, v.shape[1], v.shape[2]),
    })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;
    nativePool = { kernels: native, pool };
  }
  return nativePool.pool(x);
}

let nativeRelu: { kernels: NativeKernels; relu: (x: tf.Tensor) => tf.Tensor } | undefined;

/**
 * ReLU. On the native backend with TensorFlow's one-op gradient (`ReluGrad`, dy · (y > 0)):
 * tfjs's gradient, dy · Step(x), runs five kernels and took 18 % of an ANN training step; the
 * values are the same (a test compares them).
 */
export function relu(x: tf.Tensor): tf.Tensor {
  const native = nativeKernels();
  if (!native) return tf.relu(x);
  if (nativeRelu?.kernels !== native) {
    const f = tf.customGrad(((v: tf.Tensor, save: tf.GradSaveFunc) => {
      const y = tf.relu(v);
      save([y]);
      return { value: y, gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => native.reluGrad(dy, saved) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (v: tf.Tensor) => tf.Tensor;
    nativeRelu = { kernels: native, relu: f };
  }
  return nativeRelu.relu(x);
}

/** Trainable weights: conv kernels [3,3,cin,cout], fc1 [c8, hidden], fc2 [hidden, classes]. */
export interface VggWeights {
  convs: tf.Variable<tf.Rank.R4>[];
  fc1: tf.Variable<tf.Rank.R2>;
  fc2: tf.Variable<tf.Rank.R2>;
  /** Per-channel biases of conv1..conv8 and fc1, present only after folding a batch norm in. */
  biases?: { convs: tf.Variable<tf.Rank.R1>[]; fc1: tf.Variable<tf.Rank.R1> };
}

/** Xavier-uniform values with gain g: U(−b, b), b = g·√(6 / (fan_in + fan_out)). */
function xavier(shape: number[], fanIn: number, fanOut: number, gain: number, rng: Rng): tf.Tensor {
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.uniform(-bound, bound);
  return tf.tensor(v, shape);
}

/**
 * Fresh weights (tfjs variable names are left automatic: names are process-global, and two
 * networks in one notebook must not clash; checkpoints use `namedVariables()` instead), Xavier-uniform with gain 2 as in the BNTT code. Values come from the seeded
 * `rng` in JavaScript, so the same seed gives the same network on every backend.
 */
export function initVggWeights(arch: VggArch, rng: Rng, gain = 2): VggWeights {
  const convs: tf.Variable<tf.Rank.R4>[] = [];
  let cin = arch.inChannels;
  arch.channels.forEach((cout, i) => {
    const w = xavier([3, 3, cin, cout], cin * 9, cout * 9, gain, rng.fork(`conv${i + 1}`));
    convs.push(tf.variable(w as tf.Tensor4D, true));
    w.dispose();
    cin = cout;
  });
  const c8 = arch.channels[arch.channels.length - 1];
  const f1 = xavier([c8, arch.hidden], c8, arch.hidden, gain, rng.fork('fc1'));
  const f2 = xavier([arch.hidden, arch.classes], arch.hidden, arch.classes, gain, rng.fork('fc2'));
  const weights = {
    convs,
    fc1: tf.variable(f1 as tf.Tensor2D, true),
    fc2: tf.variable(f2 as tf.Tensor2D, true),
  };
  tf.dispose([f1, f2]);
  return weights;
}

/** A new variable holding a copy of `t` (the caller keeps ownership of `t`). */
export function copyVariable<R extends tf.Rank>(t: tf.Tensor<R>, trainable: boolean): tf.Variable<R> {
  const c = tf.clone(t);
  const v = tf.variable(c, trainable);
  c.dispose();
  return v;
}

/** Weight variables by stable checkpoint names: conv1..conv8, fc1, fc2 (and `<layer>/bias`). */
export function namedWeights(w: VggWeights): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  w.convs.forEach((c, i) => { out[`conv${i + 1}`] = c; });
  out.fc1 = w.fc1;
  out.fc2 = w.fc2;
  if (w.biases) {
    w.biases.convs.forEach((b, i) => { out[`conv${i + 1}/bias`] = b; });
    out['fc1/bias'] = w.biases.fc1;
  }
  return out;
}

/** All weight variables, in a fixed order (conv1..conv8, fc1, fc2). */
export function weightList(w: VggWeights): tf.Variable[] {
  return [...w.convs, w.fc1, w.fc2, ...(w.biases ? [...w.biases.convs, w.biases.fc1] : [])];
}

/** Checks an input's spatial size works with the four 2× poolings. */
export function checkInputSize(height: number, width: number): void {
  if (height % 16 !== 0 || width % 16 !== 0 || height <= 0 || width <= 0) {
    throw new Error(`VGG11 needs an input whose height and width are positive multiples of 16, got ${height}×${width}`);
  }
}

/** Spatial size of conv layer `i`'s output (0-based) for an H×W input. */
export function convOutputSize(i: number, height: number, width: number): [number, number] {
  let h = height, w = width;
  for (let j = 0; j < i; j++) if (VGG11_POOL_AFTER.has(j)) { h /= 2; w /= 2; }
  return [h, w];
}

/** 4 for 'conv4'. */
export function layerNumber(layer: string): number {
  return Number(layer.slice(4));
}
