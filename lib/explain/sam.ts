/**
 * Spike Activation Map (SAM; Kim & Panda 2021, Eqs. 2–4) as a simulation observer.
 *
 * TSCS `T(t,t') = exp(-γ|t-t'|)`; NCS `N^k_{ij,t} = Σ_{t'∈P} T(t,t')`; map
 * `M_{ij,t} = Σ_k N^k_{ij,t} · S^k_{ij,t}`. Instead of keeping all T spike maps and looping over
 * earlier steps (O(T²) time, O(T·H·W·C) memory, as the authors' code does), each neuron carries
 * a running state updated once per step, so memory is O(H·W·C) per layer whatever T is. Only
 * the channel-summed maps M_t ([B,H,W] per step) are kept, as plain Float32Arrays.
 *
 * Usage: `const sam = new SpikeActivationMap({ layers: ['conv4'] });
 * simulate(net, createEncoder('signed', images, rng), { timesteps: T, observers: [sam] });
 * sam.upsampled('conv4', t)` → a HeatMap at input size, ready for `overlay`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerName } from '../snn/observer';
import { nativeKernels } from '../kernels/native';
import { StreamingMapObserver, type MapState } from './map-observer';
import { streamingMethod, type ExplanationMethod } from './method';

export type { SamView } from './map-observer';

/**
 * Which spikes count as "previous" in the NCS.
 * - `paper`: strictly earlier spikes (Eq. 3). `N_t = e^{-γ}(N_{t-1} + S_{t-1})`, `N_0 = 0`.
 * - `reference`: the authors' published code, quirks included: the spike at t itself adds 1 and
 *   an indexing shortcut (`t'·S_{t'}` as the spike time) adds `e^{-γt}` for t' = 0 and for every
 *   step without a spike: `N_t = Σ_{t'=0}^{t} exp(-γ(t - t'·S_{t'}))`.
 */
export type SamVariant = 'paper' | 'reference';

/** Options of `SpikeActivationMap`: which layers, the decay γ of Eq. 2, and the variant. */
export interface SamOptions {
  /** Layers to explain, as names or numbers (`'conv4'`, `4`, `'fc1'`); the simulation records only the layers some observer asks for. */
  layers: readonly (LayerName | string | number)[];
  /** TSCS decay γ ≥ 0 (default 0.5, the paper's choice); γ = 0 counts spikes without decay. */
  gamma?: number;
  /** Default `paper`; `reference` reproduces the authors' code (see `SamVariant`). */
  variant?: SamVariant;
}

/** Default TSCS decay γ (paper, Fig. 5a: the best localization lies in the middle of 0..1). */
export const SAM_DEFAULT_GAMMA = 0.5;

/**
 * Streaming SAM: an observer that turns each step's spikes into the map `M_t = Σ_k N^k_t S^k_t`
 * with O(1) work and memory per neuron per step. Call `dispose()` when done with it (also safe
 * mid-run); `begin()` starts a fresh run and forgets the previous one's maps.
 */
export class SpikeActivationMap extends StreamingMapObserver {
  readonly gamma: number;
  readonly variant: SamVariant;

  constructor(options: SamOptions) {
    super('SpikeActivationMap', options.layers);
    const gamma = options.gamma ?? SAM_DEFAULT_GAMMA;
    if (!(gamma >= 0) || !Number.isFinite(gamma)) throw new Error(`SpikeActivationMap: gamma must be a finite number ≥ 0, got ${gamma}`);
    const variant = options.variant ?? 'paper';
    if (variant !== 'paper' && variant !== 'reference') throw new Error(`SpikeActivationMap: unknown variant '${String(variant)}'; expected paper or reference`);
    this.gamma = gamma;
    this.variant = variant;
  }

  /** k steps at once through the fused kernel (paper variant, native backend); null elsewhere (the per-step path). */
  protected override advanceSteps(_layer: LayerName, _t0: number, spikes: tf.Tensor4D, k: number, prev: MapState | undefined): { maps: tf.Tensor3D; state: MapState } | null {
    const native = this.variant === 'paper' ? nativeKernels() : null;
    if (!native) return null;
    const [kb, h, w, c] = spikes.shape;
    const n0 = prev ? prev[0] : tf.zeros([kb / k, h, w, c]) as tf.Tensor4D;
    const { maps, n } = native.samSteps(spikes, n0, k, Math.exp(-this.gamma));
    return { maps, state: [n] };
  }

  /** One step of the NCS recursion: state [N_t] (paper) or [A_{t-1}, C_{t-1}] (reference); returns M_t. */
  protected advance(_layer: LayerName, t: number, spikes: tf.Tensor4D, prev: MapState | undefined): { map: tf.Tensor3D; state: MapState } {
    const decay = Math.exp(-this.gamma);
    const p = prev ? { a: prev[0], c: prev[1] } : undefined;
    const { map, a, c } = this.variant === 'paper' ? paperStep(spikes, p, decay) : referenceStep(spikes, p, decay, Math.exp(-this.gamma * t));
    return { map, state: c ? [a, c] : [a] };
  }
}

/** SAM as an `ExplanationMethod` (id `sam`): reads `options.gamma` and `options.samVariant`; no targets, no gradients. */
export const samMethod: ExplanationMethod = streamingMethod({
  id: 'sam',
  label: 'SAM',
  observer: (r) => new SpikeActivationMap({ layers: r.layers, gamma: r.options?.gamma, variant: r.options?.samVariant }),
});

/** Running per-neuron state of one layer, [B,H,W,C] each; what it holds depends on the variant. */
interface NeuronState {
  /** paper: N_t, the NCS entering step t. reference: A_{t-1} = Σ_{1≤t'<t} S_{t'} e^{-γ(t-1-t')}. */
  a: tf.Tensor4D;
  /** reference only: C_{t-1} = 1 + #{1 ≤ t' < t : S_{t'} = 0}. */
  c?: tf.Tensor4D;
}

type StepResult = { map: tf.Tensor3D; a: tf.Tensor4D; c?: tf.Tensor4D };

/** Paper: `M_t = Σ_k N_t S_t`, then `N_{t+1} = e^{-γ}(N_t + S_t)`; N_0 = 0 so M_0 = 0. */
function paperStep(s: tf.Tensor4D, prev: NeuronState | undefined, decay: number): StepResult {
  const [b, h, w] = s.shape;
  if (!prev) return { map: tf.zeros([b, h, w]), a: tf.mul(s, decay) };
  return { map: tf.sum(tf.mul(prev.a, s), -1), a: tf.mul(tf.add(prev.a, s), decay) };
}

/**
 * Reference: `A_t = e^{-γ}A_{t-1} + S_t` (A_0 = 0, so S_0 never enters A), `C_t = C_{t-1} + 1 - S_t`
 * (C_0 = 1), `N_t = A_t + e^{-γt}·C_t`, `M_t = Σ_k N_t S_t`. `decayT` is e^{-γt}.
 */
function referenceStep(s: tf.Tensor4D, prev: NeuronState | undefined, decay: number, decayT: number): StepResult {
  const a: tf.Tensor4D = prev ? tf.add(tf.mul(prev.a, decay), s) : tf.zerosLike(s);
  const c: tf.Tensor4D = prev?.c ? tf.sub(tf.add(prev.c, 1), s) : tf.onesLike(s);
  const n = tf.add(a, tf.mul(c, decayT));
  return { map: tf.sum(tf.mul(n, s), -1), a, c };
}
