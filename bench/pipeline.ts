/**
 * Pipeline benchmark → bench/results/pipeline.json: runs the DVC stages one at a time
 * (`dvc repro --single-item --force <stage>`) in dvc.yaml order and records each one's wall time.
 * Usage: npx tsx bench/pipeline.ts [--workspace] [--profile default]
 *   --workspace   run in a disposable copy of the project (reports there are thrown away)
 *                 instead of this checkout (whose reports/ and dvc.lock it then refreshes)
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { writeJsonAtomic } from '../lib/io/atomic';
import { makeWorkspace, setProfile, stageNames } from '../scripts/workspace';

function main(): void {
  const args = process.argv.slice(2);
  const profile = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : 'default';
  const root = process.cwd();
  const dir = args.includes('--workspace') ? makeWorkspace(root) : root;
  if (dir !== root || profile !== 'default') setProfile(dir, profile);
  const stages: Array<{ stage: string; seconds: number }> = [];
  const t0 = performance.now();
  for (const stage of stageNames(dir)) {
    const t = performance.now();
    console.error(`bench: dvc repro ${stage} ...`);
    const r = spawnSync(path.join(root, '.venv/bin/dvc'), ['repro', '--single-item', '--force', stage], { cwd: dir, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`stage ${stage} failed (exit ${r.status})`);
    stages.push({ stage, seconds: Math.round((performance.now() - t) / 100) / 10 });
  }
  const total = Math.round((performance.now() - t0) / 100) / 10;
  writeJsonAtomic(path.join(root, 'bench/results/pipeline.json'), {
    date: new Date().toISOString(), profile, machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length },
    stages, total_seconds: total, total_minutes: Math.round(total / 6) / 10,
  });
  console.error(`bench: pipeline (${profile}) took ${total} s; wrote bench/results/pipeline.json`);
}

try {
  main();
} catch (e) {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
}
