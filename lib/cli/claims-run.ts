/**
 * The claims run: every paper claim judged over several training seeds. The workspace's own run
 * (`dvc repro`, params `seed`) is one seed; each extra seed is a DVC experiment
 * (`dvc exp run --queue -S seed=N -n claims-seed-N`) run by `dvc queue start -j <jobs>` in a
 * temporary workspace. When the queue is done, the claims of all runs are combined
 * (lib/metrics/seed-claims.ts: "holds" only when every seed holds) into reports/claims/seeds.json,
 * which `npm run readme` turns into the README's seeds table.
 *
 * Usage: npm run claims-run [-- --seeds 1,2 --jobs 1] [-- --collect]
 *   --seeds    extra seeds to run besides the workspace's (default 1,2: three seeds in all)
 *   --jobs     queue workers in parallel (default 1; each takes the full default pipeline's time)
 *   --collect  only combine the experiments that already finished; queue nothing
 * Experiments already finished on the same code (same name; lib/, notebooks/, dvc.yaml … unchanged)
 * are reused, not rerun, also after the results were committed.
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { accuracyOf, collectClaims, type RunAccuracy } from '../figures/claims-table';
import { writeJsonAtomic } from '../io/atomic';
import { combineSeedRuns, type SeedRun } from '../metrics/seed-claims';
import { parseArgs, runMain } from './common';

const USAGE = 'usage: npm run claims-run -- [--seeds 1,2] [--jobs 1] [--out reports/claims/seeds.json] [--collect]';
const PREFIX = 'claims-seed-';

const env = { ...process.env, PATH: `${path.resolve('.venv/bin')}${path.delimiter}${process.env.PATH ?? ''}` };

function dvc(args: string[], quiet = false): string {
  const r = spawnSync('dvc', args, { env, encoding: 'utf8', stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'inherit'] });
  if (r.error) throw new Error(`dvc ${args.join(' ')}: ${r.error.message} (run npm run setup first)`);
  if (r.status !== 0) throw new Error(`dvc ${args.join(' ')} failed (exit ${r.status})${quiet ? `: ${r.stderr.trim()}` : ''}`);
  return r.stdout;
}

function git(args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** What must be identical between a seed's experiment and the workspace for their claims to combine. */
const CODE_PATHS = ['lib', 'notebooks', 'scripts', 'dvc.yaml', 'package-lock.json', 'requirements.txt'];

function treeOf(commit: string, p: string): string {
  try {
    return git(['rev-parse', `${commit}:${p}`]).trim();
  } catch {
    return 'absent';
  }
}

/**
 * The newest experiment ref named `name` whose baseline commit has the same code as `head`
 * (CODE_PATHS), so results committed after the experiments ran do not orphan them; null if none.
 */
function experimentRef(head: string, name: string): string | null {
  const refs = git(['for-each-ref', '--sort=-committerdate', '--format=%(refname)', 'refs/exps/']).split('\n').filter((r) => r.endsWith(`/${name}`));
  const want = CODE_PATHS.map((p) => treeOf(head, p)).join(' ');
  for (const ref of refs) {
    const m = /^refs\/exps\/([0-9a-f]{2})\/([0-9a-f]{38})\//.exec(ref);
    if (m && CODE_PATHS.map((p) => treeOf(m[1] + m[2], p)).join(' ') === want) return ref;
  }
  return null;
}

/** params.yaml as an object without `seed` (runs must agree on everything else). */
function paramsSansSeed(text: string, where: string): string {
  const p = YAML.parse(text) as Record<string, unknown> | null;
  if (!p || typeof p !== 'object') throw new Error(`${where}: params.yaml is not a mapping`);
  delete p.seed;
  return JSON.stringify(p);
}

function seedOf(text: string, where: string): number {
  const seed = (YAML.parse(text) as { seed?: unknown }).seed;
  if (typeof seed !== 'number') throw new Error(`${where}: params.yaml has no numeric 'seed'`);
  return seed;
}

/** The claims of the experiment at `ref`, read from its committed reports/metrics/*.json. */
function claimsOfRef(ref: string, tmp: string): SeedRun['claims'] {
  const dir = path.join(tmp, ref.replace(/[^\w-]+/g, '_'));
  fs.mkdirSync(dir, { recursive: true });
  for (const file of git(['ls-tree', '-r', '--name-only', ref, 'reports/metrics/']).split('\n').filter((f) => f.endsWith('.json'))) {
    fs.writeFileSync(path.join(dir, path.basename(file)), git(['show', `${ref}:${file}`]));
  }
  return collectClaims(dir).claims.map(({ figure, claim }) => ({ figure, claim }));
}

/**
 * Starts `jobs` queue workers without waiting on `dvc queue start`: with two workers it stayed
 * attached to one that lingered idle after the queue was empty, and returned only when that was
 * stopped (a real claims run hung 50 minutes after its experiments finished). Progress is polled
 * (`waitForQueue`) and the workers are stopped once every experiment has finished.
 */
function startWorkers(jobs: number): void {
  const child = spawn('dvc', ['queue', 'start', '-j', String(jobs)], { env, detached: true, stdio: 'ignore' });
  child.on('error', (e) => console.error(`claims-run: dvc queue start: ${e.message}`));
  child.unref();
}

