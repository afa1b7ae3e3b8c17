import { describe, expect, it } from 'vitest';
import { Rng, hashString } from '../lib/random';

describe('Rng', () => {
  it('same seed, same stream; different seeds, different streams', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('forks are independent of later draws on the parent', () => {
    const a = new Rng(7), b = new Rng(7);
    b.next(); b.next();
    expect(a.fork('data').next()).toBe(b.fork('data').next());
    expect(a.fork('data').next()).not.toBe(a.fork('init').next());
  });

  it('uniforms are in [0,1) with mean 1/2 and variance 1/12', () => {
    const r = new Rng(1);
    const n = 200_000;
    let s = 0, s2 = 0, lo = 1, hi = 0;
    for (let i = 0; i < n; i++) { const u = r.next(); s += u; s2 += u * u; lo = Math.min(lo, u); hi = Math.max(hi, u); }
    const mean = s / n;
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it('normals have mean 0 and std 1', () => {
    const r = new Rng(2);
    const n = 100_000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const v = r.normal(); s += v; s2 += v * v; }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(s2 / n) - 1)).toBeLessThan(0.02);
  });

  it('int covers both ends; permutation is a permutation', () => {
    const r = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(r.int(2, 5));
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
    const p = r.permutation(50);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('hashString is FNV-1a', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
  });
});
