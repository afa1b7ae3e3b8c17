/**
 * Fused TensorFlow kernels for the native backend: the LIF recursion over T steps and its BPTT,
 * BNTT's training-mode batch norm and its gradient, the Poisson encoder's frames, the gradients
 * of replicate padding and of 2×2 average pooling, and SAM's recursion over many steps, each one kernel instead of a chain of tfjs ops (or a JavaScript loop) (lib/kernels/native/spikelens_ops.cc says what each computes).
 *
 * scripts/setup-native.sh compiles the C++ source against the TensorFlow wheel the native backend
 * uses and puts the library beside that backend's addon, named by a hash of the source (an edited
 * source is never matched with an old build). `nativeKernels()` loads it the first time it is
 * asked on the 'tensorflow' backend and returns null elsewhere (wasm, cpu), when the library is
 * missing (one note on stderr) or when `SPIKELENS_FUSED=0`; lib/snn then uses its tfjs ops, which
 * compute the same (test/snn/native-kernels.test.ts compares the two).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';

/** The C++ source of the kernels. */
export const NATIVE_KERNELS_SOURCE = path.join(__dirname, 'native', 'spikelens_ops.cc');

/** Neuron order and reset codes the LIF kernels take. */
export const LIF_ORDER = { 'integrate-then-fire': 0, 'fire-then-integrate': 1 } as const;
export const LIF_RESET = { subtract: 0, zero: 1, none: 2 } as const;
/** Surrogate codes the LIF backward kernel takes. */
export const SURROGATE_KIND = { 'piecewise-linear': 0, 'fast-sigmoid': 1 } as const;

/** Attributes of the LIF kernels. */
export interface LifKernelAttrs {
  timesteps: number;
  leak: number;
  threshold: number;
  reset: keyof typeof LIF_RESET;
  order: keyof typeof LIF_ORDER;
}

/** Attributes of the adaptive-threshold LIF kernels (integrate-then-fire only). */
export interface AlifKernelAttrs {
  timesteps: number;
  leak: number;
  threshold: number;
  /** β: threshold increase per unit of trace. */
  adaptation: number;
  /** ρ: the trace's decay per step. */
  decay: number;
  reset: keyof typeof LIF_RESET;
}

/** The surrogate as the backward kernel takes it: its code and parameter. */
export interface SurrogateKernelAttrs {
  kind: keyof typeof SURROGATE_KIND;
  /** Scale (piecewise-linear) or slope (fast sigmoid). */
  param: number;
}

/** The fused kernels (tensors in and out are ordinary tfjs tensors). */
/** Scalars of one Adam step, as tfjs computes them (float32 when they reach the kernel). */
export interface AdamKernelAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 − β1^t and 1 − β2^t, read from tfjs's own float32 accumulators. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

