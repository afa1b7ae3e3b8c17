/**
 * Verdicts with uncertainty: a paper claim ("SAM variance > Grad-CAM variance") is judged by a
 * seeded percentile bootstrap over images, not by comparing two means. A claim holds only where
 * its 95 % interval excludes the opposite, fails where it excludes the claim, and is otherwise
 * inconclusive, so a difference smaller than the image-to-image spread is not reported as a
 * reproduction (or a refutation).
 *
 * Percentile bootstrap (Efron & Tibshirani 1993, ch. 13): draw B resamples of the n values with
 * replacement, compute the statistic θ*_b of each, and report [q_{(1−level)/2}, q_{(1+level)/2}]
 * of the θ*_b (quantiles by linear interpolation between order statistics). Every bootstrap takes
 * exactly one draw from the caller's `Rng` to seed its own stream, so the same seed gives the
 * same interval and two bootstraps from one stream use different resamples.
 *
 * Usage: `const ci = pairedBootstrap(sam, gradcam, { rng })` (mean of sam_i − gradcam_i), then
 * `makeClaim({ id, statement, metric, seeds: [params.seed] }, ci)`.
 */
import { Rng } from '../random';

/** A point estimate with its bootstrap interval. */
export interface Interval {
  /** The statistic on the original sample, θ(x). */
  value: number;
  /** Lower and upper percentile bounds of the bootstrap distribution of θ. */
  low: number;
  high: number;
  /** Sample size (images, or pairs of values for a paired bootstrap). */
  n: number;
  /** Coverage level of [low, high], e.g. 0.95. */
  level: number;
}

/** Options shared by the bootstraps; `rng` is required so every interval is reproducible. */
export interface BootstrapOptions {
  /** Resamples B (default 2000). */
  resamples?: number;
  /** Coverage level in (0, 1) (default 0.95). */
  level?: number;
  /** Source of the one draw that seeds the resampling. */
  rng: Rng;
}

/** Statistic of one sample, e.g. the mean. */
export type Statistic = (xs: readonly number[]) => number;

/** Arithmetic mean `(1/n) Σ x_i`. */
export const meanOf: Statistic = (xs) => xs.reduce((a, v) => a + v, 0) / xs.length;

/**
 * Percentile bootstrap interval of `statistic` (default: the mean) over `values`, one value per
 * image: θ = statistic(values), [low, high] = the (1 ± level)/2 quantiles of statistic over B
 * resamples of size n drawn with replacement.
 */
export function bootstrapInterval(values: readonly number[], opts: BootstrapOptions & { statistic?: Statistic }): Interval {
  const statistic = opts.statistic ?? meanOf;
  checkValues(values, 'bootstrapInterval');
  const sample = new Array<number>(values.length);
  return resample(values.length, opts, 'bootstrapInterval', statistic(values), (idx) => {
    for (let i = 0; i < idx.length; i++) sample[i] = values[idx[i]];
    return statistic(sample);
  });
}

/** What a paired bootstrap estimates: `difference` = mean(a_i − b_i), `ratio` = mean(a) / mean(b). */
export type PairedStatistic = 'difference' | 'ratio';

/**
 * Paired percentile bootstrap for claims "A > B" measured on the same images: pairs (a_i, b_i)
 * are resampled together, so the image-to-image spread that a and b share cancels. `difference`
 * (default): θ = mean(a_i − b_i), compared with 0. `ratio`: θ = mean(a) / mean(b) over the same
 * resampled images, compared with 1; for positive quantities (variances, errors), where a
 * resample with mean(b) = 0 cannot occur (one that does gives ±Infinity; 0/0 is refused).
 */
export function pairedBootstrap(a: readonly number[], b: readonly number[], opts: BootstrapOptions & { statistic?: PairedStatistic }): Interval {
  const kind = opts.statistic ?? 'difference';
  const what = `pairedBootstrap (${kind})`;
  checkValues(a, what);
  checkValues(b, what);
  if (a.length !== b.length) throw new RangeError(`${what}: ${a.length} values of A but ${b.length} of B; a paired bootstrap needs one of each per image`);
  const stat = (idx: ArrayLike<number>): number => {
    let sa = 0, sb = 0;
    for (let i = 0; i < idx.length; i++) { sa += a[idx[i]]; sb += b[idx[i]]; }
    // mean(a − b) = mean(a) − mean(b): one pass serves both statistics.
    return kind === 'difference' ? (sa - sb) / idx.length : sa / sb;
  };
  const identity = Array.from(a, (_, i) => i);
  const value = stat(identity);
  if (!Number.isFinite(value)) throw new RangeError(`${what}: the ratio is undefined (mean of B is 0)`);
  return resample(a.length, opts, what, value, stat);
}

