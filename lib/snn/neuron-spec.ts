/**
 * Neuron models by name: the serializable `NeuronSpec` a network's config (and so its checkpoint)
 * stores, and `createNeuron`, which builds the `SpikingNeuron` it names for one layer.
 */
import { Lif, type NeuronOrder, type ResetMode } from './lif';
import { AdaptiveLif } from './alif';
import type { SpikingNeuron } from './neuron';
import { surrogateFromSpec, type SurrogateSpec } from './surrogate';

/** Which neuron model a network uses (stored in checkpoints). */
export type NeuronSpec =
  | { kind: 'lif' }
  /** Adaptive-threshold LIF (Bellec et al. 2018): θ_t = θ + β·a_t, a_t = ρ·a_{t−1} + (1 − ρ)·s_{t−1}. */
  | { kind: 'alif'; adaptation: number; decay: number };

/** Parameters every neuron of a layer shares. */
export interface NeuronParams {
  leak: number;
  threshold: number;
  order: NeuronOrder;
  reset: ResetMode;
  surrogate?: SurrogateSpec;
}

/** The neuron `spec` names with the layer's parameters. */
export function createNeuron(spec: NeuronSpec | undefined, p: NeuronParams): SpikingNeuron {
  const base = { leak: p.leak, threshold: p.threshold, order: p.order, reset: p.reset, surrogate: surrogateFromSpec(p.surrogate) };
  const kind = spec?.kind ?? 'lif';
  switch (kind) {
    case 'lif': return new Lif(base);
    case 'alif': {
      const s = spec as Extract<NeuronSpec, { kind: 'alif' }>;
      return new AdaptiveLif({ ...base, adaptation: s.adaptation, decay: s.decay });
    }
    default: throw new Error(`unknown neuron '${String(kind)}'; expected lif or alif`);
  }
}
