import { describe, expect, it } from 'vitest';
import { combineSeedRuns, combineVerdicts, compareMachineRuns, oppositeVerdicts, type SeedRun } from '../../lib/metrics/seed-claims';
import type { Claim, Verdict } from '../../lib/metrics/uncertainty';

function claim(id: string, value: number, low: number, high: number, verdict: Verdict, n = 256, seed = 0): Claim {
  return { id, statement: `claim ${id}`, metric: 'm', value, interval: [low, high], level: 0.95, n, seeds: [seed], verdict };
}

function run(seed: number, ...claims: Claim[]): SeedRun {
  return { seed, claims: claims.map((c) => ({ figure: '01-variance', claim: c })) };
}

describe('combineVerdicts', () => {
  it('holds or fails only when every seed agrees', () => {
    expect(combineVerdicts(['holds', 'holds', 'holds'])).toBe('holds');
    expect(combineVerdicts(['fails', 'fails'])).toBe('fails');
    expect(combineVerdicts(['holds', 'holds', 'inconclusive'])).toBe('inconclusive');
    expect(combineVerdicts(['holds', 'fails', 'holds'])).toBe('inconclusive');
    expect(() => combineVerdicts([])).toThrow(/no verdicts/);
  });
});

describe('combineSeedRuns', () => {
  it('averages values, takes the envelope of the intervals and the fewest images', () => {
    const out = combineSeedRuns([
      run(42, claim('a', 0.2, 0.1, 0.3, 'holds'), claim('b', -0.1, -0.2, 0.05, 'inconclusive')),
      run(1, claim('a', 0.4, 0.25, 0.5, 'holds', 200), claim('b', -0.3, -0.4, -0.2, 'fails')),
      run(2, claim('a', 0.3, 0.05, 0.45, 'holds'), claim('b', -0.2, -0.3, -0.1, 'fails')),
    ]);
    expect(out.map((c) => c.id)).toEqual(['a', 'b']);
    const [a, b] = out;
    expect(a.value).toBeCloseTo(0.3, 12);
    expect(a.interval).toEqual([0.05, 0.5]);
    expect(a.n).toBe(200);
    expect(a.seeds).toEqual([42, 1, 2]);
    expect(a.verdict).toBe('holds');
    expect(a.per_seed.map((p) => p.verdict)).toEqual(['holds', 'holds', 'holds']);
    expect(b.verdict).toBe('inconclusive');
    expect(b.figure).toBe('01-variance');
  });

  it('a claim one seed left out is inconclusive there (n = 0), and a repeated seed is refused', () => {
    const [a, b] = combineSeedRuns([run(1, claim('a', 0.2, 0.1, 0.3, 'holds')), run(2, claim('a', 0.4, 0.3, 0.5, 'holds'), claim('b', 1, 0.5, 1.5, 'holds'))]);
    expect(a.verdict).toBe('holds');
    expect(b.id).toBe('b');
    expect(b.verdict).toBe('inconclusive');
    expect(b.n).toBe(0);
    expect(b.value).toBe(1);
    expect(b.per_seed).toEqual([
      { seed: 1, measured: false, value: null, interval: null, n: 0, verdict: 'inconclusive' },
      { seed: 2, measured: true, value: 1, interval: [0.5, 1.5], n: 256, verdict: 'holds' },
    ]);
    expect(() => combineSeedRuns([run(3, claim('a', 0, 0, 0, 'holds')), run(3, claim('a', 0, 0, 0, 'holds'))])).toThrow(/seed 3 appears twice/);
    expect(() => combineSeedRuns([])).toThrow(/no runs/);
  });
});

describe('compareMachineRuns', () => {
  it('flags opposite verdicts and verdicts that contradict the claims run, claim by claim', () => {
    const a = run(42, claim('a', 0.2, 0.1, 0.3, 'holds'), claim('b', 0.1, -0.1, 0.2, 'inconclusive'), claim('c', -0.2, -0.3, -0.1, 'fails'));
    const b = run(42, claim('a', -0.2, -0.3, -0.1, 'fails'), claim('b', 0.3, 0.2, 0.4, 'holds'), claim('d', 0.3, 0.2, 0.4, 'holds'));
    const combined = new Map([['01-variance/a', 'holds' as Verdict], ['01-variance/b', 'fails' as Verdict], ['01-variance/c', 'fails' as Verdict]]);
    const out = compareMachineRuns(a.claims, b.claims, combined);
    expect(out.map((c) => c.id)).toEqual(['a', 'b', 'c', 'd']);
    const [ca, cb, cc, cd] = out;
    expect(ca.opposite).toBe(true);
    expect(ca.contradicts_combined).toBe(true);
    expect(ca.runs.map((r) => r?.verdict)).toEqual(['holds', 'fails']);
    // Inconclusive against holds is a difference, not a contradiction; holds against a combined "fails" is one.
    expect(cb.opposite).toBe(false);
    expect(cb.contradicts_combined).toBe(true);
    // A claim the second run left out is null there and contradicts nothing.
    expect(cc.runs[1]).toBeNull();
    expect(cc.opposite).toBe(false);
    expect(cc.contradicts_combined).toBe(false);
    expect(cd.runs[0]).toBeNull();
    expect(cd.combined).toBeNull();
    expect(cd.runs[1]?.interval).toEqual([0.2, 0.4]);
  });

  it('calls only holds against fails opposite', () => {
    expect(oppositeVerdicts('holds', 'fails')).toBe(true);
    expect(oppositeVerdicts('fails', 'holds')).toBe(true);
    expect(oppositeVerdicts('holds', 'inconclusive')).toBe(false);
    expect(oppositeVerdicts('fails', 'fails')).toBe(false);
  });
});
