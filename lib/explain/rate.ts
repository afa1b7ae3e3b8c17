/**
 * Firing-rate map: the plain baseline a spike-based explanation should beat. Where a layer has
 * spiked so far, summed over channels and averaged over the steps seen:
 * `R_t = (1/(t+1)) Σ_{τ≤t} Σ_k S^k_τ` (no spike timing, no decay; SAM weighs recent co-firing).
 * A `StreamingMapObserver`: pass it to any simulation and read `series(layer, view, b)` as SAM's.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerName } from '../snn/observer';
import { StreamingMapObserver, type MapState } from './map-observer';
import { streamingMethod, type ExplanationMethod } from './method';

/** Options of `SpikeRateMap`: the layers, as names or numbers. */
export interface RateMapOptions {
  layers: readonly (LayerName | string | number)[];
}

/** Time-averaged, channel-summed spike counts of chosen layers, one map per step. */
export class SpikeRateMap extends StreamingMapObserver {
  constructor(options: RateMapOptions) {
    super('SpikeRateMap', options.layers);
  }

  /** k steps at once: channel sums, a running sum over the steps and one division per step (spike counts are integers, so the same bits as k calls of `advance`). */
  protected override advanceSteps(_layer: LayerName, t0: number, spikes: tf.Tensor4D, k: number, prev: MapState | undefined): { maps: tf.Tensor3D; state: MapState } {
    const [kb, h, w] = spikes.shape;
    const b = kb / k;
    const summed = tf.reshape(tf.sum(spikes, -1), [k, b, h, w]);
    let counts = tf.cumsum(summed, 0);
    if (prev) counts = tf.add(counts, tf.reshape(prev[0], [1, b, h, w]));
    const steps = tf.reshape(tf.range(t0 + 1, t0 + k + 1, 1, 'float32'), [k, 1, 1, 1]);
    const maps = tf.reshape(tf.div(counts, steps), [kb, h, w]) as tf.Tensor3D;
    const last = tf.reshape(tf.slice(counts, [k - 1, 0, 0, 0], [1, b, h, w]), [b, h, w, 1]) as tf.Tensor4D;
    return { maps, state: [last] };
  }

  /** State: the channel-summed spike count so far, [B, H, W, 1]. */
  protected advance(_layer: LayerName, t: number, spikes: tf.Tensor4D, prev: MapState | undefined): { map: tf.Tensor3D; state: MapState } {
    const summed = tf.sum(spikes, -1, true) as tf.Tensor4D;
    const count = prev ? (tf.add(prev[0], summed) as tf.Tensor4D) : summed;
    return { map: tf.squeeze(tf.div(count, t + 1), [3]) as tf.Tensor3D, state: [count] };
  }
}

/** The firing-rate map as an `ExplanationMethod` (id `rate`): the baseline SAM is compared against; no options. */
export const rateMethod: ExplanationMethod = streamingMethod({
  id: 'rate',
  label: 'Firing rate',
  shortLabel: 'Rate',
  observer: (r) => new SpikeRateMap({ layers: r.layers }),
});
