/**
 * A disposable copy of the project for end-to-end runs (the pipeline test and bench): the
 * tracked and untracked-but-not-ignored files of this checkout, its node_modules and .venv
 * linked in, in a fresh git repository so DVC works as in a clone.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';

/** Copies the project at `root` into a new temporary folder and returns its path. */
export function makeWorkspace(root: string, prefix = 'spikelens-ws-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0').filter((f) => f && fs.existsSync(path.join(root, f)));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(dir, f));
  }
  for (const link of ['node_modules', '.venv']) fs.symlinkSync(path.join(root, link), path.join(dir, link));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=spikelens', '-c', 'user.email=spikelens@localhost', 'commit', '-qm', 'workspace');
  return dir;
}

/** Selects `profile` in the workspace's params.yaml (the same edit `dvc exp run -S profile=...` makes). */
export function setProfile(dir: string, profile: string): void {
  const f = path.join(dir, 'params.yaml');
  const text = fs.readFileSync(f, 'utf8');
  if (!/^profile: \S+/m.test(text)) throw new Error(`${f}: no top-level 'profile:' line to edit`);
  fs.writeFileSync(f, text.replace(/^profile: \S+/m, `profile: ${profile}`));
}

/**
 * Stage names of dvc.yaml, in file order (which is a valid execution order); a `foreach` stage
 * over a list gives one name per item, `<stage>@<item>`, as DVC names them.
 */
export function stageNames(dir: string): string[] {
  const stages = (YAML.parse(fs.readFileSync(path.join(dir, 'dvc.yaml'), 'utf8')) as { stages: Record<string, { foreach?: unknown }> }).stages;
  return Object.entries(stages).flatMap(([name, s]) => {
    if (s.foreach === undefined) return [name];
    if (!Array.isArray(s.foreach)) throw new Error(`dvc.yaml: stage ${name}: foreach must be a list here`);
    return s.foreach.map((item) => `${name}@${String(item)}`);
  });
}
