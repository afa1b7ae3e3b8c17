/**
 * The whole DVC pipeline on the smoke profile, in a disposable copy of the project: every stage
 * and every figure notebook runs headless; every metrics file holds only finite numbers, every
 * PNG decodes, every plot CSV has a header and rows; a second `dvc repro` has nothing to do.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { makeWorkspace, setProfile, stageNames } from '../scripts/workspace';

const root = process.cwd();
const dvc = (dir: string, ...args: string[]) => spawnSync(path.join(root, '.venv/bin/dvc'), args, { cwd: dir, encoding: 'utf8' });

function numbersIn(v: unknown, at: string, out: Array<[string, unknown]>): void {
  if (typeof v === 'number') out.push([at, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => numbersIn(x, `${at}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) numbersIn(x, `${at}.${k}`, out);
}

describe('pipeline (smoke profile)', () => {
  const dir = makeWorkspace(root, 'spikelens-pipeline-');
  setProfile(dir, 'smoke');

  it('dvc repro runs every stage and notebook', () => {
    const r = dvc(dir, 'repro');
    if (r.status !== 0) console.error(r.stdout.slice(-4000), r.stderr.slice(-4000));
    expect(r.status).toBe(0);
    for (const stage of stageNames(dir)) expect(`${r.stdout}`).toContain(`Running stage '${stage}`);
  });

  it('metrics are finite numbers, PNGs decode, plot CSVs have data', () => {
    const metrics = fs.readdirSync(path.join(dir, 'reports/metrics')).filter((f) => f.endsWith('.json'));
    expect(metrics).toContain('train.json');
    for (const f of metrics) {
      const nums: Array<[string, unknown]> = [];
      numbersIn(JSON.parse(fs.readFileSync(path.join(dir, 'reports/metrics', f), 'utf8')), f, nums);
      expect(nums.length, `${f} has numbers`).toBeGreaterThan(0);
      for (const [at, v] of nums) expect(Number.isFinite(v), at).toBe(true);
    }
    const pngs = (fs.readdirSync(path.join(dir, 'reports/figures'), { recursive: true }) as string[]).filter((f) => f.endsWith('.png'));
    expect(pngs.length).toBeGreaterThanOrEqual(7);
    for (const f of pngs) {
      const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'reports/figures', f)));
      expect(png.width * png.height, f).toBeGreaterThan(100);
    }
    const csvs = fs.existsSync(path.join(dir, 'reports/plots')) ? fs.readdirSync(path.join(dir, 'reports/plots')) : [];
    for (const f of csvs) expect(fs.readFileSync(path.join(dir, 'reports/plots', f), 'utf8').trim().split('\n').length, f).toBeGreaterThan(1);
    const train = JSON.parse(fs.readFileSync(path.join(dir, 'reports/metrics/train.json'), 'utf8'));
    expect(train.profile).toBe('smoke');
  });

  it('a second dvc repro has nothing to do; dvc metrics show reads the metrics', () => {
    const r = dvc(dir, 'repro');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/Running stage/);
    const m = dvc(dir, 'metrics', 'show');
    expect(m.status).toBe(0);
    expect(m.stdout).toContain('reports/metrics/train.json');
  });

  it('a second clone pulls every output from a local-folder remote and has nothing to rerun', () => {
    const git = (cwd: string, ...args: string[]) => spawnSync('git', ['-c', 'user.name=spikelens', '-c', 'user.email=spikelens@localhost', ...args], { cwd, encoding: 'utf8' });
    const remote = fs.mkdtempSync(path.join(os.tmpdir(), 'spikelens-remote-'));
    expect(dvc(dir, 'remote', 'add', '-d', 'team', remote).status).toBe(0);
    git(dir, 'add', '-A');
    expect(git(dir, 'commit', '-qm', 'smoke run and remote').status).toBe(0);
    const push = dvc(dir, 'push');
    expect(push.status, push.stderr).toBe(0);
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'spikelens-clone-'));
    expect(git(os.tmpdir(), 'clone', '-q', dir, clone).status).toBe(0);
    for (const link of ['node_modules', '.venv']) if (!fs.existsSync(path.join(clone, link))) fs.symlinkSync(path.join(root, link), path.join(clone, link));
    expect(fs.existsSync(path.join(clone, 'data/checkpoints/snn.ckpt'))).toBe(false);
    const pull = dvc(clone, 'pull');
    expect(pull.status, pull.stderr).toBe(0);
    expect(fs.existsSync(path.join(clone, 'data/checkpoints/snn.ckpt'))).toBe(true);
    const again = dvc(clone, 'repro');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/Running stage/);
  });

  it('the claims run queues two seeds, runs them with two queue workers in temporary workspaces and combines three seeds', () => {
    const r = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'lib/cli/claims-run.ts'), '--seeds', '1,2', '--jobs', '2'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${path.join(root, '.venv/bin')}${path.delimiter}${process.env.PATH ?? ''}` },
    });
    if (r.status !== 0) console.error(r.stderr.slice(-4000));
    expect(r.status).toBe(0);
    const seeds = JSON.parse(fs.readFileSync(path.join(dir, 'reports/claims/seeds.json'), 'utf8')) as { seeds: number[]; claims: Array<{ seeds: number[]; verdict: string; per_seed: Array<{ verdict: string }> }> };
    expect(seeds.seeds).toEqual([42, 1, 2]);
    expect(seeds.claims.length).toBeGreaterThan(10);
    for (const c of seeds.claims) {
      expect(c.per_seed).toHaveLength(3);
      const all = (v: string) => c.per_seed.every((p) => p.verdict === v);
      expect(c.verdict).toBe(all('holds') ? 'holds' : all('fails') ? 'fails' : 'inconclusive');
    }
    // Collecting again reuses the finished experiments instead of queueing them anew.
    const again = spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'lib/cli/claims-run.ts'), '--seeds', '1,2', '--collect'], { cwd: dir, encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
  }, 900_000);

  it('a bad value in params.yaml stops the first stage with one line naming the key', () => {
    const f = path.join(dir, 'params.yaml');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/^ {2}leak: .*$/m, '  leak: 1.5'));
    const r = dvc(dir, 'repro');
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain('error: params.yaml: snn.leak: expected a number ≥ 0 and ≤ 1, got number 1.5');
  });
});
