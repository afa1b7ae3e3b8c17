/**
 * dvc.yaml's deps are complete: every TypeScript module a stage's command imports (transitively)
 * lies under one of the stage's deps, so editing it makes `dvc repro` rerun the stage. A missing
 * dep is how a pipeline goes stale silently (an edited Rng that does not retrain).
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

const ROOT = path.resolve(__dirname, '..');

/** Relative imports of a .ts file ('./x', '../y'), resolved to repository paths. */
function importsOf(file: string): string[] {
  const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  // import … from '…', export … from '…', import('…'); type-only imports count too (they change types, not code,
  // but a stage that lists a module's folder lists its types as well, so being strict costs nothing).
  for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)) {
    const base = path.normalize(path.join(path.dirname(file), m[1]));
    const candidates = [`${base}.ts`, path.join(base, 'index.ts'), base];
    const hit = candidates.find((c) => fs.existsSync(path.join(ROOT, c)) && fs.statSync(path.join(ROOT, c)).isFile());
    if (hit) out.push(hit);
  }
  return out;
}

/** Every module reachable from `entry` through relative imports. */
function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop() as string;
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...importsOf(f));
  }
  return seen;
}

/** The TypeScript entry points a stage's command runs: a lib/cli script, or lib/index.ts for a notebook. */
function entries(cmd: string): string[] {
  const ts = [...cmd.matchAll(/(lib\/[\w/.-]+\.ts)/g)].map((m) => m[1]);
  // Figure notebooks import the library's public surface (`./lib/index`); check what they import too.
  if (/run_notebook\.py\s+(\S+\.ipynb)/.test(cmd)) {
    const nb = (cmd.match(/run_notebook\.py\s+(\S+\.ipynb)/) as RegExpMatchArray)[1];
    const text = fs.readFileSync(path.join(ROOT, nb), 'utf8');
    for (const m of text.matchAll(/from \\?['"]\.\/(lib\/[\w/.-]+?)\\?['"]/g)) ts.push(m[1].endsWith('.ts') ? m[1] : `${m[1]}.ts`);
  }
  return ts;
}

type Stage = { cmd: string; deps?: string[] };
const raw = YAML.parse(fs.readFileSync(path.join(ROOT, 'dvc.yaml'), 'utf8')) as { stages: Record<string, Stage | { foreach: string[]; do: Stage }> };
/** dvc.yaml's stages with every `foreach` over a list expanded as DVC does (`name@item`, `${item}` substituted). */
const dvc = { stages: {} as Record<string, Stage> };
for (const [name, s] of Object.entries(raw.stages)) {
  if (!('foreach' in s)) {
    dvc.stages[name] = s;
    continue;
  }
  for (const item of s.foreach) {
    const sub = (v: string) => v.replaceAll('${item}', item);
    dvc.stages[`${name}@${item}`] = { cmd: sub(s.do.cmd), deps: (s.do.deps ?? []).map(sub) };
  }
}

describe('dvc.yaml: every stage depends on every module its command imports', () => {
  const stages = Object.entries(dvc.stages);
  it('finds the stages and their entry points (a parser that reads nothing would pass vacuously)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(10);
    expect(entries(dvc.stages['train-snn'].cmd)).toEqual(['lib/cli/train-snn.ts']);
    expect(closure('lib/cli/train-snn.ts').has('lib/random.ts')).toBe(true);
    expect(entries(dvc.stages['figure@01-variance'].cmd)).toContain('lib/index.ts');
    expect(Object.keys(dvc.stages).filter((n) => n.startsWith('figure@'))).toHaveLength(6);
  });

  for (const [name, stage] of stages) {
    const roots = entries(stage.cmd);
    if (!roots.length) continue;
    it(`${name}: ${roots.join(', ')}`, () => {
      const deps = (stage.deps ?? []).map((d) => d.replace(/\/$/, ''));
      const covered = (f: string) => deps.some((d) => f === d || f.startsWith(`${d}/`));
      const missing = [...new Set(roots.flatMap((r) => [...closure(r)]))].filter((f) => !covered(f)).sort();
      expect(missing, `${name} imports these without listing them (or a folder above them) in deps`).toEqual([]);
    });
  }
});