export interface NativeKernels {
  /** LIF over T steps: currents [T·B, …], u0 [B, …] → spikes, the membranes spikes were read from (when `save`), final membrane. */
  lifForward(currents: tf.Tensor, u0: tf.Tensor, a: LifKernelAttrs, save: boolean): { spikes: tf.Tensor; membranes: tf.Tensor | null; final: tf.Tensor };
  /** BPTT of `lifForward`: ∂L/∂spikes and the saved membranes → [∂L/∂currents, ∂L/∂u0]. */
  lifBackward(dy: tf.Tensor, membranes: tf.Tensor, a: LifKernelAttrs, s: SurrogateKernelAttrs): [tf.Tensor, tf.Tensor];
  /**
   * Adaptive-threshold LIF over T steps: currents [T·B, …], state0 [2·B, …] (membranes, then
   * traces) → spikes, the values x_t = v_t − β·a_t spikes were read from (when `save`), final state [2·B, …].
   */
  alifForward(currents: tf.Tensor, state0: tf.Tensor, a: AlifKernelAttrs, save: boolean): { spikes: tf.Tensor; saved: tf.Tensor | null; final: tf.Tensor };
  /** BPTT of `alifForward`: ∂L/∂spikes and the saved x_t → [∂L/∂currents, ∂L/∂state0]. */
  alifBackward(dy: tf.Tensor, saved: tf.Tensor, a: AlifKernelAttrs, s: SurrogateKernelAttrs): [tf.Tensor, tf.Tensor];
  /** BNTT training forward: x [T·N, …, C] time-major, γ [T, …, C] → y and the batch mean and biased variance (γ's shape). */
  bnttForward(x: tf.Tensor, gamma: tf.Tensor, timesteps: number, epsilon: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor };
  /** Gradient of `bnttForward` → [∂L/∂x, ∂L/∂γ]. */
  bnttBackward(dy: tf.Tensor, x: tf.Tensor, gamma: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, timesteps: number, epsilon: number): [tf.Tensor, tf.Tensor];
  /**
   * Poisson spike frames for k steps: `states` [k, 4] are the sfc32 states of the steps' generators
   * (`Rng.state()`), `prob` the firing probabilities, `sign` the spike signs (null: rate code) →
   * [k, prob.size], the frames lib/data/encode.ts draws in JavaScript, bit for bit. `lanes`: how
   * many steps' generators a thread runs side by side (4, the default, or 1: the same bits, slower;
   * bench/kernels.ts compares them).
   */
  poisson(prob: tf.Tensor, sign: tf.Tensor | null, states: Int32Array, lanes?: 1 | 4): tf.Tensor2D;
  /** Replicate padding by one pixel in H and W: [B, H, W, C] → [B, H+2, W+2, C], the edge row and column repeated (a copy: equal to MirrorPad SYMMETRIC, pad 1). */
  replicatePad(x: tf.Tensor4D): tf.Tensor4D;
  /** Gradient of replicate padding by one pixel in H and W: [B, H+2, W+2, C] → [B, H, W, C], bit-identical to tfjs's gradient of lib/model/vgg.ts's slices and concats. */
  replicatePadGrad(dy: tf.Tensor4D): tf.Tensor4D;
  /** Gradient of 2×2 average pooling (stride 2, 'valid') of a [B, height, width, C] input: dy [B, ⌊height/2⌋, ⌊width/2⌋, C] → dx, bit-identical to TensorFlow's AvgPoolGrad. */
  avgPool2Grad(dy: tf.Tensor4D, height: number, width: number): tf.Tensor4D;
  /** x + bias per channel (bias [C], x's last axis C): tfjs's broadcasting add, bit for bit, in one pass. */
  biasAdd(x: tf.Tensor, bias: tf.Tensor): tf.Tensor;
  /** x·a_t − b_t per step and channel: x time-major [T·P, …, C], a and b [T, C] (tfjs's broadcasting multiply and subtract, bit for bit, in one pass). */
  stepAffine(x: tf.Tensor, a: tf.Tensor, b: tf.Tensor, timesteps: number): tf.Tensor;
  /** One Adam step of a variable (tfjs's AdamOptimizer arithmetic, op for op in float32) → [new value, new m, new v]. */
  adam(value: tf.Tensor, m: tf.Tensor, v: tf.Tensor, grad: tf.Tensor, a: AdamKernelAttrs): [tf.Tensor, tf.Tensor, tf.Tensor];
  /** TensorFlow's own ReLU gradient, dy · (y > 0) in one op (tfjs composes it from five: Step, IsNan, Greater, Select, Fill); bit-identical. */
  reluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor;
  /**
   * SAM's paper-variant recursion over k steps: spikes [k·B, H, W, C] time-major, n0 [B, H, W, C]
   * (the NCS entering the first step) → maps [k·B, H, W] (M_t = Σ_c N_t S_t) and the NCS after the
   * last step (N_{t+1} = decay·(N_t + S_t)).
   */
  samSteps(spikes: tf.Tensor4D, n0: tf.Tensor4D, k: number, decay: number): { maps: tf.Tensor3D; n: tf.Tensor4D };
}

/** The file name the build of the current source has (`spikelens_ops-<hash>.node`). */
export function nativeKernelsFileName(source = NATIVE_KERNELS_SOURCE): string {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 12);
  return `spikelens_ops-${hash}.node`;
}

/** Where the library for the current source is (beside a native backend's addon), or null. */
export function nativeKernelsFile(): string | null {
  const name = nativeKernelsFileName();
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    let dir: string;
    try {
      dir = path.dirname(require.resolve(`${pkg}/package.json`));
    } catch {
      continue;
    }
    const file = path.join(dir, 'deps', name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** One attribute of a TensorFlow op as tfjs-node's binding takes it. */
interface OpAttr { name: string; type: number; value: number | boolean }

interface NodeBackend {
  binding: { TF_ATTR_INT: number; TF_ATTR_FLOAT: number; TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], outputs: number): tf.Tensor[];
}

let loaded: NativeKernels | null | undefined;
let enabled = process.env.SPIKELENS_FUSED !== '0';

/** Turns the fused kernels off (false) or back on; tests and benchmarks compare both paths. */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/** The fused kernels when the native backend runs and they are built (and not turned off); else null. */
export function nativeKernels(): NativeKernels | null {
  if (!enabled || tf.getBackend() !== 'tensorflow') return null;
  if (loaded !== undefined) return loaded;
  const file = nativeKernelsFile();
  if (!file) {
    console.error('spikelens: the fused LIF/BNTT kernels are not built for this source (run `bash scripts/setup.sh`); using the slower tfjs ops');
    loaded = null;
    return null;
  }
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, file);
  } catch (e) {
    console.error(`spikelens: could not load ${file} (${(e as Error).message.split('\n')[0]}); using the slower tfjs ops`);
    loaded = null;
    return null;
  }
  loaded = bind(tf.backend() as unknown as NodeBackend);
  return loaded;
}

