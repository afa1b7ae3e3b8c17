/** Runs a notebook through the project's Jupyter (.venv) and tslab kernel; returns its outputs. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface NotebookRun {
  status: number;
  stderr: string;
  outputs: Array<{ output_type: string; data?: Record<string, unknown>; text?: string | string[]; ename?: string }>;
}

export function runNotebook(nb: string, cwd = process.cwd()): NotebookRun {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nb-')), path.basename(nb));
  const r = spawnSync(path.join(cwd, '.venv/bin/python'), [path.join(cwd, 'scripts/run_notebook.py'), nb, out], { cwd, encoding: 'utf8' });
  const executed = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : { cells: [] };
  const outputs = executed.cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []);
  return { status: r.status ?? -1, stderr: r.stderr, outputs };
}
