/**
 * Sensitivity of verdicts to an analysis choice: the same claims judged once under the default
 * choices and again with one choice changed at a time (all others at their defaults). A table
 * row per (choice, option, claim) says whether the verdict differs from the default's, so a
 * reader sees at once which conclusions hang on a choice the paper leaves open.
 *
 * Usage: `sensitivityRows(defaultClaims, [{ choice: 'BCE ε', option: '1e-3', claims }], { 'BCE ε': '1e-7' })`.
 */
import type { Claim, Verdict } from './uncertainty';

/** Claims judged with one choice set to `option` (every other choice at its default). */
export interface Alternative {
  choice: string;
  option: string;
  claims: readonly Claim[];
}

/** One line of the sensitivity table; flat fields only, so rows go straight to a CSV. */
export interface SensitivityRow {
  choice: string;
  option: string;
  /** True on the row of the choice's default option (its verdicts are the reference). */
  is_default: boolean;
  claim: string;
  value: number;
  interval_low: number;
  interval_high: number;
  n: number;
  verdict: Verdict;
  default_verdict: Verdict;
  verdict_changed_vs_default: boolean;
}

/**
 * Rows for every choice named in `defaults` (choice → its default option): first the default
 * option's rows (the default claims), then each alternative of that choice, claim by claim in
 * the order of `defaultClaims`. Every alternative must judge exactly the default's claim ids.
 */
export function sensitivityRows(defaultClaims: readonly Claim[], alternatives: readonly Alternative[], defaults: Readonly<Record<string, string>>): SensitivityRow[] {
  const reference = new Map(defaultClaims.map((c) => [c.id, c]));
  if (reference.size !== defaultClaims.length) throw new Error('sensitivityRows: duplicate claim ids among the default claims');
  for (const a of alternatives) {
    if (!(a.choice in defaults)) throw new Error(`sensitivityRows: alternative for unknown choice '${a.choice}'; name its default in defaults`);
    if (a.option === defaults[a.choice]) throw new Error(`sensitivityRows: '${a.choice}' = '${a.option}' is the default, not an alternative`);
    const ids = a.claims.map((c) => c.id).sort().join(',');
    if (ids !== [...reference.keys()].sort().join(',')) throw new Error(`sensitivityRows: '${a.choice}' = '${a.option}' judges claims [${ids}], expected the default's [${[...reference.keys()].sort().join(',')}]`);
  }
  const row = (choice: string, option: string, isDefault: boolean, c: Claim): SensitivityRow => {
    const ref = reference.get(c.id) as Claim;
    return {
      choice, option, is_default: isDefault, claim: c.id, value: c.value, interval_low: c.interval[0], interval_high: c.interval[1], n: c.n,
      verdict: c.verdict, default_verdict: ref.verdict, verdict_changed_vs_default: c.verdict !== ref.verdict,
    };
  };
  const rows: SensitivityRow[] = [];
  for (const [choice, option] of Object.entries(defaults)) {
    rows.push(...defaultClaims.map((c) => row(choice, option, true, c)));
    for (const a of alternatives.filter((x) => x.choice === choice)) {
      const byId = new Map(a.claims.map((c) => [c.id, c]));
      rows.push(...defaultClaims.map((d) => row(choice, a.option, false, byId.get(d.id) as Claim)));
    }
  }
  return rows;
}

/** Per choice: whether any of its options changed any verdict, and which claims changed. */
export function verdictChanges(rows: readonly SensitivityRow[]): Record<string, { changed: boolean; claims: string[] }> {
  const out: Record<string, { changed: boolean; claims: string[] }> = {};
  for (const r of rows) {
    const entry = (out[r.choice] ??= { changed: false, claims: [] });
    if (r.verdict_changed_vs_default) {
      entry.changed = true;
      const tag = `${r.claim} (${r.option}: ${r.default_verdict} → ${r.verdict})`;
      if (!entry.claims.includes(tag)) entry.claims.push(tag);
    }
  }
  return out;
}
