/**
 * Verdicts with uncertainty: the percentile bootstrap covers what it should and narrows with n,
 * is reproducible from its seed, the paired bootstrap sees a consistent difference that two
 * unpaired intervals cannot separate, and the verdict rules on hand-made intervals.
 */
import { describe, expect, it } from 'vitest';
import {
  bootstrapInterval, makeClaim, pairedBootstrap, quantileSorted, verdict, type Interval,
} from '../../lib/metrics/uncertainty';
import { Rng } from '../../lib/random';

/** n draws from N(mean, std²) on a seeded stream. */
function normals(n: number, mean: number, std: number, seed: number): number[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => r.normal(mean, std));
}

const width = (i: Interval) => i.high - i.low;

describe('bootstrapInterval', () => {
  it('a constant sample gives the degenerate interval at its value', () => {
    const ci = bootstrapInterval(new Array(30).fill(3.25), { rng: new Rng(1) });
    expect(ci).toEqual({ value: 3.25, low: 3.25, high: 3.25, n: 30, level: 0.95 });
  });

  it('a large normal sample: the interval holds the true mean and is about ±1.96·σ/√n wide', () => {
    const n = 4000, sigma = 2;
    const ci = bootstrapInterval(normals(n, 5, sigma, 11), { rng: new Rng(2) });
    expect(ci.low).toBeLessThan(5);
    expect(ci.high).toBeGreaterThan(5);
    expect(ci.low).toBeLessThan(ci.value);
    expect(ci.high).toBeGreaterThan(ci.value);
    // Normal theory: 2 · 1.96 · σ/√n = 0.124; the bootstrap agrees within 15 %.
    expect(width(ci) / (2 * 1.96 * sigma / Math.sqrt(n))).toBeGreaterThan(0.85);
    expect(width(ci) / (2 * 1.96 * sigma / Math.sqrt(n))).toBeLessThan(1.15);
  });

  it('percentiles by hand: resampled means of [0, 1] are 0, ½, 1 with P = ¼, ½, ¼', () => {
    // 2.5 % and 97.5 % of that distribution are 0 and 1; 50 % is ½.
    const ci = bootstrapInterval([0, 1], { rng: new Rng(3), resamples: 4000 });
    expect([ci.value, ci.low, ci.high]).toEqual([0.5, 0, 1]);
    const mid = bootstrapInterval([0, 1], { rng: new Rng(3), resamples: 4000, level: 0.2 });
    expect([mid.low, mid.high]).toEqual([0.5, 0.5]);
    expect(quantileSorted([0, 10, 20], 0.25)).toBe(5);
    expect(quantileSorted([7], 0.975)).toBe(7);
  });

  it('narrows with n (≈ 1/√n: 100× the images, about a tenth of the width)', () => {
    const small = bootstrapInterval(normals(20, 0, 1, 4), { rng: new Rng(5) });
    const large = bootstrapInterval(normals(2000, 0, 1, 4), { rng: new Rng(5) });
    expect(width(large)).toBeLessThan(width(small) / 5);
    expect(width(large)).toBeGreaterThan(width(small) / 20);
  });

  it('same seed, identical interval; another seed or a second draw from the stream, another one', () => {
    const xs = normals(50, 1, 1, 6);
    const a = bootstrapInterval(xs, { rng: new Rng(7) });
    expect(bootstrapInterval(xs, { rng: new Rng(7) })).toEqual(a);
    expect(bootstrapInterval(xs, { rng: new Rng(8) })).not.toEqual(a);
    const stream = new Rng(7);
    const first = bootstrapInterval(xs, { rng: stream });
    expect(first).toEqual(a);
    expect(bootstrapInterval(xs, { rng: stream })).not.toEqual(a);
    expect(pairedBootstrap(xs, xs.map((v) => v / 2), { rng: new Rng(9) })).toEqual(pairedBootstrap(xs, xs.map((v) => v / 2), { rng: new Rng(9) }));
  });

  it('takes another statistic (median of 1..9 is 5)', () => {
    const median = (v: readonly number[]) => quantileSorted([...v].sort((p, q) => p - q), 0.5);
    const ci = bootstrapInterval([1, 2, 3, 4, 5, 6, 7, 8, 9], { rng: new Rng(1), statistic: median });
    expect(ci.value).toBe(5);
    expect(ci.low).toBeLessThanOrEqual(5);
    expect(ci.high).toBeGreaterThanOrEqual(5);
  });

  it('refuses empty, non-finite and mismatched input with one clear line', () => {
    const rng = new Rng(1);
    expect(() => bootstrapInterval([], { rng })).toThrow('bootstrapInterval: no values (need one per image)');
    expect(() => bootstrapInterval([1, NaN], { rng })).toThrow('value NaN at index 1 is not a finite number');
    expect(() => bootstrapInterval([1], { rng, level: 95 })).toThrow('level must lie strictly between 0 and 1');
    expect(() => bootstrapInterval([1], { rng, resamples: 0 })).toThrow('resamples must be a positive integer');
    expect(() => pairedBootstrap([1, 2], [1], { rng })).toThrow('2 values of A but 1 of B');
    expect(() => pairedBootstrap([1], [0], { rng, statistic: 'ratio' })).toThrow('the ratio is undefined');
  });
});

