/**
 * Vega-Lite spec builders: plain objects, no rendering. Each takes rows (one object per point)
 * and the field names to encode, so the same rows can also be written as CSV plot data.
 */

import type { HeatMap } from '../explain/heatmap';

/** A Vega-Lite v5 specification (kept loose: builders produce valid ones, users may extend). */
export type VegaLiteSpec = Record<string, unknown> & { $schema?: string };

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** A row of plot data. */
export type Row = Record<string, string | number | boolean | null>;

export interface LineOptions {
  x: string;
  y: string;
  /** Field that splits lines (one colour each). */
  color?: string;
  /** Field that splits small multiples (one panel each). */
  column?: string;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
  points?: boolean;
}

/** Line chart of `y` over `x`, optionally one line per `color` value and one panel per `column`. */
export function lineChart(rows: Row[], o: LineOptions): VegaLiteSpec {
  const encoding: Record<string, unknown> = {
    x: { field: o.x, type: 'quantitative', title: o.xTitle ?? o.x },
    y: { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y },
    tooltip: [o.x, o.y, ...(o.color ? [o.color] : []), ...(o.column ? [o.column] : [])].map((f) => ({ field: f })),
  };
  if (o.color) encoding.color = { field: o.color, type: 'nominal' };
  const unit = {
    mark: { type: 'line', point: o.points ?? true },
    encoding,
    width: o.width ?? 260,
    height: o.height ?? 180,
  };
  if (o.column) {
    const { width, height, ...rest } = unit;
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: o.title,
      data: { values: rows },
      facet: { column: { field: o.column, type: 'nominal' } },
      spec: { ...rest, width, height },
    };
  }
  return { $schema: VEGA_LITE_SCHEMA, title: o.title, data: { values: rows }, ...unit };
}

export interface BarOptions {
  x: string;
  y: string;
  color?: string;
  title?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/** Grouped bar chart: `x` categories, bar height `y`, bars within a group split by `color`. */
export function barChart(rows: Row[], o: BarOptions): VegaLiteSpec {
  const encoding: Record<string, unknown> = {
    x: { field: o.x, type: 'nominal', title: o.x },
    y: { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y },
    tooltip: Object.keys(rows[0] ?? {}).map((f) => ({ field: f })),
  };
  if (o.color) {
    encoding.color = { field: o.color, type: 'nominal' };
    encoding.xOffset = { field: o.color };
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: o.title,
    data: { values: rows },
    mark: 'bar',
    encoding,
    width: o.width ?? 260,
    height: o.height ?? 180,
  };
}

/** Places specs side by side. */
export function hconcat(specs: VegaLiteSpec[], title?: string): VegaLiteSpec {
  return { $schema: VEGA_LITE_SCHEMA, title, hconcat: specs.map(strip) };
}

/** Stacks specs vertically. */
export function vconcat(specs: VegaLiteSpec[], title?: string): VegaLiteSpec {
  return { $schema: VEGA_LITE_SCHEMA, title, vconcat: specs.map(strip) };
}

function strip(spec: VegaLiteSpec): VegaLiteSpec {
  const { $schema: _s, ...rest } = spec;
  return rest;
}

export interface HeatmapSliderOptions {
  /** Column field (pixel x), row field (pixel y), value field, and the time-step field the slider drives. */
  x: string;
  y: string;
  value: string;
  step: string;
  /** Field that splits panels (e.g. method or layer). */
  column?: string;
  title?: string;
  /** Pixel size of one map cell. */
  cell?: number;
}

/**
 * Heat maps that change over time: one rect per map cell, coloured by value (jet-like
 * "turbo" scheme), with a slider bound to `step`. JupyterLab renders it interactively.
 */
export function heatmapSlider(rows: Row[], o: HeatmapSliderOptions): VegaLiteSpec {
  const steps = rows.map((r) => Number(r[o.step]));
  const lo = Math.min(...steps), hi = Math.max(...steps);
  const xs = new Set(rows.map((r) => r[o.x])).size, ys = new Set(rows.map((r) => r[o.y])).size;
  const cell = o.cell ?? Math.max(4, Math.round(160 / Math.max(xs, ys)));
  const unit = {
    params: [{ name: 't', value: lo, bind: { input: 'range', min: lo, max: hi, step: 1, name: `${o.step} ` } }],
    transform: [{ filter: `datum['${o.step}'] == t` }],
    mark: 'rect',
    encoding: {
      x: { field: o.x, type: 'ordinal', axis: null },
      y: { field: o.y, type: 'ordinal', axis: null },
      color: { field: o.value, type: 'quantitative', scale: { scheme: 'turbo', domain: [0, 1] }, title: o.value },
      tooltip: [{ field: o.value, format: '.3f' }],
    },
    width: xs * cell,
    height: ys * cell,
  };
  if (o.column) {
    const { params, ...rest } = unit;
    return { $schema: VEGA_LITE_SCHEMA, title: o.title, data: { values: rows }, params, facet: { column: { field: o.column, type: 'nominal' } }, spec: rest };
  }
  return { $schema: VEGA_LITE_SCHEMA, title: o.title, data: { values: rows }, ...unit };
}

/** One row per map cell for `heatmapSlider`, with `extra` fields (method, frame, step, …); values rounded to 1e-3. */
export function cells(map: HeatMap, extra: Row): Row[] {
  const rows: Row[] = [];
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) rows.push({ ...extra, x, y, value: Math.round(map.data[y * map.width + x] * 1000) / 1000 });
  }
  return rows;
}

/**
 * A slider over frames 1..K with one panel per method: frame k shows step `max(1, round(k·T/K))`
 * (1-based) of each method's run, so networks with different T move together. `rows` hold each
 * shown step once, with the method's `T` (see `sampleSteps`); the frame → step mapping is a
 * Vega expression, so a short run's steps are not repeated in the data.
 */
export function framesSlider(rows: Row[], frames: number, title: string, cell?: number): VegaLiteSpec {
  const spec = heatmapSlider(rows, { x: 'x', y: 'y', value: 'value', step: 'step', column: 'method', title, cell });
  const param = (spec.params as { value: number; bind: Record<string, unknown> }[])[0];
  param.bind = { ...param.bind, min: 1, max: frames, name: 'frame ' };
  // Start half way: SAM's first step is empty by definition (no earlier spikes).
  param.value = Math.max(1, Math.ceil(frames / 2));
  const unit = spec.spec as Record<string, unknown>;
  unit.transform = [{ filter: `datum.step == max(1, round(t * datum.T / ${frames}))` }];
  // Surrogate first, as in the paper.
  const facet = spec.facet as { column: Record<string, unknown> };
  facet.column = { ...facet.column, sort: ['surrogate', 'conversion'], title: null };
  return spec;
}

/** A grouped bar chart with horizontal x labels and untruncated legend labels. */
export function readableBars(spec: VegaLiteSpec): VegaLiteSpec {
  const enc = spec.encoding as Record<string, Record<string, unknown>>;
  return {
    ...spec,
    encoding: {
      ...enc,
      x: { ...enc.x, axis: { labelAngle: 0 } },
      ...(enc.color ? { color: { ...enc.color, legend: { labelLimit: 400 } } } : {}),
    },
  };
}
