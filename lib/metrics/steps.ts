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
