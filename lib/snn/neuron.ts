/**
 * The neuron interface: what a spiking layer needs from a neuron model.
 *
 * A neuron is a pure function of (state, input current) → (spikes, new state); the state is a
 * list of tensors the neuron defines (LIF: [membrane]; adaptive LIF: [membrane, threshold trace])
 * and is owned by the caller (the simulation), never hidden in the neuron. `step` advances one
 * time-step; `run` advances many, with currents laid out time-major as [T·B, …]: the network
 * computes every step's synaptic current of a layer in one convolution and hands them over at
 * once, so a neuron may fuse its recursion (LIF does, lib/snn/lif.ts). `runStepwise` is the
 * generic `run` for neurons that only define `step`.
 *
 * How to add a neuron (checklist):
 * 1. A class implementing `SpikingNeuron` in its own file under lib/snn/, its update equations in
 *    the doc comment; spikes through `spike(x, θ, surrogate)` so the surrogate is a parameter.
 * 2. `run` = `runStepwise(this, …)` unless you fuse the recursion (then test it equals stepping);
 *    LIF's and ALIF's fused recursions are native kernels (lib/kernels/native), compared with
 *    stepping in tests.
 * 3. A `NeuronSpec` variant and a line in `createNeuron` (lib/snn/neuron-spec.ts; checkpoints store the spec).
 * 4. Tests: a hand-computed trace, and that a small network with it trains (test/snn/).
 * 5. To try it on trained weights: `net.adapted({ neuron })` copies a network with the new neuron
 *    (and, if wanted, another T); fine-tune it as lib/cli/finetune-snn.ts does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { splitSteps } from './lif';

/** A neuron's state variables (each [B, …] like the current); null before the first step. */
export type NeuronState = tf.Tensor[];

/** Spikes and the state after them. */
export interface NeuronRun {
  spikes: tf.Tensor;
  state: NeuronState;
}

/** A population of spiking neurons (one per element of the current). */
export interface SpikingNeuron {
  /** One step: state (null = at rest) and current [B, …] in; spikes [B, …] and new state out. Differentiable. */
  step(state: NeuronState | null, current: tf.Tensor): NeuronRun;
  /**
   * `timesteps` steps: currents [T·B, …] time-major in; spikes [T·B, …] and the final state out.
   * Differentiable w.r.t. the currents unless `opts.differentiable` is false (inference: the
   * neuron may skip what only the backward pass needs).
   */
  run(state: NeuronState | null, currents: tf.Tensor, timesteps: number, opts?: RunOptions): NeuronRun;
}

/** Options of `SpikingNeuron.run`. */
export interface RunOptions {
  /** Whether a gradient will be taken through this run (default true). */
  differentiable?: boolean;
}

/** `run` by stepping: for neurons without a fused multi-step recursion. */
export function runStepwise(neuron: SpikingNeuron, state: NeuronState | null, currents: tf.Tensor, timesteps: number): NeuronRun {
  const spikes: tf.Tensor[] = [];
  let s = state;
  for (const current of splitSteps(currents, timesteps)) {
    const r = neuron.step(s, current);
    spikes.push(r.spikes);
    s = r.state;
  }
  return { spikes: tf.concat(spikes, 0), state: s as NeuronState };
}
