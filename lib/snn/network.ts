/**
 * The VGG11 spiking network, simulated one time-step at a time.
 *
 * Each conv layer: I_t = BNTT_t(W * s_in_t) (or W * s_in_t without BNTT) → LIF → spikes, then
 * average pooling where VGG11 pools. After conv8 spikes are averaged over space; fc1 is a spiking
 * layer; the output layer fc2 neither leaks nor spikes: its membrane accumulates W·s over all
 * steps and logits = membrane / T (as in the authors' code).
 *
 * Two ways to advance it, with the same result (a test compares them):
 * - `step`: one time-step through all layers (the reference; SAM's paper formulation).
 * - `run`: several time-steps layer by layer. Layer l's synaptic input at every step is known once
 *   layer l−1 has run them all, so one convolution, one BNTT and one fused neuron recursion cover
 *   all steps (SpikingJelly's multi-step mode): far fewer, larger kernels.
 *
 * Neurons are pluggable (lib/snn/neuron.ts; LIF by default, `neuron`/`surrogate` in the config).
 * State is explicit (passed in, returned out): two networks in one process never interfere.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Bntt } from './bntt';
import type { NeuronOrder, ResetMode } from './lif';
import type { NeuronState, SpikingNeuron } from './neuron';
import { createNeuron, type NeuronSpec } from './neuron-spec';
import type { SurrogateSpec } from './surrogate';
import type { LayerName } from './observer';
import { CONV_LAYERS, VGG11_POOL_AFTER, addBias, avgPool2, conv3x3, initVggWeights, namedWeights, weightList, type VggArch, type VggWeights } from '../model/vgg';
import { Rng } from '../random';

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
  /** Neuron model of every spiking layer (default LIF). */
  neuron?: NeuronSpec;
  /** Surrogate derivative of the spike (default: the authors' piecewise-linear, scale 0.3). */
  surrogate?: SurrogateSpec;
}

/** The neuron state of every spiking layer plus the output accumulator. Null before step 0. */
export interface SnnState {
  neurons: (NeuronState | null)[];
  output: tf.Tensor2D | null;
}

/** Every tensor a state holds (to keep or dispose it). */
export function stateTensors(s: SnnState): tf.Tensor[] {
  return [...s.neurons.flatMap((n) => n ?? []), ...(s.output ? [s.output] : [])];
}

/** Zero-valued tensors added to spike maps so that gradients w.r.t. those maps can be taken. */
export interface Probes {
  /** The probe for `layer` ('input' or a spiking layer) at step `t`, if any. */
  get(layer: LayerName | 'input', t: number): tf.Tensor | undefined;
}

/** Options of `SpikingVgg.step` and `SpikingVgg.run`. */
export interface StepContext {
  training: boolean;
  /** Whether a gradient will be taken (default true); `simulate` sets false so neurons skip what only BPTT needs. */
  differentiable?: boolean;
  /**
   * Called with each requested layer's spikes (before pooling): [B,H,W,C] from `step`, time-major
   * [T·B,H,W,C] from `run` (fc1 as [·,1,1,C]).
   */
  emit?: (layer: LayerName, spikes: tf.Tensor4D) => void;
  /** Layers to emit. */
  record?: ReadonlySet<LayerName>;
  probes?: Probes;
}

/** What `SpikingVgg.run` returns. */
export interface RunResult {
  state: SnnState;
  /** The output layer's input current at each step, [T·B, classes] time-major (the state's output already includes their sum). */
  outputs: tf.Tensor2D;
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

  /**
   * A copy of this network with another T, neuron or surrogate (to fine-tune it so): the weights
   * and BNTT parameters are copied; BNTT step t ≥ the old T starts from the old last step's
   * parameters and statistics, which is what running this network past its T already does.
   */
  adapted(changes: Partial<Pick<SpikingVggConfig, 'timesteps' | 'neuron' | 'surrogate'>>): SpikingVgg {
    const config: SpikingVggConfig = { ...this.config, ...changes };
    if (!Number.isInteger(config.timesteps) || config.timesteps < 1) throw new Error(`SpikingVgg.adapted: timesteps must be a positive integer, got ${config.timesteps}`);
    const out = SpikingVgg.create(config, new Rng(0)); // every variable is overwritten below
    const from = this.namedVariables();
    tf.tidy(() => {
      for (const [name, v] of Object.entries(out.namedVariables())) {
        const src = from[name];
        if (!src) throw new Error(`SpikingVgg.adapted: no variable '${name}' in the source network`);
        if (src.shape.join() === v.shape.join()) { v.assign(src); continue; }
        // BNTT rows [T, C]: row t of the copy is row min(t, T_old − 1) of the source.
        const last = src.shape[0] - 1;
        v.assign(tf.gather(src, tf.tensor1d(Array.from({ length: v.shape[0] }, (_, t) => Math.min(t, last)), 'int32')));
      }
    });
    return out;
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
    return { neurons: SPIKING_LAYERS.map(() => null), output: null };
  }

  /** The neurons of spiking layer `i` (0..8), built from the config (thresholds may change after conversion). */
  neuron(i: number): SpikingNeuron {
    const c = this.config;
    return createNeuron(c.neuron, { leak: c.leak, threshold: c.thresholds[i], order: c.order, reset: c.reset, surrogate: c.surrogate });
  }

