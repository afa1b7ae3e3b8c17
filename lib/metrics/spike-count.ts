/**
 * Spike activity per layer and time-step (paper Fig. 5b) as a simulation observer: one sum per
 * layer per step, so counting costs nothing next to the simulation and keeps no spike maps.
 * Counts accumulate over runs (one run per batch) until `reset()`, giving data-set totals.
 *
 * `perImage: true` also keeps one series per image (`imageCounts`), for statistics over images
 * (a bootstrap over images of Fig. 5b's shape needs each image's own curve). A run starts where a
 * layer's steps restart at t = 0; its B images follow the images of the earlier runs, so with one
 * run per batch of a data set in order, image i of `imageCounts` is image i of the data set.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerName, SimulationObserver } from '../snn/observer';

/** Options of `SpikeCounter`. */
export interface SpikeCounterOptions {
  /** Layers to count. */
  layers: readonly LayerName[];
  /** Also keep each image's spikes per step (`imageCounts`); default false (totals only). */
  perImage?: boolean;
}

/** Per layer: totals per step, images per step, neurons per image and (perImage) [image][t] series. */
interface Tally {
  spikes: number[];
  images: number[];
  neurons: number;
  perImage: number[][];
  /** Index in `perImage` of the current run's first image. */
  runStart: number;
}

/** Counts spikes of each observed layer at each step, summed over images, neurons and runs. */
export class SpikeCounter implements SimulationObserver {
  readonly layers: readonly LayerName[];
  readonly perImage: boolean;
  private tallies = new Map<LayerName, Tally>();

  constructor(options: SpikeCounterOptions) {
    if (options.layers.length === 0) throw new Error('SpikeCounter: layers is empty; name at least one layer (e.g. conv4)');
    this.layers = [...options.layers];
    this.perImage = options.perImage ?? false;
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
      tally = { spikes: [], images: [], neurons: h * w * c, perImage: [], runStart: 0 };
      this.tallies.set(layer, tally);
    }
    if (tally.neurons !== h * w * c) throw new Error(`SpikeCounter: ${layer} had ${tally.neurons} neurons per image, now ${h * w * c}; use one counter per network`);
    while (tally.spikes.length < t0 + k) {
      tally.spikes.push(0);
      tally.images.push(0);
    }
    if (!this.perImage) {
      const sums = tf.tidy(() => tf.sum(tf.reshape(spikes, [k, -1]), 1));
      const counts = sums.dataSync();
      sums.dispose();
      for (let j = 0; j < k; j++) {
        tally.spikes[t0 + j] += counts[j];
        tally.images[t0 + j] += batch;
      }
      return;
    }
    // Time-major rows: row j·B + b is image b at step t0 + j. One sum per (step, image), one read-back.
    const sums = tf.tidy(() => tf.sum(tf.reshape(spikes, [k * batch, -1]), 1));
    const counts = sums.dataSync();
    sums.dispose();
    if (t0 === 0) {
      // A new run: its images follow those of the earlier runs.
      tally.runStart = tally.perImage.length;
      for (let b = 0; b < batch; b++) tally.perImage.push([]);
    } else if (tally.runStart + batch !== tally.perImage.length) {
      throw new Error(`SpikeCounter: ${layer} step ${t0} has a batch of ${batch} images but its run started with ${tally.perImage.length - tally.runStart}`);
    }
    for (let j = 0; j < k; j++) {
      let total = 0;
      for (let b = 0; b < batch; b++) {
        const v = counts[j * batch + b];
        total += v;
        const series = tally.perImage[tally.runStart + b];
        while (series.length < t0 + j) series.push(0);
        series[t0 + j] = v;
      }
      tally.spikes[t0 + j] += total;
      tally.images[t0 + j] += batch;
    }
  }

  /** Total spikes of `layer` at each step t = 0..T-1 (summed over images and runs). */
  counts(layer: LayerName): number[] {
    return [...this.tally(layer).spikes];
  }

  /**
   * Spikes of `layer` per image and step, [image][t] (needs `perImage: true`): images in the order
   * the runs saw them (run after run, batch order within a run).
   */
  imageCounts(layer: LayerName): number[][] {
    if (!this.perImage) throw new Error('SpikeCounter: imageCounts needs a counter made with perImage: true');
    return this.tally(layer).perImage.map((s) => [...s]);
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
