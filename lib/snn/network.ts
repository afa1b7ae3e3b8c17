/**
 * The VGG11 spiking network, simulated one time-step at a time.
 *
 * Each conv layer: I_t = BNTT_t(W * s_in_t) (or W * s_in_t without BNTT) → LIF → spikes, then
 * average pooling where VGG11 pools. After conv8 spikes are averaged over space; fc1 is a spiking
 * layer; the output layer fc2 neither leaks nor spikes: its membrane accumulates W·s over all
 * steps and logits = membrane / T (as in the authors' code).
 *
 * State is explicit (passed in, returned out): two networks in one process never interfere.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Bntt } from './bntt';
import { lifStep, type LifConfig, type NeuronOrder, type ResetMode } from './lif';
import type { LayerName } from './observer';
import { CONV_LAYERS, VGG11_POOL_AFTER, initVggWeights, namedWeights, weightList, type VggArch, type VggWeights } from '../model/vgg';
import type { Rng } from '../random';

/** Zero biases for conv1..conv8 and fc1 (filled from a checkpoint or a folded ANN). */
export function zeroBiases(arch: VggArch): NonNullable<VggWeights['biases']> {
  return {
    convs: arch.channels.map((c) => tf.variable(tf.zeros([c]) as tf.Tensor1D, false)),
    fc1: tf.variable(tf.zeros([arch.hidden]) as tf.Tensor1D, false),
  };
}

/** Spiking layers in order: conv1..conv8, fc1. */
export const SPIKING_LAYERS: readonly LayerName[] = [...CONV_LAYERS, 'fc1'];

/** How a spiking VGG11 is built and simulated. */
export interface SpikingVggConfig {
  arch: VggArch;
  /** Steps the network was trained for (BNTT keeps statistics for each). */
  timesteps: number;
  /** Membrane leak λ (0.99 surrogate, 1 conversion). */
  leak: number;
  /** Threshold θ of each spiking layer (conv1..conv8, fc1). */
  thresholds: number[];
  order: NeuronOrder;
  reset: ResetMode;
  /** Per-step batch norm after every spiking layer's weights (surrogate training); off for conversion. */
  bntt: boolean;
  /** Constant bias currents (from a converted ANN's folded batch norm). */
  biases?: boolean;
}

/** Membranes of every spiking layer plus the output accumulator. Null before step 0. */
export interface SnnState {
  membranes: (tf.Tensor | null)[];
  output: tf.Tensor2D | null;
}

/** Zero-valued tensors added to spike maps so that gradients w.r.t. those maps can be taken. */
export interface Probes {
  /** The probe for `layer` ('input' or a spiking layer) at step `t`, if any. */
  get(layer: LayerName | 'input', t: number): tf.Tensor | undefined;
}

/** Per-step options of `SpikingVgg.step`. */
export interface StepContext {
  training: boolean;
  /** Called with each requested layer's spikes (before pooling). */
  emit?: (layer: LayerName, spikes: tf.Tensor4D) => void;
  /** Layers to emit. */
  record?: ReadonlySet<LayerName>;
  probes?: Probes;
}

/** A VGG11 SNN: weights, optional BNTT layers and neuron parameters. */
export class SpikingVgg {
  constructor(readonly config: SpikingVggConfig, readonly weights: VggWeights, readonly bntt: Bntt[] | null) {
    if (config.thresholds.length !== SPIKING_LAYERS.length) {
      throw new Error(`SpikingVgg: expected ${SPIKING_LAYERS.length} thresholds (conv1..conv8, fc1), got ${config.thresholds.length}`);
    }
    if (config.bntt !== (bntt !== null)) throw new Error('SpikingVgg: config.bntt must match whether BNTT layers are given');
  }

