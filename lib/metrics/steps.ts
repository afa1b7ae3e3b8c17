/**
 * Reducing a per-time-step metric to one number: an SNN gives one heat map per step, and the
 * paper keeps the best or worst step (Fig. 2b and 6b: maximum over t; Fig. 5: minimum over t).
 */

/** The extreme value of a per-step series and the step where it occurs (first one on ties). */
export interface StepExtremum {
  value: number;
  step: number;
}

/** `max_t values[t]` and its step (paper Fig. 2b variance, Fig. 6b L1 distance). */
export function maxOverSteps(values: readonly number[]): StepExtremum {
  return extremum(values, 1, 'maxOverSteps');
}

/** `min_t values[t]` and its step (paper Eq. 10, localization error). */
export function minOverSteps(values: readonly number[]): StepExtremum {
  return extremum(values, -1, 'minOverSteps');
}

function extremum(values: readonly number[], sign: 1 | -1, what: string): StepExtremum {
  if (values.length === 0) throw new Error(`${what}: no steps (empty series)`);
  let best: StepExtremum = { value: values[0], step: 0 };
  values.forEach((v, t) => {
    if (Number.isNaN(v)) throw new Error(`${what}: step ${t} is NaN`);
    if (sign * v > sign * best.value) best = { value: v, step: t };
  });
  return best;
}

/**
 * `n` 0-based steps spread evenly over first..T-1, ending at the last:
 * `first + round((j+1)·(T−first)/n) − 1`, e.g. T = 30, n = 10 → 2, 5, …, 29. When n exceeds the
 * steps available some repeat (a short run shown on a longer run's columns). `first` = 1 skips
 * SAM's first step, which is empty by definition (the paper variant has no earlier spikes).
 */
export function sampleSteps(T: number, n: number, first = 0): number[] {
  const span = T - first;
  return Array.from({ length: n }, (_, j) => Math.max(first, first + Math.round(((j + 1) * span) / n) - 1));
}