function bind(backend: NodeBackend): NativeKernels {
  const { TF_ATTR_INT: INT, TF_ATTR_FLOAT: FLOAT, TF_ATTR_BOOL: BOOL } = backend.binding;
  const lifAttrs = (a: LifKernelAttrs) => [
    { name: 'timesteps', type: INT, value: a.timesteps },
    { name: 'leak', type: FLOAT, value: a.leak },
    { name: 'threshold', type: FLOAT, value: a.threshold },
    { name: 'reset', type: INT, value: LIF_RESET[a.reset] },
    { name: 'order', type: INT, value: LIF_ORDER[a.order] },
  ];
  const alifAttrs = (a: AlifKernelAttrs) => [
    { name: 'timesteps', type: INT, value: a.timesteps },
    { name: 'leak', type: FLOAT, value: a.leak },
    { name: 'threshold', type: FLOAT, value: a.threshold },
    { name: 'adaptation', type: FLOAT, value: a.adaptation },
    { name: 'decay', type: FLOAT, value: a.decay },
    // As lib/snn/alif.ts multiplies by (1 − ρ): one float32 from the JS difference.
    { name: 'one_minus_decay', type: FLOAT, value: 1 - a.decay },
  ];
  const surrogateAttrs = (s: SurrogateKernelAttrs, threshold: number) => [
    { name: 'surrogate', type: INT, value: SURROGATE_KIND[s.kind] },
    { name: 'surrogate_param', type: FLOAT, value: s.param },
    // As lib/snn/surrogate.ts multiplies by scale/θ (one float32 from the JS quotient).
    { name: 'surrogate_param_over_threshold', type: FLOAT, value: s.param / threshold },
  ];
  // A neuron recursion's forward op: spikes, what its backward needs (null unless `save`), final state.
  const recursionForward = (op: string, attrs: OpAttr[], inputs: tf.Tensor[], save: boolean): [tf.Tensor, tf.Tensor | null, tf.Tensor] => {
    const [spikes, saved, final] = backend.executeMultipleOutputs(op, [...attrs, { name: 'save', type: BOOL, value: save }], inputs, 3);
    if (save) return [spikes, saved, final];
    saved.dispose();
    return [spikes, null, final];
  };
  const bnAttrs = (timesteps: number, epsilon: number) => [
    { name: 'timesteps', type: INT, value: timesteps },
    { name: 'epsilon', type: FLOAT, value: epsilon },
  ];
  return {
    lifForward(currents, u0, a, save) {
      const [spikes, membranes, final] = recursionForward('SpikelensLifForward', lifAttrs(a), [currents, u0], save);
      return { spikes, membranes, final };
    },
    lifBackward(dy, membranes, a, s) {
      const [dI, du0] = backend.executeMultipleOutputs('SpikelensLifBackward', [...lifAttrs(a), ...surrogateAttrs(s, a.threshold)], [dy, membranes], 2);
      return [dI, du0];
    },
    alifForward(currents, state0, a, save) {
      const [spikes, saved, final] = recursionForward('SpikelensAlifForward', [...alifAttrs(a), { name: 'reset', type: INT, value: LIF_RESET[a.reset] }], [currents, state0], save);
      return { spikes, saved, final };
    },
    alifBackward(dy, saved, a, s) {
      const [dI, ds0] = backend.executeMultipleOutputs('SpikelensAlifBackward', [...alifAttrs(a), ...surrogateAttrs(s, a.threshold)], [dy, saved], 2);
      return [dI, ds0];
    },
    bnttForward(x, gamma, timesteps, epsilon) {
      const [y, mean, variance] = backend.executeMultipleOutputs('SpikelensBnttForward', bnAttrs(timesteps, epsilon), [x, gamma], 3);
      return { y, mean, variance };
    },
    bnttBackward(dy, x, gamma, mean, variance, timesteps, epsilon) {
      const [dx, dg] = backend.executeMultipleOutputs('SpikelensBnttBackward', bnAttrs(timesteps, epsilon), [dy, x, gamma, mean, variance], 2);
      return [dx, dg];
    },
    poisson(prob, sign, states, lanes = 4) {
      if (states.length % 4 !== 0) throw new Error(`poisson: states must hold 4 int32 per step, got ${states.length}`);
      const s = tf.tensor2d(states, [states.length / 4, 4], 'int32');
      try {
        const [y] = backend.executeMultipleOutputs('SpikelensPoisson', [{ name: 'signed', type: BOOL, value: sign !== null }, { name: 'lanes', type: INT, value: lanes }], [prob, sign ?? prob, s], 1);
        return y as tf.Tensor2D;
      } finally {
        s.dispose();
      }
    },
    samSteps(spikes, n0, k, decay) {
      const [maps, n] = backend.executeMultipleOutputs('SpikelensSamSteps', [{ name: 'steps', type: INT, value: k }, { name: 'decay', type: FLOAT, value: decay }], [spikes, n0], 2);
      return { maps: maps as tf.Tensor3D, n: n as tf.Tensor4D };
    },
    replicatePad(x) {
      const [y] = backend.executeMultipleOutputs('SpikelensReplicatePad', [], [x], 1);
      return y as tf.Tensor4D;
    },
    replicatePadGrad(dy) {
      const [dx] = backend.executeMultipleOutputs('SpikelensReplicatePadGrad', [], [dy], 1);
      return dx as tf.Tensor4D;
    },
    avgPool2Grad(dy, height, width) {
      const [dx] = backend.executeMultipleOutputs('SpikelensAvgPool2Grad', [
        { name: 'height', type: INT, value: height },
        { name: 'width', type: INT, value: width },
      ], [dy], 1);
      return dx as tf.Tensor4D;
    },
    biasAdd(x, bias) {
      const [y] = backend.executeMultipleOutputs('SpikelensBiasAdd', [], [x, bias], 1);
      return y;
    },
    stepAffine(x, a, b, timesteps) {
      const [y] = backend.executeMultipleOutputs('SpikelensStepAffine', [{ name: 'timesteps', type: INT, value: timesteps }], [x, a, b], 1);
      return y;
    },
    adam(value, m, v, grad, a) {
      const [w2, m2, v2] = backend.executeMultipleOutputs('SpikelensAdam', [
        { name: 'beta1', type: FLOAT, value: a.beta1 },
        // As tfjs multiplies by 1 − β (one float32 from the JS difference) and by −lr.
        { name: 'one_minus_beta1', type: FLOAT, value: 1 - a.beta1 },
        { name: 'beta2', type: FLOAT, value: a.beta2 },
        { name: 'one_minus_beta2', type: FLOAT, value: 1 - a.beta2 },
        { name: 'one_minus_acc_beta1', type: FLOAT, value: a.oneMinusAccBeta1 },
        { name: 'one_minus_acc_beta2', type: FLOAT, value: a.oneMinusAccBeta2 },
        { name: 'epsilon', type: FLOAT, value: a.epsilon },
        { name: 'neg_lr', type: FLOAT, value: -a.learningRate },
      ], [value, m, v, grad], 3);
      return [w2, m2, v2];
    },
    reluGrad(dy, y) {
      const [dx] = backend.executeMultipleOutputs('ReluGrad', [{ name: 'T', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT }], [dy, y], 1);
      return dx;
    },
  };
}

