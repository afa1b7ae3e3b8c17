/**
 * Localization error (paper Eq. 10) under the choices the paper leaves open. Eq. 10 says
 * `E = min_t BCE(G, M_t)` with G the ANN's Grad-CAM and M_t the SAM of step t, both "normalised";
 * it does not say how maps are normalised, how hard the logarithms are clamped, whether a step
 * whose map is empty takes part in the minimum, or at which resolution the two maps meet.
 * These functions make each of those a named argument, so a figure can report the error (and
 * the verdicts built on it) under every option:
 *
 * - normalisation: `scale-free`, `(m − min) / ((max − min)(1 + 1e-3))`, or the authors'
 *   `absolute-eps`, `(m − min) / (max − min + 1e-3)` (see `lib/explain/heatmap.ts`);
 * - ε: M is clamped to [ε, 1 − ε] before the logarithms (`binaryCrossEntropy`);
 * - aggregation over steps: `min` (Eq. 10) or `mean` of the per-step errors;
 * - empty maps: a step whose map is constant (all zero once normalised, e.g. SAM's first step,
 *   which has no earlier spikes) is `exclude`d from the aggregate or `include`d like any other.
 *
 * Resolution is the caller's choice of maps (upsample both to the input, or keep the layer's).
 */
import { normalise, scaleFreeNormalise, valueRange, type HeatMap } from '../explain/heatmap';
import { binaryCrossEntropy, BCE_EPS } from './localization';

/** How a raw map is brought to [0, 1]: ε relative to the map's range, or the authors' absolute ε = 1e-3. */
export type Normalisation = 'scale-free' | 'absolute-eps';

/** How per-step errors become one number: the minimum over t (Eq. 10) or the mean over t. */
export type StepAggregation = 'min' | 'mean';

/** Whether steps with an empty (constant) map take part in the aggregate. */
export type EmptyMaps = 'exclude' | 'include';

/** The open choices of Eq. 10 that act on a per-step series (resolution is the caller's). */
export interface ErrorChoices {
  /** Clamp of M before the logarithms (default `BCE_EPS` = 1e-7). */
  eps?: number;
  /** Default `min`. */
  aggregation?: StepAggregation;
  /** Default `exclude`. */
  emptyMaps?: EmptyMaps;
}

/** One aggregated error and what went into it. */
export interface AggregatedError {
  /** The minimum or mean of the per-step errors that took part. */
  value: number;
  /** The 0-based step of the minimum (first on ties); null for the mean. */
  step: number | null;
  /** How many steps took part. */
  steps: number;
  /**
   * True when every map was empty, so `exclude` had nothing left and all steps were used
   * (the image still gets an error, the error of an empty map, so paired comparisons keep it).
   */
  allEmpty: boolean;
}

/** `scaleFreeNormalise` or the authors' `normalise` (absolute ε = 1e-3). */
export function normaliseMap(m: HeatMap, kind: Normalisation): HeatMap {
  if (kind === 'scale-free') return scaleFreeNormalise(m);
  if (kind === 'absolute-eps') return normalise(m);
  throw new Error(`normaliseMap: unknown normalisation '${String(kind)}'; expected scale-free or absolute-eps`);
}

/** True when every pixel of `m` has the same value: a silent step, all zero once normalised. */
export function isEmptyMap(m: HeatMap): boolean {
  const { min, max } = valueRange(m);
  return !(max > min);
}

/**
 * Aggregates per-step errors: with `exclude`, steps flagged `empty` are left out (all steps are
 * used when every one is empty, flagged by `allEmpty`); then the minimum (with its step) or the
 * mean of what is left.
 */
export function aggregateStepErrors(perStep: readonly number[], empty: readonly boolean[], choices: Pick<ErrorChoices, 'aggregation' | 'emptyMaps'> = {}): AggregatedError {
  const aggregation = choices.aggregation ?? 'min';
  const emptyMaps = choices.emptyMaps ?? 'exclude';
  if (perStep.length === 0) throw new Error('aggregateStepErrors: no steps (empty series)');
  if (empty.length !== perStep.length) throw new Error(`aggregateStepErrors: ${perStep.length} errors but ${empty.length} empty flags; need one per step`);
  if (aggregation !== 'min' && aggregation !== 'mean') throw new Error(`aggregateStepErrors: unknown aggregation '${String(aggregation)}'; expected min or mean`);
  if (emptyMaps !== 'exclude' && emptyMaps !== 'include') throw new Error(`aggregateStepErrors: unknown emptyMaps '${String(emptyMaps)}'; expected exclude or include`);
  perStep.forEach((v, t) => {
    if (Number.isNaN(v)) throw new Error(`aggregateStepErrors: step ${t} is NaN`);
  });
  let used = perStep.map((_, t) => t);
  if (emptyMaps === 'exclude') used = used.filter((t) => !empty[t]);
  const allEmpty = used.length === 0;
  if (allEmpty) used = perStep.map((_, t) => t);
  if (aggregation === 'mean') {
    return { value: used.reduce((a, t) => a + perStep[t], 0) / used.length, step: null, steps: used.length, allEmpty };
  }
  let step = used[0];
  for (const t of used) if (perStep[t] < perStep[step]) step = t;
  return { value: perStep[step], step, steps: used.length, allEmpty };
}

/**
 * Eq. 10 under `choices`: `BCE(G, M_t)` for every step (M clamped to [ε, 1 − ε]), empty maps
 * found by `isEmptyMap`, then `aggregateStepErrors`. G and every M_t normalised to [0, 1] and of
 * one size. Defaults (ε = 1e-7, min, exclude) are what figure 04 reports.
 */
export function localizationErrorUnder(g: HeatMap, maps: readonly HeatMap[], choices: ErrorChoices = {}): AggregatedError & { perStep: number[] } {
  if (maps.length === 0) throw new Error('localizationErrorUnder: no maps (need one per time-step)');
  const eps = choices.eps ?? BCE_EPS;
  const perStep = maps.map((m) => binaryCrossEntropy(g, m, eps));
  return { ...aggregateStepErrors(perStep, maps.map(isEmptyMap), choices), perStep };
}
