/**
 * Writing a figure's outputs where dvc.yaml expects them:
 *   reports/figures/<name>/<name>.svg, .png      the main chart (Vega-Lite rendered)
 *   reports/figures/<name>/<name>-<suffix>.png   extra raster figures (heat-map grids)
 *   reports/metrics/<name>.json           every number the figure measured (the README and tests quote it)
 *   reports/headline/<name>.json          the compact summary DVC shows as metrics: images and
 *                                         each claim's verdict (`dvc metrics show`, `dvc exp show`)
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
    const h = path.join(root, 'headline', `${name}.json`);
    writeJsonAtomic(h, headline(out.metrics));
    written.push(h);
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

/**
 * A figure's headline: the number of evaluation images and each claim's verdict with the count of
 * each verdict; a few dozen values instead of hundreds, for `dvc metrics show` / `dvc exp show`.
 */
export function headline(metrics: Record<string, unknown>): Record<string, unknown> {
  const claims = Array.isArray(metrics.claims) ? (metrics.claims as Array<{ id?: unknown; verdict?: unknown }>) : [];
  const verdicts: Record<string, string> = {};
  for (const c of claims) if (typeof c.id === 'string' && typeof c.verdict === 'string') verdicts[c.id] = c.verdict;
  const count = (v: string) => Object.values(verdicts).filter((x) => x === v).length;
  return {
    ...(typeof metrics.images === 'number' ? { images: metrics.images } : {}),
    claims_hold: count('holds'),
    claims_fail: count('fails'),
    claims_inconclusive: count('inconclusive'),
    verdicts,
  };
}
