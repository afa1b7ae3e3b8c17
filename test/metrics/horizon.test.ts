/**
 * SAM scored by run length: the pointing game of each step's map and of the mean of the first t
 * maps, on hand-made 2×2 grids over an 8×8 image whose box covers the top-left cell.
 */
import { describe, expect, it } from 'vitest';
import { lastStepAtLeast, pointingByHorizon } from '../../lib/metrics/horizon';
import type { HeatMap } from '../../lib/explain/heatmap';

const grid = (...v: number[]): HeatMap => ({ height: 2, width: 2, data: Float32Array.from(v) });
const box = { x0: 0, y0: 0, x1: 3, y1: 3 };

describe('pointingByHorizon', () => {
  it('scores each step alone and the running mean, which keeps the object until the late maps outweigh it', () => {
    // Step 1 silent, steps 2-3 peak in the box (weight 4), steps 4-6 peak outside (weight 3 each).
    const series = [grid(0, 0, 0, 0), grid(4, 0, 0, 0), grid(4, 0, 0, 0), grid(0, 3, 0, 0), grid(0, 3, 0, 0), grid(0, 3, 0, 0)];
    const h = pointingByHorizon(series, box, 8, 8);
    expect(h.byStep).toEqual([false, true, true, false, false, false]);
    // Running sums in the box vs outside: 0/0 (constant: a miss), 4/0, 8/0, 8/3, 8/6, 8/9.
    expect(h.byHorizon).toEqual([false, true, true, true, true, false]);
  });

  it('refuses an empty series and maps of different sizes, naming the step', () => {
    expect(() => pointingByHorizon([], box, 8, 8)).toThrow(/no maps/);
    expect(() => pointingByHorizon([grid(1, 0, 0, 0), { height: 1, width: 1, data: Float32Array.of(1) }], box, 8, 8)).toThrow(/step 1/);
  });
});

describe('lastStepAtLeast', () => {
  it('gives the last 1-based step at or above the threshold, 0 when none is', () => {
    expect(lastStepAtLeast([0, 0.75, 0.7, 0.62, 0.6, 0.55], 0.6)).toBe(5);
    expect(lastStepAtLeast([0, 0.5, 0.4], 0.6)).toBe(0);
    expect(lastStepAtLeast([0.9, 0.5, 0.61], 0.6)).toBe(3);
  });
});
