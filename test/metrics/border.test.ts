/** Border energy share: hand-computed cases on small maps. */
import { describe, expect, it } from 'vitest';
import { borderEnergyShare } from '../../lib/metrics/border';

describe('borderEnergyShare', () => {
  it('splits a 4×4 map into its 12-pixel ring and 4-pixel centre', () => {
    // Ring values sum to 1+2+3+4 + 5+6 + 7+8 + 9+10+11+12 = 78; centre 20+30+40+50 = 140; total 218.
    const m = [
      1, 2, 3, 4,
      5, 20, 30, 6,
      7, 40, 50, 8,
      9, 10, 11, 12,
    ];
    const r = borderEnergyShare(m, 4, 4);
    expect(r.areaShare).toBe(12 / 16);
    expect(r.energyShare).toBeCloseTo(78 / 218, 12);
  });

  it('gives a uniform map its area share (8×8 ring 1: 28 of 64 pixels, the conv6 case)', () => {
    const r = borderEnergyShare(new Float32Array(64).fill(0.3), 8, 8);
    expect(r.areaShare).toBe(28 / 64);
    expect(r.energyShare).toBeCloseTo(28 / 64, 6);
  });

  it('handles a non-square map and a wider ring', () => {
    // 3×5, ring 1: everything but the middle row's 3 inner pixels (12 of 15).
    const m = Float32Array.from([
      0, 0, 0, 0, 0,
      0, 1, 1, 1, 0,
      0, 0, 0, 0, 0,
    ]);
    expect(borderEnergyShare(m, 3, 5)).toEqual({ energyShare: 0, areaShare: 12 / 15 });
    // 6×6, ring 2: all but the central 2×2 (32 of 36); energy only in a corner → 1.
    const c = new Array(36).fill(0);
    c[0] = 5;
    expect(borderEnergyShare(c, 6, 6, 2)).toEqual({ energyShare: 1, areaShare: 32 / 36 });
    // A ring reaching the centre covers the whole map.
    expect(borderEnergyShare([1, 2, 3, 4, 5, 6], 2, 3, 5)).toEqual({ energyShare: 1, areaShare: 1 });
  });

  it('returns energy share 0 for an all-zero map, and area 1 for a 1×1 or 2×2 map', () => {
    expect(borderEnergyShare([0, 0, 0, 0], 2, 2)).toEqual({ energyShare: 0, areaShare: 1 });
    expect(borderEnergyShare([7], 1, 1)).toEqual({ energyShare: 1, areaShare: 1 });
  });

  it('rejects bad sizes, rings and values', () => {
    expect(() => borderEnergyShare([1, 2, 3], 2, 2)).toThrow(/3 values, expected 2×2/);
    expect(() => borderEnergyShare([1], 0, 1)).toThrow(/positive integers/);
    expect(() => borderEnergyShare([1, 1, 1, 1], 2, 2, 0)).toThrow(/ring must be a positive integer/);
    expect(() => borderEnergyShare([1, -1, 1, 1], 2, 2)).toThrow(/pixel \(0, 1\)/);
    expect(() => borderEnergyShare([1, NaN, 1, 1], 2, 2)).toThrow(/negative or not finite/);
  });
});