describe('pairedBootstrap', () => {
  // 60 images whose values vary a lot from image to image (σ = 1); A is B + 0.05 on every image,
  // give or take 0.02. The difference is consistent but 20× smaller than the spread.
  const base = normals(60, 0, 1, 21);
  const noise = normals(60, 0, 0.02, 22);
  const b = base;
  const a = base.map((v, i) => v + 0.05 + noise[i]);

  it('detects a consistent small difference that two unpaired intervals cannot separate', () => {
    const paired = pairedBootstrap(a, b, { rng: new Rng(1) });
    expect(paired.value).toBeCloseTo(0.05, 2);
    expect(paired.low).toBeGreaterThan(0);
    expect(verdict(paired, 'greater')).toBe('holds');
    // Unpaired: each mean's interval is ±0.25 wide, so they overlap and nothing can be said.
    const ia = bootstrapInterval(a, { rng: new Rng(2) });
    const ib = bootstrapInterval(b, { rng: new Rng(3) });
    expect(ia.low).toBeLessThan(ib.high);
    // …and the same holds for the difference of means resampled independently (A and B as two groups).
    const ra = new Rng(4), rb = new Rng(5);
    const diffs = Array.from({ length: 2000 }, () => {
      let s = 0;
      for (let k = 0; k < a.length; k++) s += a[Math.floor(ra.next() * a.length)] - b[Math.floor(rb.next() * b.length)];
      return s / a.length;
    }).sort((p, q) => p - q);
    const unpaired = { low: quantileSorted(diffs, 0.025), high: quantileSorted(diffs, 0.975) };
    expect(verdict(unpaired, 'greater')).toBe('inconclusive');
  });

  it('ratio: mean(a) / mean(b) compared with 1', () => {
    const pos = normals(40, 10, 1, 31);
    const up = pos.map((v) => v * 1.1);
    const r = pairedBootstrap(up, pos, { rng: new Rng(1), statistic: 'ratio' });
    expect(r.value).toBeCloseTo(1.1, 10);
    expect(r.low).toBeGreaterThan(1);
    expect(verdict(r, 'greater', 1)).toBe('holds');
    expect(verdict(r, 'less', 1)).toBe('fails');
  });

  it('a difference of exactly zero fails "A > B"', () => {
    const same = pairedBootstrap(b, b, { rng: new Rng(1) });
    expect([same.value, same.low, same.high]).toEqual([0, 0, 0]);
    expect(verdict(same, 'greater')).toBe('fails');
  });
});

describe('verdict', () => {
  it('"A > B" (greater than 0): holds when low > 0, fails when high ≤ 0, else inconclusive', () => {
    expect(verdict({ low: 0.01, high: 0.5 }, 'greater')).toBe('holds');
    expect(verdict({ low: -0.5, high: -0.01 }, 'greater')).toBe('fails');
    expect(verdict({ low: -0.5, high: 0 }, 'greater')).toBe('fails');
    expect(verdict({ low: -0.1, high: 0.1 }, 'greater')).toBe('inconclusive');
    expect(verdict({ low: 0, high: 0.1 }, 'greater')).toBe('inconclusive');
  });

  it('"A < B" mirrors it; a threshold moves the line', () => {
    expect(verdict({ low: -0.5, high: -0.01 }, 'less')).toBe('holds');
    expect(verdict({ low: 0.01, high: 0.5 }, 'less')).toBe('fails');
    expect(verdict({ low: -0.1, high: 0.1 }, 'less')).toBe('inconclusive');
    expect(verdict({ low: 1.02, high: 1.3 }, 'greater', 1)).toBe('holds');
    expect(verdict({ low: 0.9, high: 1.3 }, 'greater', 1)).toBe('inconclusive');
    expect(() => verdict({ low: 1, high: 0 }, 'greater')).toThrow('is not an interval');
  });
});

describe('makeClaim', () => {
  it('records the interval, n, seeds and the verdict', () => {
    const c = makeClaim(
      { id: 'x_gt_y', statement: 'X > Y', metric: 'mean over images of X − Y', seeds: [1] },
      { value: 0.2, low: 0.1, high: 0.3, n: 64, level: 0.95 },
    );
    expect(c).toEqual({ id: 'x_gt_y', statement: 'X > Y', metric: 'mean over images of X − Y', value: 0.2, interval: [0.1, 0.3], level: 0.95, n: 64, seeds: [1], verdict: 'holds' });
    expect(makeClaim({ id: 'r', statement: 'X / Y > 1', metric: 'ratio', seeds: [], threshold: 1 }, { value: 1.1, low: 0.95, high: 1.2, n: 5, level: 0.95 }).verdict).toBe('inconclusive');
    expect(makeClaim({ id: 'l', statement: 'X < Y', metric: 'd', seeds: [], direction: 'less' }, { value: 0.2, low: 0.1, high: 0.3, n: 5, level: 0.95 }).verdict).toBe('fails');
  });
});
