/**
 * Writing a figure's outputs where dvc.yaml expects them:
 *   reports/figures/<name>/<name>.svg, .png      the main chart (Vega-Lite rendered)
 *   reports/figures/<name>/<name>-<suffix>.png   extra raster figures (heat-map grids)
 *   reports/metrics/<name>.json           the numbers the README and tests quote
 *   reports/plots/<name>.csv              the chart's data, for `dvc plots`
 * Every write is atomic; non-finite metrics are refused.
 */
import * as path from 'path';
import * as aq from 'arquero';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import { saveFigure } from '../plot/render';
import type { Row, VegaLiteSpec } from '../plot/spec';

/** What one figure writes. */
export interface FigureOutputs {
  chart?: VegaLiteSpec;
  metrics?: Record<string, unknown>;
  rows?: Row[];
  pngs?: Record<string, Uint8Array>;
}

/** What a figure function returns: its outputs plus every chart the notebook shows (`chart` is the main one). */
export interface FigureResult extends FigureOutputs {
  charts: VegaLiteSpec[];
}

/** Writes a figure's outputs under `root` (default `reports`); returns the paths written. */
export async function saveFigureOutputs(name: string, out: FigureOutputs, root = 'reports'): Promise<string[]> {
  const written: string[] = [];
  if (out.chart) {
    const { svg, png } = await saveFigure(out.chart, path.join(root, 'figures', name, name));
    written.push(svg, png);
  }
  for (const [suffix, bytes] of Object.entries(out.pngs ?? {})) {
    const f = path.join(root, 'figures', name, `${name}-${suffix}.png`);
    writeFileAtomic(f, bytes);
    written.push(f);
  }
  if (out.metrics) {
    const f = path.join(root, 'metrics', `${name}.json`);
    writeJsonAtomic(f, out.metrics);
    written.push(f);
  }
  if (out.rows) {
    const f = path.join(root, 'plots', `${name}.csv`);
    writeFileAtomic(f, `${aq.from(out.rows).toCSV()}\n`);
    written.push(f);
  }
  return written;
}

/** Mean of a list (NaN for an empty one is refused by the writer). */
export function mean(values: readonly number[]): number {
  return values.reduce((a, v) => a + v, 0) / values.length;
}

/** Population standard deviation of a list. */
export function std(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}
