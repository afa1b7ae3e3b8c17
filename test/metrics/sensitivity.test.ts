/** The sensitivity table from hand-made claims: rows per choice, default rows first, changed verdicts flagged. */
import { describe, expect, it } from 'vitest';
import { sensitivityRows, verdictChanges } from '../../lib/metrics/sensitivity';
import { makeClaim, type Claim } from '../../lib/metrics/uncertainty';

const claim = (id: string, low: number, high: number): Claim =>
  makeClaim({ id, statement: id, metric: 'θ', seeds: [1] }, { value: (low + high) / 2, low, high, n: 10, level: 0.95 });

describe('sensitivityRows', () => {
  const defaults = [claim('a', 0.1, 0.3), claim('b', -0.2, 0.1)]; // a holds, b inconclusive
  const alternatives = [
    { choice: 'eps', option: '1e-3', claims: [claim('b', -0.3, -0.1), claim('a', 0.2, 0.4)] }, // a holds, b fails
    { choice: 'eps', option: 'e^-100', claims: [claim('a', -0.1, 0.2), claim('b', -0.1, 0.1)] }, // a inconclusive, b same
    { choice: 'resolution', option: 'input', claims: [claim('a', 0.1, 0.2), claim('b', -0.1, 0.2)] }, // nothing changes
  ];
  const rows = sensitivityRows(defaults, alternatives, { eps: '1e-7', resolution: 'layer' });

  it('lists each choice with its default option first, claims in the default order', () => {
    expect(rows.map((r) => `${r.choice}|${r.option}|${r.claim}`)).toEqual([
      'eps|1e-7|a', 'eps|1e-7|b', 'eps|1e-3|a', 'eps|1e-3|b', 'eps|e^-100|a', 'eps|e^-100|b',
      'resolution|layer|a', 'resolution|layer|b', 'resolution|input|a', 'resolution|input|b',
    ]);
    expect(rows.filter((r) => r.is_default)).toHaveLength(4);
  });

  it('compares each verdict with the default one', () => {
    const changed = rows.filter((r) => r.verdict_changed_vs_default).map((r) => `${r.option}|${r.claim}|${r.default_verdict}→${r.verdict}`);
    expect(changed).toEqual(['1e-3|b|inconclusive→fails', 'e^-100|a|holds→inconclusive']);
    const r = rows.find((x) => x.option === '1e-3' && x.claim === 'b');
    expect(r).toMatchObject({ value: -0.2, interval_low: -0.3, interval_high: -0.1, n: 10 });
    expect(verdictChanges(rows)).toEqual({
      eps: { changed: true, claims: ['b (1e-3: inconclusive → fails)', 'a (e^-100: holds → inconclusive)'] },
      resolution: { changed: false, claims: [] },
    });
  });

  it('refuses alternatives that judge other claims, name an unknown choice, or repeat the default', () => {
    expect(() => sensitivityRows(defaults, [{ choice: 'eps', option: 'x', claims: [claim('a', 0, 1)] }], { eps: '1e-7' })).toThrow('judges claims [a], expected');
    expect(() => sensitivityRows(defaults, [{ choice: 'gamma', option: 'x', claims: defaults }], { eps: '1e-7' })).toThrow("unknown choice 'gamma'");
    expect(() => sensitivityRows(defaults, [{ choice: 'eps', option: '1e-7', claims: defaults }], { eps: '1e-7' })).toThrow('is the default');
  });
});
