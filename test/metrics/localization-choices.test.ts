/**
 * Eq. 10 under the open choices, by hand on 1×2 maps: which steps take part (empty maps), min vs
 * mean, the clamp ε, and the two normalisations.
 */
import { describe, expect, it } from 'vitest';
import { heatMap } from '../../lib/explain/heatmap';
import { aggregateStepErrors, isEmptyMap, localizationErrorUnder, normaliseMap } from '../../lib/metrics/localization-choices';

const map = (...v: number[]) => heatMap(Float32Array.from(v), 1, v.length);

describe('empty maps and aggregation over steps', () => {
  it('a map is empty when all its pixels are equal', () => {
    expect(isEmptyMap(map(0, 0, 0))).toBe(true);
    expect(isEmptyMap(map(0.3, 0.3))).toBe(true);
    expect(isEmptyMap(map(0, 1e-9))).toBe(false);
  });

  it('min and mean, with and without the empty steps', () => {
    const errors = [0.5, 0.2, 0.9, 0.1];
    const empty = [false, false, false, true];
    expect(aggregateStepErrors(errors, empty)).toEqual({ value: 0.2, step: 1, steps: 3, allEmpty: false }); // default: min, exclude
    expect(aggregateStepErrors(errors, empty, { emptyMaps: 'include' })).toEqual({ value: 0.1, step: 3, steps: 4, allEmpty: false });
    expect(aggregateStepErrors(errors, empty, { aggregation: 'mean' }).value).toBeCloseTo((0.5 + 0.2 + 0.9) / 3, 12);
    expect(aggregateStepErrors(errors, empty, { aggregation: 'mean', emptyMaps: 'include' })).toMatchObject({ step: null, steps: 4, allEmpty: false });
    expect(aggregateStepErrors(errors, empty, { aggregation: 'mean', emptyMaps: 'include' }).value).toBeCloseTo(1.7 / 4, 12);
    // Ties: the first step.
    expect(aggregateStepErrors([0.3, 0.3], [false, false]).step).toBe(0);
  });

  it('when every map is empty, all steps are used and the result says so', () => {
    expect(aggregateStepErrors([2, 1], [true, true])).toEqual({ value: 1, step: 1, steps: 2, allEmpty: true });
  });

  it('refuses mismatched flags, NaN and unknown options', () => {
    expect(() => aggregateStepErrors([1, 2], [false])).toThrow('2 errors but 1 empty flags');
    expect(() => aggregateStepErrors([1, NaN], [false, false])).toThrow('step 1 is NaN');
    expect(() => aggregateStepErrors([], [])).toThrow('no steps');
    expect(() => aggregateStepErrors([1], [false], { aggregation: 'max' as never })).toThrow("unknown aggregation 'max'");
  });
});

describe('localizationErrorUnder', () => {
  // G = [0.1, 0]; M_0 empty (all zero), M_1 = [0, 0.5]. Per pixel -[g ln m + (1-g) ln(1-m)], m clamped to [ε, 1-ε]:
  //   M_0: pixel 0: -(0.1 ln ε + 0.9 ln(1-ε)), pixel 1: -ln(1-ε)
  //   M_1: pixel 0: same as M_0's, pixel 1: -ln 0.5
  const g = map(0.1, 0);
  const maps = [map(0, 0), map(0, 0.5)];
  const emptyError = (eps: number) => -(0.1 * Math.log(eps) + 0.9 * Math.log(1 - eps) + Math.log(1 - eps)) / 2;
  const secondError = (eps: number) => -(0.1 * Math.log(eps) + 0.9 * Math.log(1 - eps) + Math.log(0.5)) / 2;

  it('by default (ε = 1e-7, min, empty maps excluded) the empty step cannot win', () => {
    const e = localizationErrorUnder(g, maps);
    expect(e.perStep[0]).toBeCloseTo(emptyError(1e-7), 6); // 0.806
    expect(e.perStep[1]).toBeCloseTo(secondError(1e-7), 6); // 1.152
    expect(e.value).toBeCloseTo(1.15245, 4);
    expect(e.step).toBe(1);
  });

  it('including empty maps lets the all-zero map win; ε sets by how much', () => {
    const inc = localizationErrorUnder(g, maps, { emptyMaps: 'include' });
    expect(inc.step).toBe(0);
    expect(inc.value).toBeCloseTo(0.05 * -Math.log(1e-7), 5); // 0.806
    for (const eps of [1e-3, Math.exp(-100)]) {
      const e = localizationErrorUnder(g, maps, { eps, emptyMaps: 'include' });
      expect(e.value).toBeCloseTo(Math.min(emptyError(eps), secondError(eps)), 6);
    }
    expect(localizationErrorUnder(g, maps, { eps: Math.exp(-100), emptyMaps: 'include' }).value).toBeCloseTo(5, 6); // 0.1 · 100 / 2
  });

  it('mean over t averages the steps that take part', () => {
    expect(localizationErrorUnder(g, maps, { aggregation: 'mean', emptyMaps: 'include' }).value).toBeCloseTo((emptyError(1e-7) + secondError(1e-7)) / 2, 6);
    expect(localizationErrorUnder(g, maps, { aggregation: 'mean' }).value).toBeCloseTo(secondError(1e-7), 6);
  });
});

describe('normaliseMap', () => {
  it('scale-free ignores the scale; the absolute ε = 1e-3 squashes a Grad-CAM-sized map', () => {
    const small = map(0, 1e-4);
    expect(normaliseMap(small, 'scale-free').data[1]).toBeCloseTo(1 / 1.001, 6);
    expect(normaliseMap(small, 'absolute-eps').data[1]).toBeCloseTo(1e-4 / (1e-4 + 1e-3), 6); // 0.0909
    expect(normaliseMap(map(2, 3), 'absolute-eps').data[1]).toBeCloseTo(1 / 1.001, 6);
    expect(() => normaliseMap(small, 'l2' as never)).toThrow("unknown normalisation 'l2'");
  });
});
