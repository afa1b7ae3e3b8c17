/**
 * Heat-map change under attack (paper Fig. 6b): normalised L1 distance between the map of a
 * clean image and the map of its adversarial version.
 */
import { assertSameShape, assertUnitRange, type HeatMap } from '../explain/heatmap';
import { maxOverSteps, type StepExtremum } from './steps';

/** `(1/N) Σ_ij |a_ij - b_ij|` for two maps normalised to [0, 1] of one size. */
export function normalisedL1(clean: HeatMap, adversarial: HeatMap): number {
  assertSameShape(clean, adversarial, 'normalisedL1', ['clean', 'adversarial']);
  assertUnitRange(clean, 'normalisedL1: clean');
  assertUnitRange(adversarial, 'normalisedL1: adversarial');
  let sum = 0;
  for (let i = 0; i < clean.data.length; i++) sum += Math.abs(clean.data[i] - adversarial.data[i]);
  return sum / clean.data.length;
}

/** SNN version: `max_t L1(clean_t, adversarial_t)` over paired per-step maps (paper Fig. 6b). */
export function normalisedL1OverSteps(clean: readonly HeatMap[], adversarial: readonly HeatMap[]): StepExtremum {
  if (clean.length !== adversarial.length) {
    throw new Error(`normalisedL1OverSteps: ${clean.length} clean maps but ${adversarial.length} adversarial maps; need one pair per step`);
  }
  return maxOverSteps(clean.map((c, t) => normalisedL1(c, adversarial[t])));
}
