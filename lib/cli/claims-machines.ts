/**
 * The `claims-machines` command: do two machines judge the paper's claims alike? Compares this
 * workspace's run (reports/metrics) with another machine's run of the same code, params and seed
 * (its reports/metrics folder, copied here), claim by claim, and sets both against the claims
 * run's verdict over seeds (reports/claims/seeds.json). Float differences in the native kernels
 * change training, so the two runs are two trainings; a verdict is robust only when the other
 * machine's run does not contradict it. Writes reports/claims/machines.json, which
 * `npm run readme` turns into the README's machines table.
 *
 * Usage: npm run claims-machines -- --other <dir> [--metrics reports/metrics]
 *          [--seeds reports/claims/seeds.json] [--out reports/claims/machines.json]
 *   --other  the other machine's reports/metrics (after `npm run repro` there on the same commit)
 */
import * as fs from 'fs';
import * as path from 'path';
import { accuracyOf, collectClaims, type RunAccuracy } from '../figures/claims-table';
import { readJson, writeJsonAtomic } from '../io/atomic';
import { compareMachineRuns } from '../metrics/seed-claims';
import type { Verdict } from '../metrics/uncertainty';
import { parseArgs, runMain } from './common';

const USAGE = 'usage: npm run claims-machines -- --other <dir> [--metrics reports/metrics] [--seeds reports/claims/seeds.json] [--out reports/claims/machines.json]';

/** What a run's train.json says about the run: its settings (seed included) and its CPU. */
interface TrainJson { resolved?: Record<string, unknown>; cpu?: string }

function runOf(dir: string): { cpu: string; seed: number; resolved: Record<string, unknown>; accuracy: RunAccuracy } {
  const file = path.join(dir, 'train.json');
  if (!fs.existsSync(file)) throw new Error(`${file}: not found (the train-report stage writes it; is ${dir} a run's reports/metrics?)`);
  const text = fs.readFileSync(file, 'utf8');
  const t = JSON.parse(text) as TrainJson;
  if (!t.resolved || typeof t.resolved.seed !== 'number') throw new Error(`${file}: no 'resolved.seed' (written by an older spikelens; rerun train-report)`);
  return { cpu: t.cpu ?? 'unknown', seed: t.resolved.seed, resolved: t.resolved, accuracy: accuracyOf(t.resolved.seed, text, file) };
}

runMain('claims-machines', async () => {
  const args = parseArgs(process.argv.slice(2), { other: '', metrics: 'reports/metrics', seeds: 'reports/claims/seeds.json', out: 'reports/claims/machines.json' }, USAGE);
  if (!args) return void console.log(USAGE);
  if (!args.other) throw new Error(`--other is required: the other machine's reports/metrics folder\n${USAGE}`);
  const here = runOf(args.metrics), other = runOf(args.other);
  const mismatch = Object.keys({ ...here.resolved, ...other.resolved }).filter((k) => JSON.stringify(here.resolved[k]) !== JSON.stringify(other.resolved[k]));
  if (mismatch.length) throw new Error(`${args.other}: not the same run as ${args.metrics} on another machine (they differ in ${mismatch.map((k) => `${k}: ${JSON.stringify(here.resolved[k])} vs ${JSON.stringify(other.resolved[k])}`).join('; ')})`);
  const seedsReport = fs.existsSync(args.seeds) ? readJson<{ seeds: number[]; claims: Array<{ figure: string; id: string; verdict: Verdict }> }>(args.seeds) : null;
  if (seedsReport && !seedsReport.seeds.includes(here.seed)) throw new Error(`${args.seeds}: seeds ${seedsReport.seeds.join(', ')} do not include this run's seed ${here.seed}`);
  const combined = new Map((seedsReport?.claims ?? []).map((c) => [`${c.figure}/${c.id}`, c.verdict] as const));
  const claims = compareMachineRuns(collectClaims(args.metrics).claims, collectClaims(args.other).claims, combined);
  const summary = {
    claims: claims.length,
    same_verdict: claims.filter((c) => c.same_verdict).length,
    opposite: claims.filter((c) => c.opposite).length,
    contradicts_combined: claims.filter((c) => c.contradicts_combined).length,
  };
  writeJsonAtomic(args.out, {
    runs: [
      { cpu: here.cpu, seed: here.seed, source: args.metrics, accuracy: here.accuracy },
      { cpu: other.cpu, seed: other.seed, source: 'another machine\'s reports/metrics (same code, params and seed)', accuracy: other.accuracy },
    ],
    rule: 'opposite = one run holds and the other fails; contradicts_combined = the second run fails a claim the claims run holds over seeds, or holds one it fails',
    summary,
    claims,
  });
  console.error(`claims-machines: ${here.cpu} vs ${other.cpu}, seed ${here.seed}: ${summary.same_verdict} of ${summary.claims} claims alike, ${summary.opposite} opposite, ${summary.contradicts_combined} against the verdict over seeds → ${args.out}`);
});
