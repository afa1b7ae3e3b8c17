/**
 * Imports among lib/ folders point one way only: no folder imports, directly or through others,
 * a folder that imports it (e.g. model → train → model). A cycle is how a low-level module ends
 * up depending on the whole library. Top-level files (lib/params.ts, lib/index.ts …) count as
 * folders of their own.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';

const LIB = path.resolve(__dirname, '../lib');

/** lib/a/b.ts → 'a'; lib/params.ts → 'params'. */
function unitOf(file: string): string {
  const rel = path.relative(LIB, file).split(path.sep);
  return rel.length > 1 ? rel[0] : rel[0].replace(/\.ts$/, '');
}

/** unit → units it imports (relative imports only), with one example file per edge. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  for (const file of walk(LIB)) {
    const from = unitOf(file);
    if (!graph.has(from)) graph.set(from, new Map());
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)) {
      const to = unitOf(path.resolve(path.dirname(file), m[1]));
      if (to !== from && !graph.get(from)?.has(to)) graph.get(from)?.set(to, path.relative(LIB, file));
    }
  }
  return graph;
}

/** Every cycle found by depth-first search, as a path a → b → … → a with the file of each edge. */
function cycles(graph: Map<string, Map<string, string>>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (u: string) => {
    state.set(u, 'open');
    stack.push(u);
    for (const [v] of graph.get(u) ?? []) {
      if (state.get(v) === 'open') {
        const loop = [...stack.slice(stack.indexOf(v)), v];
        found.push(loop.map((x, i) => (i + 1 < loop.length ? `${x} (${graph.get(x)?.get(loop[i + 1])})` : x)).join(' → '));
      } else if (!state.has(v)) visit(v);
    }
    stack.pop();
    state.set(u, 'done');
  };
  for (const u of graph.keys()) if (!state.has(u)) visit(u);
  return found;
}

describe('lib/ import graph', () => {
  const graph = folderGraph();

  it('reads the folders and their imports (a parser that reads nothing would pass vacuously)', () => {
    expect(graph.get('snn')?.has('model')).toBe(true);
    expect(graph.get('train')?.has('snn')).toBe(true);
    expect(graph.size).toBeGreaterThan(12);
  });

  it('finds a cycle when there is one', () => {
    const toy = new Map([['a', new Map([['b', 'a/x.ts']])], ['b', new Map([['a', 'b/y.ts']])]]);
    expect(cycles(toy)).toEqual(['a (a/x.ts) → b (b/y.ts) → a']);
  });

  it('has no cycle among lib/ folders', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps the layers: model imports no network, trainer or figure code; nothing imports lib/index.ts or the CLIs', () => {
    expect([...(graph.get('model')?.keys() ?? [])].filter((u) => ['ann', 'snn', 'train', 'figures', 'explain'].includes(u))).toEqual([]);
    for (const [from, to] of graph) {
      expect(to.has('index'), `${from} imports lib/index.ts`).toBe(false);
      if (from !== 'cli') expect(to.has('cli'), `${from} imports lib/cli`).toBe(false);
    }
  });
});