/** A kernel registered by `registerNativeOp`: its inputs by name and its numeric attrs → its output. */
export type NativeOp = (inputs: Record<string, tf.Tensor>, attrs?: Record<string, number>) => tf.Tensor;

/** The gradient of a kernel registered by `registerNativeOp`: per input, a thunk autodiff calls only when it needs that input's gradient. */
export type NativeOpGradient = (dy: tf.Tensor, saved: tf.Tensor[], attrs: Record<string, number>) => Record<string, () => tf.Tensor>;

/**
 * Makes `name` a tfjs kernel of the native backend that runs `forward` on the fused kernels, with
 * `gradient` registered for it (once per process). Unlike `tf.customGrad`, which computes every
 * input's gradient, autodiff then computes only the ones it needs (e.g. not a constant bias's).
 * `saved`: the inputs the gradient reads (handed to it in that order). Returns the op: inputs by
 * name, numeric attrs.
 */
export function registerNativeOp(name: string, inputNames: readonly string[], saved: readonly string[], forward: (k: NativeKernels, inputs: tf.Tensor[], attrs: Record<string, number>) => tf.Tensor, gradient: NativeOpGradient): NativeOp {
  if (!tf.getKernel(name, 'tensorflow')) {
    tf.registerKernel({
      kernelName: name, backendName: 'tensorflow',
      kernelFunc: ({ inputs, attrs }) => {
        const k = nativeKernels();
        if (!k) throw new Error(`${name}: the fused native kernels are not loaded`);
        return forward(k, inputNames.map((n) => inputs[n] as tf.Tensor), attrs as unknown as Record<string, number>);
      },
    });
    tf.registerGradient({
      kernelName: name, inputsToSave: [...saved],
      gradFunc: (dy, saved, attrs) => gradient(dy as tf.Tensor, saved, attrs as unknown as Record<string, number>),
    });
  }
  return (inputs, attrs = {}) => tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
