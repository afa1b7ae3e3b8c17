/**
 * Heat-map variance (paper Fig. 2b): the pixel variance of a normalised map. A map that
 * singles out a region has high variance; a smoothed, non-discriminative one has low variance.
 */
import { assertUnitRange, type HeatMap } from '../explain/heatmap';
import { maxOverSteps, type StepExtremum } from './steps';

/** Population variance `(1/N) Σ (m_ij - mean)²` of a map normalised to [0, 1] (throws on raw maps). */
export function heatmapVariance(map: HeatMap): number {
  assertUnitRange(map, 'heatmapVariance');
  let mean = 0;
  for (const v of map.data) mean += v;
  mean /= map.data.length;
  let sq = 0;
  for (const v of map.data) sq += (v - mean) * (v - mean);
  return sq / map.data.length;
}

/** SNN heat-map variance: `max_t Var(M_t)` over one map per step (paper Fig. 2b). */
export function heatmapVarianceOverSteps(maps: readonly HeatMap[]): StepExtremum {
  return maxOverSteps(maps.map(heatmapVariance));
}