  /** Weighted input current of spiking layer `i` (0..8) for its input `x`, through BNTT if present. */
  current(i: number, x: tf.Tensor, t: number, training: boolean, timesteps = 1): tf.Tensor {
    let z = i < 8 ? conv3x3(x as tf.Tensor4D, this.weights.convs[i], this.config.arch.padding) : tf.matMul(x as tf.Tensor2D, this.weights.fc1);
    // A converted network carries the biases of the ANN's folded batch norm: constant currents.
    const b = this.weights.biases ? (i < 8 ? this.weights.biases.convs[i] : this.weights.biases.fc1) : null;
    if (b) z = addBias(z, b);
    return this.bntt ? this.bntt[i].applySteps(z, t, timesteps, training) : z;
  }

  /** What spiking layer `i`'s spikes become as the next layer's input: pooled, globally averaged after conv8. */
  nextInput(i: number, spikes: tf.Tensor): tf.Tensor {
    if (i < 7) return VGG11_POOL_AFTER.has(i) ? avgPool2(spikes as tf.Tensor4D) : spikes;
    if (i === 7) return tf.mean(spikes, [1, 2]); // global average pooling → [B, C8]
    return spikes;
  }

  /**
   * One time-step: input spikes [B,H,W,C] at step t → new state. Differentiable (surrogate);
   * the caller manages memory (`simulate` tidies each chunk, training keeps the whole graph).
   */
  step(state: SnnState, input: tf.Tensor4D, t: number, ctx: StepContext): SnnState {
    const neurons: NeuronState[] = [];
    const probe = (layer: LayerName | 'input', s: tf.Tensor) => {
      const p = ctx.probes?.get(layer, t);
      return p ? tf.add(s, p) : s;
    };
    let x: tf.Tensor = probe('input', input);
    for (let i = 0; i < 9; i++) {
      const layer = SPIKING_LAYERS[i];
      const r = this.neuron(i).step(state.neurons[i], this.current(i, x, t, ctx.training));
      neurons.push(r.state);
      const s = probe(layer, r.spikes);
      if (ctx.emit && ctx.record?.has(layer)) ctx.emit(layer, asMap(s));
      x = this.nextInput(i, s);
    }
    const z = tf.matMul(x as tf.Tensor2D, this.weights.fc2) as tf.Tensor2D;
    return { neurons, output: state.output ? (tf.add(state.output, z) as tf.Tensor2D) : z };
  }

  /**
   * Steps t0 … t0+T−1 at once, layer by layer: `inputs` are the input spikes of those steps,
   * time-major [T·B,H,W,C]. Same result as T calls of `step`; differentiable w.r.t. the inputs,
   * weights and probes within the call (the returned state is detached: a differentiable unroll
   * runs all its steps in one call). Memory: every layer's T steps at once; `simulate` bounds T.
   */
  run(state: SnnState, inputs: tf.Tensor4D, t0: number, timesteps: number, ctx: StepContext): RunResult {
    const r = this.runLayers(state, inputs, t0, timesteps, ctx, SPIKING_LAYERS.length);
    return { state: r.state, outputs: r.last as tf.Tensor2D };
  }

  /**
   * Runs spiking layers 0 … stop−1 over T steps and returns the input current of layer `stop`
   * ([T·B, …]; for stop = 9 the output layer's) with the new states of the layers that ran.
   * Threshold balancing uses it to see the current reaching each layer.
   */
  runLayers(state: SnnState, inputs: tf.Tensor4D, t0: number, timesteps: number, ctx: StepContext, stop: number): { state: SnnState; last: tf.Tensor } {
    const probe = (layer: LayerName | 'input', s: tf.Tensor) => {
      if (!ctx.probes) return s;
      const ps = Array.from({ length: timesteps }, (_, k) => ctx.probes?.get(layer, t0 + k));
      if (ps.every((p) => !p)) return s;
      const shape = [s.shape[0] / timesteps, ...s.shape.slice(1)];
      return tf.add(s, tf.concat(ps.map((p) => p ?? tf.zeros(shape)), 0));
    };
    const neurons: (NeuronState | null)[] = [...state.neurons];
    let x: tf.Tensor = probe('input', inputs);
    for (let i = 0; i < stop; i++) {
      const layer = SPIKING_LAYERS[i];
      const r = this.neuron(i).run(state.neurons[i], this.current(i, x, t0, ctx.training, timesteps), timesteps, { differentiable: ctx.differentiable });
      neurons[i] = r.state;
      const s = probe(layer, r.spikes);
      if (ctx.emit && ctx.record?.has(layer)) ctx.emit(layer, asMap(s));
      x = this.nextInput(i, s);
    }
    if (stop < SPIKING_LAYERS.length) return { state: { neurons, output: state.output }, last: this.current(stop, x, t0, ctx.training, timesteps) };
    const z = tf.matMul(x as tf.Tensor2D, this.weights.fc2) as tf.Tensor2D;
    const total = tf.sum(tf.reshape(z, [timesteps, -1, z.shape[1]]), 0) as tf.Tensor2D;
    return { state: { neurons, output: state.output ? (tf.add(state.output, total) as tf.Tensor2D) : total }, last: z };
  }

  /** Frees every variable. */
  dispose(): void {
    for (const b of this.bntt ?? []) b.dispose();
    tf.dispose(Object.values(this.namedVariables()).filter((v) => !v.isDisposed));
  }
}

/** A layer's spikes as a 4-D map: conv maps as they are, fc1's [N, C] as [N, 1, 1, C]. */
function asMap(s: tf.Tensor): tf.Tensor4D {
  return (s.rank === 4 ? s : tf.reshape(s, [s.shape[0], 1, 1, s.shape[1] as number])) as tf.Tensor4D;
}
