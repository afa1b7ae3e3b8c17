/**
 * Localization error (paper Methods, Eq. 10): binary cross-entropy between the ANN's Grad-CAM
 * G and each step's SAM M_t, minimum over t. The printed equation lacks the minus sign; the
 * errors in Fig. 5 are positive, so the minus is included here.
 */
import { assertSameShape, assertUnitRange, type HeatMap } from '../explain/heatmap';
import { minOverSteps } from './steps';

/**
 * Clamp for M before the logarithms: M ∈ [ε, 1 - ε] with ε = 1e-7, so log(0) never occurs and
 * one pixel can add at most -log(1e-7) ≈ 16.1 to the sum (a normalised SAM is exactly 0 wherever
 * no neuron fired).
 */
export const BCE_EPS = 1e-7;

/**
 * `-(1/N) Σ_ij [G_ij log M_ij + (1 - G_ij) log(1 - M_ij)]`, M clamped to [ε, 1-ε] (ε = BCE_EPS).
 * Both maps normalised to [0, 1] and of one size (upsample the coarser one first).
 */
export function binaryCrossEntropy(g: HeatMap, m: HeatMap, eps = BCE_EPS): number {
  return bce(g, m, eps, 'binaryCrossEntropy', 'M');
}

function bce(g: HeatMap, m: HeatMap, eps: number, what: string, mName: string): number {
  assertSameShape(g, m, what, ['G', mName]);
  assertUnitRange(g, `${what}: G`);
  assertUnitRange(m, `${what}: ${mName}`);
  let sum = 0;
  for (let i = 0; i < g.data.length; i++) {
    const p = Math.min(Math.max(m.data[i], eps), 1 - eps);
    sum += g.data[i] * Math.log(p) + (1 - g.data[i]) * Math.log(1 - p);
  }
  return -sum / g.data.length;
}

/** Localization error with the step that attains it and the whole per-step series. */
export interface LocalizationError {
  /** `E = min_t BCE(G, M_t)`. */
  error: number;
  /** The t of the minimum (first one on ties). */
  step: number;
  /** BCE(G, M_t) for every t. */
  perStep: number[];
}

/** `E = min_t BCE(G, M_t)` (Eq. 10): G the ANN Grad-CAM, M_t the SAM of step t, all normalised to [0, 1]. */
export function localizationError(g: HeatMap, maps: readonly HeatMap[], eps = BCE_EPS): LocalizationError {
  if (maps.length === 0) throw new Error('localizationError: no SAM maps (need one per time-step)');
  const perStep = maps.map((m, t) => bce(g, m, eps, 'localizationError', `M_${t}`));
  const { value, step } = minOverSteps(perStep);
  return { error: value, step, perStep };
}