/** Outcome of a claim: see `verdict`. */
export type Verdict = 'holds' | 'fails' | 'inconclusive';

/** Which side of the threshold the claim puts the quantity on: "A > B" is `greater` (θ > 0). */
export type Direction = 'greater' | 'less';

/**
 * The verdict on "θ > threshold" (`greater`) or "θ < threshold" (`less`) from θ's interval:
 * `holds` when the whole interval lies on the claimed side (greater: low > threshold), `fails`
 * when none of it does (greater: high ≤ threshold; ≤ so that a sure tie, [0, 0], refutes "A > B"),
 * `inconclusive` otherwise. Threshold 0 for a difference, 1 for a ratio.
 */
export function verdict(interval: Pick<Interval, 'low' | 'high'>, direction: Direction, threshold = 0): Verdict {
  const { low, high } = interval;
  if (!(low <= high)) throw new RangeError(`verdict: interval [${low}, ${high}] is not an interval (low ≤ high, no NaN)`);
  if (direction === 'greater') return low > threshold ? 'holds' : high <= threshold ? 'fails' : 'inconclusive';
  return high < threshold ? 'holds' : low >= threshold ? 'fails' : 'inconclusive';
}

/** A paper claim as the metrics JSON records it. */
export interface Claim {
  /** Stable key, e.g. `sam_variance_gt_gradcam_surrogate`. */
  id: string;
  /** The claim in words, e.g. "SAM variance > SNN Grad-CAM variance (surrogate)". */
  statement: string;
  /** What was measured: the quantity θ whose interval decides (e.g. "mean over images of SAM − Grad-CAM variance"). */
  metric: string;
  /** θ on the full sample. */
  value: number;
  /** Bootstrap interval of θ at `level`. */
  interval: [number, number];
  level: number;
  /** Images (or pairs) θ was measured on. */
  n: number;
  /** Seeds (params `seed`) of the runs the values came from: one per independent training run. */
  seeds: number[];
  verdict: Verdict;
}

/** What a claim says beyond its interval; `direction` default `greater`, `threshold` default 0. */
export interface ClaimSpec {
  id: string;
  statement: string;
  metric: string;
  seeds: readonly number[];
  direction?: Direction;
  threshold?: number;
}

/** Builds a `Claim` from its description and the interval of its quantity (verdict by `verdict`). */
export function makeClaim(spec: ClaimSpec, interval: Interval): Claim {
  return {
    id: spec.id,
    statement: spec.statement,
    metric: spec.metric,
    value: interval.value,
    interval: [interval.low, interval.high],
    level: interval.level,
    n: interval.n,
    seeds: [...spec.seeds],
    verdict: verdict(interval, spec.direction ?? 'greater', spec.threshold ?? 0),
  };
}

/** q-quantile (0 ≤ q ≤ 1) of ascending `sorted` by linear interpolation between order statistics (R type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The resampling loop both bootstraps share: B index vectors of size n, `stat` of each, percentiles. */
function resample(n: number, opts: BootstrapOptions, what: string, value: number, stat: (idx: Uint32Array) => number): Interval {
  const B = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`${what}: resamples must be a positive integer, got ${B}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`${what}: level must lie strictly between 0 and 1 (e.g. 0.95), got ${level}`);
  // One draw from the caller's stream seeds ours (as `createEncoder` does): reproducible, and
  // two bootstraps taken from one stream do not reuse the same resamples.
  const rng = new Rng(opts.rng.nextUint32());
  const idx = new Uint32Array(n);
  const thetas = new Float64Array(B);
  for (let r = 0; r < B; r++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rng.next() * n);
    thetas[r] = stat(idx);
    if (Number.isNaN(thetas[r])) throw new RangeError(`${what}: the statistic of resample ${r} is NaN`);
  }
  thetas.sort();
  const low = quantileSorted(thetas, (1 - level) / 2);
  const high = quantileSorted(thetas, (1 + level) / 2);
  return { value, low, high, n, level };
}

function checkValues(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`${what}: no values (need one per image)`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${what}: value ${values[bad]} at index ${bad} is not a finite number`);
}
