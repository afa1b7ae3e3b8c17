/**
 * Spike activity per layer and time-step (paper Fig. 5b) as a simulation observer: one sum per
 * layer per step, so counting costs nothing next to the simulation and keeps no spike maps.
 * Counts accumulate over runs (one run per batch) until `reset()`, giving data-set totals.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerName, SimulationObserver } from '../snn/observer';

/** Counts spikes of each observed layer at each step, summed over images, neurons and runs. */
export class SpikeCounter implements SimulationObserver {
  readonly layers: readonly LayerName[];
  private tallies = new Map<LayerName, { spikes: number[]; images: number[]; neurons: number }>();

  constructor(options: { layers: readonly LayerName[] }) {
    if (options.layers.length === 0) throw new Error('SpikeCounter: layers is empty; name at least one layer (e.g. conv4)');
    this.layers = [...options.layers];
  }

  onStep(layer: LayerName, t: number, spikes: tf.Tensor4D): void {
    this.onSteps(layer, t, spikes, 1);
  }

  /** Steps t0 … t0+k−1 at once ([k·B,H,W,C]): one sum per step, one read-back. */
  onSteps(layer: LayerName, t0: number, spikes: tf.Tensor4D, k: number): void {
    if (!this.layers.includes(layer)) return; // the simulation may record layers for other observers
    const [rows, h, w, c] = spikes.shape;
    const batch = rows / k;
    let tally = this.tallies.get(layer);
    if (!tally) {
      tally = { spikes: [], images: [], neurons: h * w * c };
      this.tallies.set(layer, tally);
    }
    if (tally.neurons !== h * w * c) throw new Error(`SpikeCounter: ${layer} had ${tally.neurons} neurons per image, now ${h * w * c}; use one counter per network`);
    const sums = tf.tidy(() => tf.sum(tf.reshape(spikes, [k, -1]), 1));
    const counts = sums.dataSync();
    sums.dispose();
    while (tally.spikes.length < t0 + k) {
      tally.spikes.push(0);
      tally.images.push(0);
    }
    for (let j = 0; j < k; j++) {
      tally.spikes[t0 + j] += counts[j];
      tally.images[t0 + j] += batch;
    }
  }

  /** Total spikes of `layer` at each step t = 0..T-1 (summed over images and runs). */
  counts(layer: LayerName): number[] {
    return [...this.tally(layer).spikes];
  }

  /** Firing rate per neuron per step: `counts_t / (images_t · neurons)`, in [0, 1]. */
  rates(layer: LayerName): number[] {
    const { spikes, images, neurons } = this.tally(layer);
    return spikes.map((s, t) => s / (images[t] * neurons));
  }

  /** Fig. 5b's normalised activity: `counts_t / max_t counts_t` (peak 1; all zeros if silent). */
  curve(layer: LayerName): number[] {
    const { spikes } = this.tally(layer);
    const peak = Math.max(...spikes);
    return spikes.map((s) => (peak > 0 ? s / peak : 0));
  }

  /** Forgets all counts. */
  reset(): void {
    this.tallies.clear();
  }

  private tally(layer: LayerName) {
    const t = this.tallies.get(layer);
    if (!t) throw new Error(`SpikeCounter: no steps counted for ${layer} (observed layers: ${this.layers.join(', ')})`);
    return t;
  }
}
