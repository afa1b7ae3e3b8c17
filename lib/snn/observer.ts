/**
 * Observers watch a spiking simulation step by step. The simulation calls `onStep` once per
 * recorded layer per time-step with that layer's spike map; `simulate` disposes the tensor when
 * its chunk of steps ends (a differentiable `unroll` when its gradient pass ends), so an observer
 * keeps only its own running state (`tf.keep(tf.clone(x))` what it must).
 * SAM, spike counts and recordings are observers: an explanation costs one forward pass and
 * O(1) extra memory per neuron, whatever the number of steps.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** The layers a VGG11 SNN exposes to observers: conv1..conv8 and fc1. */
export type VggLayerName = 'conv1' | 'conv2' | 'conv3' | 'conv4' | 'conv5' | 'conv6' | 'conv7' | 'conv8' | 'fc1';

/**
 * A layer an observer watches: any name (your own simulation can call `onStep('block3', …)`);
 * spikelens' simulations of a VGG11 SNN emit the `VggLayerName`s and refuse other names.
 */
export type LayerName = VggLayerName | (string & {});

/** The VGG11 layer names, in order. */
export const VGG_LAYER_NAMES: readonly VggLayerName[] = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'conv6', 'conv7', 'conv8', 'fc1'];

/** A layer given as a name or a number: `4` or `'4'` → `'conv4'` (VGG11's conv layers 1..8); any other non-empty name as it is. */
export function layerName(layer: string | number): LayerName {
  if (typeof layer === 'number' || /^\d+$/.test(layer)) {
    const n = Number(layer);
    if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`layer ${layer} is not a conv layer of VGG11; use 1..8 (or a name like conv4, fc1)`);
    return `conv${n}` as VggLayerName;
  }
  if (layer.trim() === '') throw new Error('layer name is empty');
  return layer;
}

/** What the simulation tells observers before the first step. */
export interface SimulationInfo {
  /** Number of time-steps T that will be simulated. */
  timesteps: number;
  /** Batch size B. */
  batch: number;
  /** Input height and width in pixels. */
  inputHeight: number;
  inputWidth: number;
}

/**
 * A consumer of spikes. For each layer, `onStep` comes in time order t = 0 … T−1. The simulation
 * runs several steps of one layer before the next layer (layer by layer, in chunks of steps), so
 * calls of different layers interleave by chunk, not by step: keep state per layer. `onOutput`
 * for a step comes after every layer's spikes of that step.
 */
export interface SimulationObserver {
  /** Layers this observer wants (the simulation records only those somebody asked for). */
  readonly layers: readonly LayerName[];
  /** Called once before step 0. */
  begin?(info: SimulationInfo): void;
  /** Spikes of `layer` at step `t`: [B, H, W, C] for conv layers ([B, 1, 1, C] for fc1), values 0/1. */
  onStep(layer: LayerName, t: number, spikes: tf.Tensor4D): void;
  /**
   * Optional, instead of `onStep`: steps t0 … t0+k−1 of `layer` at once, time-major [k·B,H,W,C].
   * The simulation calls it when it runs steps in chunks, so an observer can batch its work (one
   * read-back per chunk instead of one per step). Same meaning as k calls of `onStep`.
   */
  onSteps?(layer: LayerName, t0: number, spikes: tf.Tensor4D, k: number): void;
  /** Optional: the output layer's accumulated membrane after step `t` divided by (t+1): [B, classes]. */
  onOutput?(t: number, logits: tf.Tensor2D): void;
  /** Called once after the last step. */
  end?(): void;
}
