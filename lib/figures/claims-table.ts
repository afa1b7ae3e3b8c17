/**
 * The README's claims table, generated from the figures' metrics: every `reports/metrics/*.json`
 * whose `claims` is a list of `Claim`s (lib/metrics/uncertainty.ts) contributes one row per claim,
 * files in name order and claims in their order. The table replaces what lies between the markers
 * `<!-- claims:start -->` and `<!-- claims:end -->`, so the README quotes the run's numbers instead
 * of numbers copied by hand (`npm run claims` writes it, `npm run claims -- --check` compares).
 *
 * Usage: `replaceClaimsSection(readmeText, claimsTable(collectClaims('reports/metrics'), 'README.md'), 'README.md')`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJson } from '../io/atomic';
import type { Claim, Verdict } from '../metrics/uncertainty';

export const CLAIMS_START = '<!-- claims:start -->';
export const CLAIMS_END = '<!-- claims:end -->';

/** Paper figure of each figure notebook (for the table's first column); unknown names show alone. */
const PAPER_FIGURE: Record<string, string> = {
  '01-variance': 'Fig. 2',
  '02-gamma-ablation': 'Fig. 5a',
  '03-spike-activity': 'Fig. 5b',
  '04-localization': 'Fig. 4, 5c',
  '05-fgsm': 'Fig. 6a/b',
  '06-multi-object': 'Fig. 6c',
};

/** One claim with the metrics file it came from. */
export interface SourcedClaim {
  /** Figure name = the metrics file's name without `.json`, e.g. `01-variance`. */
  figure: string;
  /** Path of the metrics file. */
  file: string;
  claim: Claim;
}

/** What `collectClaims` found: the claims, and files whose `claims` is not a list (left out). */
export interface CollectedClaims {
  claims: SourcedClaim[];
  /** Files with a `claims` key that is not an array (e.g. an older map of booleans). */
  skipped: string[];
}

/** A run's accuracies (0..1), from its reports/metrics/train.json. */
export interface RunAccuracy { seed: number; ann: number; surrogate: number; converted: number }

/** Parses a run's train.json (`text`, read from `where`) into its accuracies; a missing one is an error naming `where`. */
export function accuracyOf(seed: number, text: string, where: string): RunAccuracy {
  const t = JSON.parse(text) as { ann?: { val_accuracy?: number }; snn_surrogate?: { val_accuracy?: number }; snn_converted?: { val_accuracy?: number } };
  const get = (v: number | undefined, key: string) => {
    if (typeof v !== 'number') throw new Error(`${where}: no ${key}.val_accuracy`);
    return v;
  };
  return { seed, ann: get(t.ann?.val_accuracy, 'ann'), surrogate: get(t.snn_surrogate?.val_accuracy, 'snn_surrogate'), converted: get(t.snn_converted?.val_accuracy, 'snn_converted') };
}

const VERDICTS: readonly Verdict[] = ['holds', 'fails', 'inconclusive'];

/**
 * Reads every `*.json` directly in `metricsDir` (name order) and collects the `claims` arrays.
 * Files without `claims` are ignored, a non-array `claims` is listed in `skipped`; a malformed
 * claim is an error naming the file and the index.
 */
