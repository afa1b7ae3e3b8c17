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
