/**
 * The paper's heat-map metrics on hand-computed maps: variance (Fig. 2b), localization error
 * (Eq. 10, Fig. 5), normalised L1 (Fig. 6b), and the max/min over time-steps.
 */
import { describe, expect, it } from 'vitest';
import { heatMap, type HeatMap } from '../../lib/explain/heatmap';
import { maxOverSteps, minOverSteps } from '../../lib/metrics/steps';
import { heatmapVariance, heatmapVarianceOverSteps } from '../../lib/metrics/variance';
import { binaryCrossEntropy, localizationError, BCE_EPS } from '../../lib/metrics/localization';
import { normalisedL1, normalisedL1OverSteps } from '../../lib/metrics/distance';

const map = (...v: number[]): HeatMap => heatMap(Float32Array.from(v), 2, 2);

describe('over time-steps', () => {
  it('max and min return the value and the first step that reaches it', () => {
    expect(maxOverSteps([0.1, 0.4, 0.2, 0.4])).toEqual({ value: 0.4, step: 1 });
    expect(minOverSteps([0.3, 0.1, 0.2])).toEqual({ value: 0.1, step: 1 });
  });
  it('refuses an empty series and NaN', () => {
    expect(() => maxOverSteps([])).toThrow('maxOverSteps: no steps');
    expect(() => minOverSteps([1, NaN])).toThrow('minOverSteps: step 1 is NaN');
  });
});

describe('heat-map variance', () => {
  it('is the population variance of the pixels', () => {
    // [0, 0.5, 0.5, 1]: mean 0.5, squared deviations 0.25, 0, 0, 0.25 → 0.5 / 4.
    expect(heatmapVariance(map(0, 0.5, 0.5, 1))).toBeCloseTo(0.125, 7);
    expect(heatmapVariance(map(0.3, 0.3, 0.3, 0.3))).toBeCloseTo(0, 7);
  });
  it('SNN: maximum over steps', () => {
    expect(heatmapVarianceOverSteps([map(0, 0, 0, 0), map(0, 0.5, 0.5, 1), map(0, 0, 0, 1)])).toEqual({ value: 0.1875, step: 2 });
  });
  it('refuses raw (unnormalised) maps', () => {
    expect(() => heatmapVariance(map(0, 1, 2, 3))).toThrow('heatmapVariance: value 2 at pixel (1, 0) is outside [0, 1]; normalise() the map first');
  });
});

describe('localization error (Eq. 10, with the minus sign)', () => {
  const g = map(1, 0, 1, 0);
  it('binary cross-entropy by hand', () => {
    // M = 0.5 everywhere: every pixel contributes -log 0.5.
    expect(binaryCrossEntropy(g, map(0.5, 0.5, 0.5, 0.5))).toBeCloseTo(Math.LN2, 6);
    // G = 0.25, M = 0.25 at one pixel: -(0.25 log 0.25 + 0.75 log 0.75); others as above.
    const h = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));
    expect(binaryCrossEntropy(map(0.25, 1, 0, 0), map(0.25, 0.5, 0.5, 0.5))).toBeCloseTo((h + 3 * Math.LN2) / 4, 6);
  });
  it('clamps M to [1e-7, 1 - 1e-7]: a perfect match costs ≈ 1e-7, a perfect miss -log(1e-7) ≈ 16.1 per pixel', () => {
    expect(binaryCrossEntropy(g, map(1, 0, 1, 0))).toBeCloseTo(BCE_EPS, 9);
    expect(binaryCrossEntropy(g, map(0, 1, 0, 1))).toBeCloseTo(-Math.log(BCE_EPS), 4);
  });
  it('takes the minimum over steps and says which step', () => {
    const e = localizationError(g, [map(0, 1, 0, 1), map(0.5, 0.5, 0.5, 0.5), map(0.9, 0.1, 0.9, 0.1)]);
    expect(e.step).toBe(2);
    expect(e.error).toBeCloseTo(-Math.log(0.9), 6);
    expect(e.perStep[1]).toBeCloseTo(Math.LN2, 6);
  });
  it('names the mismatching map', () => {
    expect(() => localizationError(g, [map(0, 0, 0, 0), heatMap(new Float32Array(16), 4, 4)])).toThrow('localizationError: G is 2×2 but M_1 is 4×4; upsample both to one size first');
    expect(() => localizationError(g, [])).toThrow('no SAM maps');
    expect(() => localizationError(map(0, 2, 0, 0), [map(0, 0, 0, 0)])).toThrow('localizationError: G: value 2');
  });
});

describe('normalised L1 distance (Fig. 6b)', () => {
  it('is Σ|a - b| / N', () => {
    expect(normalisedL1(map(0, 0.5, 1, 0), map(0.5, 0.5, 0, 0))).toBeCloseTo(1.5 / 4, 7);
  });
  it('SNN: maximum over paired steps', () => {
    const clean = [map(0, 0, 0, 0), map(1, 1, 1, 1)];
    const adv = [map(0.2, 0, 0, 0), map(0, 1, 1, 1)];
    expect(normalisedL1OverSteps(clean, adv)).toEqual({ value: 0.25, step: 1 });
  });
  it('refuses mismatched shapes and unpaired steps', () => {
    expect(() => normalisedL1(map(0, 0, 0, 0), heatMap(new Float32Array(2), 1, 2))).toThrow('normalisedL1: clean is 2×2 but adversarial is 1×2');
    expect(() => normalisedL1OverSteps([map(0, 0, 0, 0)], [])).toThrow('1 clean maps but 0 adversarial maps');
  });
});