export function collectClaims(metricsDir: string): CollectedClaims {
  let names: string[];
  try {
    names = fs.readdirSync(metricsDir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    throw new Error(`${metricsDir}: no such folder (the figure stages write their metrics there; run dvc repro first)`);
  }
  const out: CollectedClaims = { claims: [], skipped: [] };
  for (const name of names) {
    const file = path.join(metricsDir, name);
    const metrics = readJson<unknown>(file);
    if (metrics === null || typeof metrics !== 'object' || !('claims' in metrics)) continue;
    const list = (metrics as { claims: unknown }).claims;
    if (!Array.isArray(list)) {
      out.skipped.push(file);
      continue;
    }
    list.forEach((c, i) => out.claims.push({ figure: name.replace(/\.json$/, ''), file, claim: checkClaim(c, `${file}: claims[${i}]`) }));
  }
  return out;
}

/** Validates one claim read from JSON; errors name `where` and the field. */
function checkClaim(c: unknown, where: string): Claim {
  if (c === null || typeof c !== 'object') throw new Error(`${where}: expected a claim object, got ${JSON.stringify(c)}`);
  const o = c as Record<string, unknown>;
  for (const key of ['id', 'statement', 'metric'] as const) {
    if (typeof o[key] !== 'string') throw new Error(`${where}: '${key}' must be a string`);
  }
  for (const key of ['value', 'level', 'n'] as const) {
    if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) throw new Error(`${where} (${String(o.id)}): '${key}' must be a finite number`);
  }
  const iv = o.interval;
  if (!Array.isArray(iv) || iv.length !== 2 || !iv.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new Error(`${where} (${String(o.id)}): 'interval' must be [low, high], two finite numbers`);
  }
  if (!Array.isArray(o.seeds) || !o.seeds.every((s) => typeof s === 'number')) throw new Error(`${where} (${String(o.id)}): 'seeds' must be a list of numbers`);
  if (!VERDICTS.includes(o.verdict as Verdict)) throw new Error(`${where} (${String(o.id)}): 'verdict' must be one of ${VERDICTS.join(', ')}, got ${JSON.stringify(o.verdict)}`);
  return o as unknown as Claim;
}

/** A number with 3 significant digits, without trailing zeros or a negative zero (0.000368, 12.3, -0.5). */
export function formatNumber(v: number): string {
  const r = Number(v.toPrecision(3));
  return Object.is(r, -0) ? '0' : String(r);
}

/** Text safe inside a markdown table cell: `|` escaped, line breaks as spaces. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/**
 * The markdown table (with a generated-by note above it): figure (linked to its metrics file,
 * relative to `readmePath`), claim, value, 95 % interval, n, seeds, verdict, metric.
 */
export function claimsTable(claims: readonly SourcedClaim[], readmePath: string): string {
  const note = '<!-- generated by `npm run claims` from reports/metrics/*.json; edits here are overwritten -->';
  if (claims.length === 0) return `${note}\n_No claims in the metrics files yet: run the figure stages (\`dvc repro\`)._`;
  const base = path.dirname(path.resolve(readmePath));
  const lines = [
    note,
    '| figure | claim | value | 95 % interval | n | seeds | verdict | metric |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const { figure, file, claim: c } of claims) {
    const link = path.relative(base, path.resolve(file)).split(path.sep).join('/');
    const paper = PAPER_FIGURE[figure];
    const level = c.level === 0.95 ? '' : ` (${formatNumber(100 * c.level)} %)`;
    lines.push(`| ${paper ? `${paper} ` : ''}[${figure}](${link}) | ${cell(c.statement)} | ${formatNumber(c.value)} | [${formatNumber(c.interval[0])}, ${formatNumber(c.interval[1])}]${level} | ${c.n} | ${c.seeds.join(', ')} | ${c.verdict === 'holds' ? 'holds' : `**${c.verdict}**`} | ${cell(c.metric)} |`);
  }
  return lines.join('\n');
}

/**
 * `readme` with the text between the claims markers replaced by `table` (markers kept, one blank
 * line inside each). Errors name `file` when a marker is missing, repeated or out of order.
 */
export function replaceClaimsSection(readme: string, table: string, file: string): string {
  const count = (m: string) => readme.split(m).length - 1;
  for (const m of [CLAIMS_START, CLAIMS_END]) {
    const k = count(m);
    if (k === 0) throw new Error(`${file}: no '${m}' marker (put '${CLAIMS_START}' and '${CLAIMS_END}' on their own lines where the claims table goes)`);
    if (k > 1) throw new Error(`${file}: '${m}' appears ${k} times; keep exactly one pair of claims markers`);
  }
  const start = readme.indexOf(CLAIMS_START);
  const end = readme.indexOf(CLAIMS_END);
  if (end < start) throw new Error(`${file}: '${CLAIMS_END}' comes before '${CLAIMS_START}'`);
  return `${readme.slice(0, start + CLAIMS_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}
