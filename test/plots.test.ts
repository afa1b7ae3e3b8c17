/**
 * `dvc plots show` draws what each figure means: every top-level plot in dvc.yaml names its x and
 * y, the page loads Vega from node_modules (no network), and every spec compiles and renders with
 * the vega / vega-lite the project installs, with the declared fields on the axes and data in it.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import * as YAML from 'yaml';

const ROOT = path.resolve(__dirname, '..');

describe('dvc plots show', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'plots-'));
  const r = spawnSync(path.join(ROOT, '.venv/bin/dvc'), ['plots', 'show', '-o', out], { cwd: ROOT, encoding: 'utf8' });
  const html = fs.existsSync(path.join(out, 'index.html')) ? fs.readFileSync(path.join(out, 'index.html'), 'utf8') : '';
  const declared = (YAML.parse(fs.readFileSync(path.join(ROOT, 'dvc.yaml'), 'utf8')) as { plots: Array<Record<string, { x: string; y: string; template: string }>> }).plots;

  it('writes a page that loads Vega and Vega-Lite from node_modules, not from the network', () => {
    expect(r.status, r.stderr).toBe(0);
    const sources = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(['../node_modules/vega/build/vega.min.js', '../node_modules/vega-lite/build/vega-lite.min.js']);
    // Relative to dvc_plots/ (DVC's default output folder) in the project root.
    for (const s of sources) expect(fs.existsSync(path.join(ROOT, 'dvc_plots', s)), s).toBe(true);
  });

  it('every declared plot has x, y and a template, and renders with its fields on the axes', async () => {
    expect(declared.length).toBeGreaterThanOrEqual(5);
    type Spec = { encoding: Record<string, { field: string }>; data: { values: Record<string, unknown>[] } };
    const specs = [...html.matchAll(/var spec = (\{.*?\});\s*vegaEmbed/gs)].map((m) => JSON.parse(m[1]) as Spec);
    expect(specs).toHaveLength(declared.length);
    for (const [i, entry] of declared.entries()) {
      const [file, p] = Object.entries(entry)[0];
      expect(p.x && p.y && p.template, file).toBeTruthy();
      const spec = specs[i];
      expect(spec.encoding.x.field, file).toBe(p.x);
      expect(spec.encoding.y.field, file).toBe(p.y);
      expect(spec.data.values.length, file).toBeGreaterThan(0);
      const view = new vega.View(vega.parse(vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec).spec), { renderer: 'none' });
      const svg = await view.toSVG();
      view.finalize();
      expect((svg.match(/<path/g) ?? []).length, `${file}: marks drawn`).toBeGreaterThan(2);
    }
  });
});
