/**
 * Claims across training seeds. Each seed's run judges every claim on its own images with a 95 %
 * bootstrap interval (lib/metrics/uncertainty.ts). Across seeds a claim "holds" only when it holds
 * in every seed, "fails" only when it fails in every seed, and is "inconclusive" otherwise: a
 * verdict that another seed (or another machine's float noise) could flip is not reported as one.
 * The combined interval is the envelope of the seeds' intervals, the value their mean. A claim a
 * seed could not measure (a figure leaves a claim out when no image qualifies for it) counts as
 * inconclusive in that seed.
 */
import type { Claim, Verdict } from './uncertainty';

/** One seed's verdict on a claim; `measured: false` (and n = 0) where that seed's run left the claim out. */
export interface SeedVerdict {
  seed: number;
  measured: boolean;
  value: number | null;
  interval: [number, number] | null;
  n: number;
  verdict: Verdict;
}

/**
 * A claim judged over several seeds: a `Claim` whose value is the seeds' mean, interval the
 * envelope of theirs, n the fewest images any seed used, and verdict the combined one.
 */
export interface SeedClaim extends Claim {
  /** Figure (metrics file name without .json) the claim comes from. */
  figure: string;
  per_seed: SeedVerdict[];
}

/** One run's claims: its seed and the claims of each figure. */
export interface SeedRun {
  seed: number;
  claims: readonly { figure: string; claim: Claim }[];
}

/** Combined verdict: all seeds agree, else inconclusive. */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.length === 0) throw new Error('combineVerdicts: no verdicts');
  if (verdicts.every((v) => v === 'holds')) return 'holds';
  if (verdicts.every((v) => v === 'fails')) return 'fails';
  return 'inconclusive';
}

/**
 * Combines the runs claim by claim (first appearance order over the runs). Every run needs a
 * distinct seed; a claim missing from a run is inconclusive there.
 */
export function combineSeedRuns(runs: readonly SeedRun[]): SeedClaim[] {
  if (runs.length === 0) throw new Error('combineSeedRuns: no runs');
  const seeds = runs.map((r) => r.seed);
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw new Error(`combineSeedRuns: seed ${dup} appears twice; each run needs its own seed`);
  const key = (c: { figure: string; claim: Claim }) => `${c.figure}/${c.claim.id}`;
  const first = new Map<string, { figure: string; claim: Claim }>();
  for (const r of runs) for (const c of r.claims) if (!first.has(key(c))) first.set(key(c), c);
  return [...first].map(([k, c0]) => {
    const per: SeedVerdict[] = runs.map((r) => {
      const found = r.claims.find((x) => key(x) === k);
      if (!found) return { seed: r.seed, measured: false, value: null, interval: null, n: 0, verdict: 'inconclusive' };
      const c = found.claim;
      if (c.level !== c0.claim.level) throw new Error(`combineSeedRuns: ${k} was judged at interval level ${c0.claim.level} in one run and ${c.level} in seed ${r.seed}`);
      return { seed: r.seed, measured: true, value: c.value, interval: [c.interval[0], c.interval[1]], n: c.n, verdict: c.verdict };
    });
    const measured = per.filter((p) => p.measured);
    return {
      figure: c0.figure, id: c0.claim.id, statement: c0.claim.statement, metric: c0.claim.metric,
      value: measured.reduce((a, p) => a + (p.value as number), 0) / measured.length,
      interval: [Math.min(...measured.map((p) => (p.interval as [number, number])[0])), Math.max(...measured.map((p) => (p.interval as [number, number])[1]))],
      level: c0.claim.level,
      n: Math.min(...per.map((p) => p.n)),
      seeds: per.map((p) => p.seed),
      verdict: combineVerdicts(per.map((p) => p.verdict)),
      per_seed: per,
    };
  });
}

/** Whether two verdicts contradict each other: one run says "holds", the other "fails". */
export function oppositeVerdicts(a: Verdict, b: Verdict): boolean {
  return (a === 'holds' && b === 'fails') || (a === 'fails' && b === 'holds');
}

/** One run's judgement of a claim, as a machine comparison quotes it; null where the run left the claim out. */
export type RunVerdict = { value: number; interval: [number, number]; n: number; verdict: Verdict } | null;

/**
 * A claim judged by two runs that differ only in the machine (same code, params and seed: float
 * differences in the native kernels change training), beside the claims run's combined verdict.
 */
export interface MachineClaim {
  figure: string;
  id: string;
  statement: string;
  /** Each run's judgement, in the order the runs were given. */
  runs: [RunVerdict, RunVerdict];
  /** Both runs gave the same verdict (a claim a run left out counts as inconclusive there). */
  same_verdict: boolean;
  /** The two runs' verdicts contradict each other (holds against fails). */
  opposite: boolean;
  /** The claims run's verdict over seeds, where it judged this claim. */
  combined: Verdict | null;
  /** The other machine's run contradicts the combined verdict (a combined "holds" it judges "fails", or the reverse). */
  contradicts_combined: boolean;
}

/**
 * Claim by claim (first appearance over both runs), the verdicts of two machines' runs of one
 * seed, and how the second run's verdict stands against `combined` (the claims run's, keyed
 * `<figure>/<id>`). A claim one run left out is null there and counts as inconclusive.
 */
export function compareMachineRuns(a: SeedRun['claims'], b: SeedRun['claims'], combined: ReadonlyMap<string, Verdict> = new Map()): MachineClaim[] {
  const key = (c: { figure: string; claim: Claim }) => `${c.figure}/${c.claim.id}`;
  const index = (list: SeedRun['claims']) => new Map(list.map((c) => [key(c), c] as const));
  const ia = index(a), ib = index(b);
  const keys = [...new Set([...ia.keys(), ...ib.keys()])];
  const judged = (c: { claim: Claim } | undefined): RunVerdict => (c ? { value: c.claim.value, interval: [c.claim.interval[0], c.claim.interval[1]], n: c.claim.n, verdict: c.claim.verdict } : null);
  return keys.map((k) => {
    const first = (ia.get(k) ?? ib.get(k)) as { figure: string; claim: Claim };
    const ra = judged(ia.get(k)), rb = judged(ib.get(k));
    const va = ra?.verdict ?? 'inconclusive', vb = rb?.verdict ?? 'inconclusive';
    const c = combined.get(k) ?? null;
    return {
      figure: first.figure, id: first.claim.id, statement: first.claim.statement,
      runs: [ra, rb], same_verdict: va === vb, opposite: oppositeVerdicts(va, vb), combined: c, contradicts_combined: c !== null && oppositeVerdicts(c, vb),
    };
  });
}