  /** A freshly initialised network (Xavier gain 2; BNTT γ = 1) from a seeded `rng`. */
  static create(config: SpikingVggConfig, rng: Rng): SpikingVgg {
    const weights = initVggWeights(config.arch, rng);
    if (config.biases) weights.biases = zeroBiases(config.arch);
    const bntt = config.bntt
      ? [...config.arch.channels, config.arch.hidden].map((c, i) => new Bntt(`bntt${i + 1}`, c, config.timesteps))
      : null;
    return new SpikingVgg(config, weights, bntt);
  }

  /** Variables the optimiser updates. */
  trainable(): tf.Variable[] {
    return [...weightList(this.weights), ...(this.bntt ?? []).flatMap((b) => b.trainable())];
  }

  /** Every variable by a stable name, for checkpoints. */
  namedVariables(): Record<string, tf.Variable> {
    const out = namedWeights(this.weights);
    for (const b of this.bntt ?? []) Object.assign(out, b.namedVariables());
    return out;
  }

  /** The state before step 0. */
  initialState(): SnnState {
    return { membranes: SPIKING_LAYERS.map(() => null), output: null };
  }

  private lif(i: number): LifConfig {
    return { leak: this.config.leak, threshold: this.config.thresholds[i], order: this.config.order, reset: this.config.reset };
  }

  /** Weighted input current of spiking layer `i` (0..8) for its input `x`, through BNTT if present. */
  current(i: number, x: tf.Tensor, t: number, training: boolean): tf.Tensor {
    let z = i < 8 ? tf.conv2d(x as tf.Tensor4D, this.weights.convs[i], 1, 'same') : tf.matMul(x as tf.Tensor2D, this.weights.fc1);
    // A converted network carries the biases of the ANN's folded batch norm: constant currents.
    const b = this.weights.biases ? (i < 8 ? this.weights.biases.convs[i] : this.weights.biases.fc1) : null;
    if (b) z = tf.add(z, b);
    return this.bntt ? this.bntt[i].apply(z, t, training) : z;
  }

  /** What spiking layer `i`'s spikes become as the next layer's input: pooled, globally averaged after conv8. */
  nextInput(i: number, spikes: tf.Tensor): tf.Tensor {
    if (i < 7) return VGG11_POOL_AFTER.has(i) ? tf.avgPool(spikes as tf.Tensor4D, 2, 2, 'valid') : spikes;
    if (i === 7) return tf.mean(spikes, [1, 2]); // global average pooling → [B, C8]
    return spikes;
  }

  /**
   * One time-step: input spikes [B,H,W,C] at step t → new state. Differentiable (surrogate);
   * the caller manages memory (`simulate` tidies each step, training keeps the whole graph).
   */
  step(state: SnnState, input: tf.Tensor4D, t: number, ctx: StepContext): SnnState {
    const membranes: tf.Tensor[] = [];
    const probe = (layer: LayerName | 'input', s: tf.Tensor) => {
      const p = ctx.probes?.get(layer, t);
      return p ? tf.add(s, p) : s;
    };
    let x: tf.Tensor = probe('input', input);
    for (let i = 0; i < 9; i++) {
      const layer = SPIKING_LAYERS[i];
      const { spikes, membrane } = lifStep(state.membranes[i], this.current(i, x, t, ctx.training), this.lif(i));
      membranes.push(membrane);
      const s = probe(layer, spikes);
      if (ctx.emit && ctx.record?.has(layer)) ctx.emit(layer, (i < 8 ? s : tf.reshape(s, [s.shape[0], 1, 1, s.shape[1] as number])) as tf.Tensor4D);
      x = this.nextInput(i, s);
    }
    const z = tf.matMul(x as tf.Tensor2D, this.weights.fc2) as tf.Tensor2D;
    return { membranes, output: state.output ? (tf.add(state.output, z) as tf.Tensor2D) : z };
  }

  /** Frees every variable. */
  dispose(): void {
    for (const b of this.bntt ?? []) b.dispose();
    tf.dispose(Object.values(this.namedVariables()).filter((v) => !v.isDisposed));
  }
}