async function waitForQueue(names: readonly string[]): Promise<void> {
  const started = Date.now();
  for (;;) {
    const status = dvc(['queue', 'status'], true);
    const lines = status.split('\n').filter((l) => names.some((n) => l.includes(n)));
    const pending = lines.filter((l) => /\b(Queued|Running)\b/.test(l));
    const failed = lines.filter((l) => /\bFailed\b/.test(l));
    if (failed.length) throw new Error(`claims-run: experiments failed:\n${failed.join('\n')}\n(see dvc queue logs <name>)`);
    if (pending.length === 0) return;
    const minutes = ((Date.now() - started) / 60000).toFixed(0);
    console.error(`claims-run: ${pending.length} of ${names.length} experiments still queued or running (${minutes} min so far; dvc queue logs <name> shows one's output)`);
    await new Promise((r) => setTimeout(r, 60000));
  }
}

runMain('claims-run', async () => {
  const argv = process.argv.slice(2);
  const collectOnly = argv.includes('--collect');
  const args = parseArgs(argv.filter((a) => a !== '--collect'), { seeds: '1,2', jobs: '1', out: 'reports/claims/seeds.json' }, USAGE);
  if (!args) return void console.log(USAGE);
  const seeds = args.seeds.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n)) throw new Error(`--seeds: '${s}' is not an integer`);
    return n;
  });
  const jobs = Number(args.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs: expected a positive integer, got '${args.jobs}'`);

  const paramsText = fs.readFileSync('params.yaml', 'utf8');
  const baseSeed = seedOf(paramsText, 'params.yaml');
  const extra = seeds.filter((s) => s !== baseSeed);
  if (new Set(extra).size !== extra.length) throw new Error(`--seeds: a seed is listed twice (${args.seeds})`);
  // The workspace's run counts only when its results match the code and params (nothing stale).
  const status = dvc(['status', '--json'], true).trim();
  if (status !== '{}' && status !== '') {
    throw new Error(`the workspace's pipeline is not up to date (dvc status lists ${Object.keys(JSON.parse(status) as object).join(', ')}); run npm run repro first: its run is seed ${baseSeed} of the claims run`);
  }
  const head = git(['rev-parse', 'HEAD']).trim();
  const names = extra.map((s) => `${PREFIX}${s}`);
  if (!collectOnly) {
    if (git(['status', '--porcelain', '--untracked-files=no']).trim()) {
      console.error('claims-run: note: the working tree has uncommitted changes; the experiments run on them (DVC stashes them into each experiment)');
    }
    const todo = extra.filter((s) => !experimentRef(head, `${PREFIX}${s}`));
    for (const s of extra.filter((x) => !todo.includes(x))) console.error(`claims-run: seed ${s}: experiment ${PREFIX}${s} already finished on this code; reusing it`);
    for (const s of todo) {
      console.error(`claims-run: queueing seed ${s} (${PREFIX}${s})`);
      dvc(['exp', 'run', '--queue', '-S', `seed=${s}`, '-n', `${PREFIX}${s}`], true);
    }
    if (todo.length) {
      console.error(`claims-run: starting ${jobs} queue worker(s); each experiment runs the whole pipeline (see the README for its time on this CPU)`);
      startWorkers(jobs);
      try {
        await waitForQueue(todo.map((s) => `${PREFIX}${s}`));
      } finally {
        // Idle workers exit; a task still running (after another failed) finishes first.
        try {
          dvc(['queue', 'stop'], true);
        } catch (e) {
          console.error(`claims-run: note: ${(e as Error).message}`);
        }
      }
    }
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spikelens-claims-'));
  try {
    const runs: (SeedRun & { source: string })[] = [{ seed: baseSeed, source: 'workspace (dvc repro)', claims: collectClaims('reports/metrics').claims.map(({ figure, claim }) => ({ figure, claim })) }];
    const accuracies: RunAccuracy[] = [accuracyOf(baseSeed, fs.readFileSync('reports/metrics/train.json', 'utf8'), 'reports/metrics/train.json')];
    const want = paramsSansSeed(paramsText, 'params.yaml');
    for (const [i, name] of names.entries()) {
      const ref = experimentRef(head, name);
      if (!ref) throw new Error(`no finished experiment ${name} on the code of commit ${head.slice(0, 7)}; run npm run claims-run -- --seeds ${extra.join(',')} (without --collect)`);
      const text = git(['show', `${ref}:params.yaml`]);
      if (seedOf(text, ref) !== extra[i]) throw new Error(`${ref}: params.yaml has seed ${seedOf(text, ref)}, expected ${extra[i]}`);
      if (paramsSansSeed(text, ref) !== want) throw new Error(`${ref}: params.yaml differs from the workspace's in more than the seed; remove it (dvc exp remove ${name}) and rerun`);
      runs.push({ seed: extra[i], source: `${ref} (${git(['rev-parse', '--short', ref]).trim()})`, claims: claimsOfRef(ref, tmp) });
      accuracies.push(accuracyOf(extra[i], git(['show', `${ref}:reports/metrics/train.json`]), `${ref}:reports/metrics/train.json`));
    }
    const claims = combineSeedRuns(runs);
    const count = (v: string) => claims.filter((c) => c.verdict === v).length;
    writeJsonAtomic(args.out, {
      commit: head,
      seeds: runs.map((r) => r.seed),
      runs: runs.map(({ seed, source }) => ({ seed, source })),
      rule: 'holds only when every seed holds; fails only when every seed fails; otherwise inconclusive. interval = envelope of the seeds\' 95 % intervals, value = mean over seeds, n = fewest images any seed used',
      summary: { holds: count('holds'), fails: count('fails'), inconclusive: count('inconclusive') },
      accuracies,
      claims,
    });
    console.error(`claims-run: ${claims.length} claims over seeds ${runs.map((r) => r.seed).join(', ')}: ${count('holds')} hold, ${count('fails')} fail, ${count('inconclusive')} inconclusive → ${args.out} (npm run readme puts them in the README)`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
