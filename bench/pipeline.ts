/**
 * Pipeline benchmark → bench/results/pipeline.json: runs the DVC stages one at a time
 * (`dvc repro --single-item <stage>`) in dvc.yaml order and records the wall time of each stage
 * that ran. A stage that DVC found up to date keeps the time last measured for it (with its
 * date), so the file always holds one measured time per stage.
 * Usage: npx tsx bench/pipeline.ts [--force] [--workspace] [--profile default] [--out FILE]
 *   --force       rerun every stage
 *   --out         where to write (default bench/results/pipeline.json, the README's reference
 *                 machine; another machine's run goes to bench/results/pipeline-<cpu>.json, which
 *                 the README's table shows beside it)
 *   --workspace   run in a disposable copy of the project (reports there are thrown away)
 *                 instead of this checkout (whose reports/ and dvc.lock it then refreshes)
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import { readJson, writeJsonAtomic } from '../lib/io/atomic';
import { makeWorkspace, setProfile, stageNames } from '../scripts/workspace';

function main(): void {
  const args = process.argv.slice(2);
  const profile = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : 'default';
  const root = process.cwd();
  const dir = args.includes('--workspace') ? makeWorkspace(root) : root;
  if (dir !== root || profile !== 'default') setProfile(dir, profile);
  type Entry = { stage: string; seconds: number; measured: string; source?: string };
  const outArg = args.includes('--out') ? args[args.indexOf('--out') + 1] : 'bench/results/pipeline.json';
  if (!outArg || outArg.startsWith('--')) throw new Error('bench/pipeline.ts: --out needs a file (e.g. bench/results/pipeline-<cpu>.json)');
  const out = path.resolve(root, outArg);
  const previous = fs.existsSync(out) ? readJson<{ profile: string; stages: Entry[] }>(out) : null;
  const last = new Map((previous?.profile === profile ? previous.stages : []).map((e) => [e.stage, e]));
  const stages: Entry[] = [];
  for (const stage of stageNames(dir)) {
    const t = performance.now();
    console.error(`bench: dvc repro ${stage} ...`);
    const r = spawnSync(path.join(root, '.venv/bin/dvc'), ['repro', '--single-item', ...(args.includes('--force') ? ['--force'] : []), stage], { cwd: dir, encoding: 'utf8' });
    process.stderr.write(r.stdout + r.stderr);
    if (r.status !== 0) throw new Error(`stage ${stage} failed (exit ${r.status})`);
    const ran = /Running stage/.test(r.stdout);
    const kept = last.get(stage);
    const own = ran ? null : stageOwnSeconds(dir, stage);
    if (ran || (!kept && !own)) stages.push({ stage, seconds: Math.round((performance.now() - t) / 100) / 10, measured: new Date().toISOString() });
    else if (own && (!kept || own.measured > kept.measured)) stages.push({ stage, ...own, source: `reports/metrics/${stage}.json (the stage's own timing; DVC found it up to date here)` } as Entry);
    else stages.push(kept as Entry);
  }
  const total = Math.round(stages.reduce((a, e) => a + e.seconds, 0) * 10) / 10;
  writeJsonAtomic(out, {
    profile, machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length },
    stages, total_seconds: total, total_minutes: Math.round(total / 6) / 10,
  });
  console.error(`bench: pipeline (${profile}): ${total} s in all; wrote ${path.relative(root, out)}`);
}

/**
 * The wall time a training stage recorded itself (`seconds` in reports/metrics/<stage>.json) and
 * when, for stages this run found up to date: a fresher measurement than the last bench's.
 */
function stageOwnSeconds(dir: string, stage: string): { seconds: number; measured: string } | null {
  const f = path.join(dir, 'reports/metrics', `${stage}.json`);
  if (!fs.existsSync(f)) return null;
  const m = readJson<{ seconds?: unknown }>(f);
  return typeof m.seconds === 'number' ? { seconds: m.seconds, measured: fs.statSync(f).mtime.toISOString() } : null;
}

try {
  main();
} catch (e) {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
}
