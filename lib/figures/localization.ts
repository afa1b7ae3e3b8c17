/**
 * Figure 04 (paper Fig. 4 and Fig. 5c, plus box scores): where SAM looks, layer by layer, and
 * how far that is from the ANN's Grad-CAM.
 *
 * Per chunk of ≤ 16 validation images: the ANN's Grad-CAM G at each layer of `explain.layers`
 * (ground-truth class), and for each SNN (surrogate, conversion) one simulation with a SAM
 * observer on those layers (γ = explain.gamma, explain.variant). Every map is normalised
 * scale-free, `(m - min) / ((max - min)(1 + 1e-3))` (`scaleFreeNormalise`): raw Grad-CAM values are
 * 1e-4..1e-2 here, where the authors' absolute ε of 1e-3 would squash G towards 0 and the
 * cross-entropy would reward empty SAM maps.
 *
 * - Fig. 5c: localization error `E = min_t BCE(G, M_t)` (paper Eq. 10), G and M_t at the layer's
 *   own resolution (SAM and Grad-CAM of one layer have the same size), mean over the images.
 *   Claims: E grows with depth; conversion's E is above surrogate's at every layer.
 * - Fig. 4: a PNG grid per shown image, rows = layer × method, columns = the input, SAM at
 *   `explain.sample_steps` evenly spaced steps (each tile stamped with its 1-based t; column
 *   headers give the fraction of T, since the two methods run for different T), and the ANN's
 *   Grad-CAM at that layer.
 * - Beyond the paper: box scores against the data set's ground-truth boxes (images with a
 *   degenerate box are skipped): the pointing game (hit when the map's maximum lies in the box)
 *   and the share of the map's energy inside the box, for SAM, SNN-crafted Grad-CAM (surrogate
 *   only by default: its BPTT through a converted net's `convert.timesteps` steps, 300 by default,
 *   costs minutes on a CPU) and the
 *   ANN's Grad-CAM, all upsampled bilinearly to the image. An SNN map here is the TIME-AVERAGE of
 *   the raw maps M_t (then normalised): it needs no reference, where the step of minimal
 *   localization error would borrow the ANN's Grad-CAM to pick the step. `chance` is what a
 *   uniform map scores: the box's share of the image.
 *
 * Outputs: main chart = E vs layer, one line per method; a bar chart of the box scores; a
 * heat-map slider (SAM of the first image at conv4, surrogate and conversion side by side, at
 * most 30 frames, frame k showing step round(k·T/K) of each method); rows = one per (explanation,
 * method, layer); metrics nest E, its step, the box scores and the claims. Steps are 1-based in
 * every output.
 */
import { boxOf, toTensor } from '../data/dataset';
import { convLayer, gradCam, snnGradCam, type CamMaps, type ConvLayer } from '../explain/gradcam';
import { scaleFreeNormalise, upsample, type HeatMap } from '../explain/heatmap';
import { SpikeActivationMap } from '../explain/sam';
import { pointingGame, energyInBox } from '../metrics/box';
import { localizationError } from '../metrics/localization';
import { drawText, overlay, outlineBox, tileGrid, encodePng, type Rgb, type RgbImage } from '../plot/heatmap';
import { barChart, hconcat, heatmapSlider, lineChart, type Row, type VegaLiteSpec } from '../plot/spec';
import { snnLogits } from '../train/evaluate';
import { chunks, inputImage, type FigureContext, type SpikingModel } from './context';
import { mean, std, type FigureResult } from './output';


/** Figure name: reports/figures/04-localization.*, reports/metrics/04-localization.json, reports/plots/04-localization.csv. */
export const LOCALIZATION_FIGURE = '04-localization';

type Method = SpikingModel['method'];

/** Images per simulation (memory stays flat). */
const CHUNK = 16;
/** Images shown in the PNG grid. */
const GRID_IMAGES = 3;
/** Most frames of a heat-map slider. */
const SLIDER_FRAMES = 30;

/** Options of `figureLocalization` (the defaults are what the pipeline runs). */
export interface LocalizationOptions {
  /** Methods whose SNN-crafted Grad-CAM gets box scores (BPTT over all T steps; default surrogate only). */
  snnGradCamMethods?: readonly Method[];
  /** Images in the PNG grid (default 3). */
  gridImages?: number;
}

/** Per image results of one (explanation, method) at one layer. */
interface Scores {
  error: number[];
  /** 0-based step of the minimal error. */
  step: number[];
  pointing: number[];
  energy: number[];
}

const emptyScores = (): Scores => ({ error: [], step: [], pointing: [], energy: [] });

/** Fig. 4 + Fig. 5c: SAM per layer and method, its localization error vs the ANN's Grad-CAM, and box scores. */
export async function figureLocalization(ctx: FigureContext, options: LocalizationOptions = {}): Promise<FigureResult> {
  const { gamma, variant } = ctx.params.explain;
  const layers = [...new Set(ctx.params.explain.layers.map((l) => convLayer(l)))];
  const gradMethods = new Set(options.snnGradCamMethods ?? ['surrogate']);
  const gridCount = options.gridImages ?? GRID_IMAGES;
  if (ctx.indices.length === 0) throw new Error(`${LOCALIZATION_FIGURE}: no images to evaluate (explain.images is 0 or the validation set is empty)`);
  const { height: H, width: W } = ctx.val;
  const sliderLayer: ConvLayer = layers.includes('conv4') ? 'conv4' : layers[0];
  const maxT = Math.max(...ctx.snns.map((m) => m.timesteps));
  const columns = Math.min(ctx.params.explain.sample_steps, maxT);
  const frames = Math.min(SLIDER_FRAMES, maxT);

  // scores[key][layer], key = `${explanation}|${method}`
  const scores = new Map<string, Map<ConvLayer, Scores>>();
  const at = (explanation: string, method: string, layer: ConvLayer): Scores => {
    const key = `${explanation}|${method}`;
    if (!scores.has(key)) scores.set(key, new Map());
    const m = scores.get(key) as Map<ConvLayer, Scores>;
    if (!m.has(layer)) m.set(layer, emptyScores());
    return m.get(layer) as Scores;
  };
  const chance: number[] = [];
  let degenerate = 0;
  const grid: GridImage[] = [];
  const sliderRows: Row[] = [];

  const parts = chunks(ctx.indices, CHUNK);
  for (const [k, idx] of parts.entries()) {
    const started = Date.now();
    const x = toTensor(ctx.val, idx);
    const labels = idx.map((i) => ctx.val.labels[i]);
    try {
      // The ANN's Grad-CAM: the reference G of Eq. 10 and one explanation scored on boxes.
      const G = new Map<ConvLayer, HeatMap[]>();
      for (const layer of layers) {
        const cam = gradCam(ctx.ann, x, { layer, targets: labels, variant: ctx.variant });
        G.set(layer, idx.map((_, b) => scaleFreeNormalise(cam.map(0, b))));
      }
      const boxes = idx.map((i) => (ctx.val.degenerate[i] ? null : boxOf(ctx.val, i)));
      boxes.forEach((box) => {
        if (box) chance.push(((box.x1 - box.x0 + 1) * (box.y1 - box.y0 + 1)) / (H * W));
        else degenerate++;
      });
      for (const layer of layers) {
        idx.forEach((_, b) => scoreBox(at('ANN Grad-CAM', 'ann', layer), (G.get(layer) as HeatMap[])[b], boxes[b], H, W));
      }
      if (k === 0) idx.slice(0, gridCount).forEach((i, b) => grid.push({ index: i, rows: [], gradcam: layers.map((l) => (G.get(l) as HeatMap[])[b]) }));

      for (const model of ctx.snns) {
        const { method, net, timesteps: T } = model;
        const sam = new SpikeActivationMap({ layers, gamma, variant });
        try {
          // One encoder stream per (method, chunk); SNN Grad-CAM below replays the same spikes.
          snnLogits(net, x, ctx.variant, T, ctx.rng.fork(`${method}/${k}`), [sam]).dispose();
          for (const layer of layers) {
            const s = at('SAM', method, layer);
            idx.forEach((_, b) => {
              const raw = sam.series(layer, 'raw', b);
              const maps = raw.map(scaleFreeNormalise);
              const g = (G.get(layer) as HeatMap[])[b];
              const e = localizationError(g, maps);
              s.error.push(e.error);
              s.step.push(e.step);
              scoreBox(s, scaleFreeNormalise(meanMap(raw)), boxes[b], H, W);
              if (k === 0 && b < grid.length) {
                const shown = sampleSteps(T, columns);
                grid[b].rows.push({ layer, method, T, steps: shown, maps: shown.map((t) => maps[t]) });
              }
              if (k === 0 && b === 0 && layer === sliderLayer) {
                for (const t of new Set(sampleSteps(T, frames))) sliderRows.push(...cells(maps[t], { method, T, step: t + 1 }));
              }
            });
          }
        } finally {
          sam.dispose();
        }
        if (gradMethods.has(method)) {
          for (const layer of layers) {
            const cam: CamMaps = snnGradCam(net, x, { layer, targets: labels, variant: ctx.variant, timesteps: T, rng: ctx.rng.fork(`${method}/${k}`) });
            const s = at('SNN Grad-CAM', method, layer);
            idx.forEach((_, b) => {
              const raw = cam.series('raw', b);
              const e = localizationError((G.get(layer) as HeatMap[])[b], raw.map(scaleFreeNormalise));
              s.error.push(e.error);
              s.step.push(e.step);
              scoreBox(s, scaleFreeNormalise(meanMap(raw)), boxes[b], H, W);
            });
          }
        }
      }
    } finally {
      x.dispose();
    }
    console.error(`${LOCALIZATION_FIGURE}: chunk ${k + 1}/${parts.length} (${idx.length} images; ${ctx.snns.map((m) => `${m.method} T = ${m.timesteps}`).join(', ')}) ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  // ---- rows and metrics
  const rows: Row[] = [];
  const metrics: Record<string, unknown> = { images: ctx.indices.length, box_images: chance.length, degenerate_boxes: degenerate, gamma };
  const localization: Record<string, Record<string, number>> = {};
  const locStep: Record<string, Record<string, number>> = {};
  const pointing: Record<string, Record<string, number>> = {};
  const energy: Record<string, Record<string, number>> = {};
  for (const [key, byLayer] of scores) {
    const [explanation, method] = key.split('|');
    const name = explanation === 'ANN Grad-CAM' ? 'ann_gradcam' : `${explanation === 'SAM' ? 'sam' : 'snn_gradcam'}_${method}`;
    for (const layer of layers) {
      const s = byLayer.get(layer);
      if (!s) continue;
      const hasError = s.error.length > 0;
      rows.push({
        explanation, method, layer: layerNumber(layer),
        error: hasError ? mean(s.error) : null,
        error_std: hasError ? std(s.error) : null,
        pointing_game: s.pointing.length ? mean(s.pointing) : null,
        energy_in_box: s.energy.length ? mean(s.energy) : null,
        images: Math.max(s.error.length, s.pointing.length),
      });
      if (hasError) {
        (localization[name] ??= {})[layer] = mean(s.error);
        (locStep[name] ??= {})[layer] = mean(s.step) + 1;
      }
      if (s.pointing.length) {
        (pointing[name] ??= {})[layer] = mean(s.pointing);
        (energy[name] ??= {})[layer] = mean(s.energy);
      }
    }
  }
  const chanceValue = chance.length ? mean(chance) : 0;
  for (const layer of layers) {
    rows.push({ explanation: 'chance', method: 'uniform map', layer: layerNumber(layer), error: null, error_std: null, pointing_game: chanceValue, energy_in_box: chanceValue, images: chance.length });
  }
  metrics.localization_error = localization;
  metrics.localization_step = locStep;
  metrics.pointing_game = pointing;
  metrics.energy_in_box = energy;
  metrics.chance = chanceValue;

  const samError = (method: Method) => layers.map((l) => localization[`sam_${method}`]?.[l] ?? NaN);
  const grows = (v: number[]) => v.length > 1 && v.every((e, i) => i === 0 || e > v[i - 1]);
  const claims: Record<string, boolean> = {};
  for (const m of ctx.snns) claims[`error_grows_with_depth_${m.method}`] = grows(samError(m.method));
  claims.error_grows_with_depth = ctx.snns.every((m) => claims[`error_grows_with_depth_${m.method}`]);
  const surrogate = samError('surrogate'), conversion = samError('conversion');
  claims.conversion_worse_every_layer = layers.every((_, i) => conversion[i] > surrogate[i]);
  metrics.claims = claims;

  // ---- charts and the grid
  const samRows = rows.filter((r) => r.explanation === 'SAM');
  const chart = lineChart(samRows, {
    x: 'layer', y: 'error', color: 'method',
    title: `Localization error of SAM vs the ANN's Grad-CAM (min over t, mean of ${ctx.indices.length} images)`,
    xTitle: 'layer (conv)', yTitle: 'localization error (BCE)',
  });
  (chart.encoding as Record<string, Record<string, unknown>>).x.scale = { zero: false };
  (chart.encoding as Record<string, Record<string, unknown>>).x.axis = { values: layers.map(layerNumber), tickMinStep: 1 };
  const boxRows = rows.filter((r) => r.pointing_game !== null).map((r) => ({ ...r, source: r.explanation === 'SAM' || r.explanation === 'SNN Grad-CAM' ? `${r.explanation} (${r.method})` : String(r.explanation) }));
  const boxChart = hconcat([
    readableBars(barChart(boxRows, { x: 'layer', y: 'pointing_game', color: 'source', title: 'Pointing game (hit rate)', yTitle: 'hit rate' })),
    readableBars(barChart(boxRows, { x: 'layer', y: 'energy_in_box', color: 'source', title: 'Energy in the box (time-averaged maps)', yTitle: 'share of energy' })),
  ], `Box scores on ${chance.length} ground-truth boxes`);
  const slider = sliderChart(sliderRows, sliderLayer, ctx.snns, frames);
  const png = gridPng(ctx, grid, layers, columns);
  return { chart, charts: [chart, boxChart, slider], metrics, rows, pngs: { grid: png } };
}

// ---- shared by figures 04-06 (scale-free maps, sampled steps, tiles, sliders)


/** Pixel-wise mean of maps of one size (an SNN's time-average). */
export function meanMap(maps: readonly HeatMap[]): HeatMap {
  if (maps.length === 0) throw new Error('meanMap: no maps');
  const { height, width } = maps[0];
  const out = new Float32Array(height * width);
  for (const m of maps) for (let i = 0; i < out.length; i++) out[i] += m.data[i] / maps.length;
  return { height, width, data: out };
}

/**
 * `n` 0-based steps spread evenly over 0..T-1, ending at the last: `round((j+1)·T/n) - 1`,
 * e.g. T = 30, n = 10 → 2, 5, …, 29. When n > T some steps repeat (a short run shown on a
 * longer run's columns).
 */
export function sampleSteps(T: number, n: number): number[] {
  return Array.from({ length: n }, (_, j) => Math.max(0, Math.round(((j + 1) * T) / n) - 1));
}


/** A copy of `tile` with `text` in its top-left corner, white on a black shadow (legible on jet colours). */
export function stamp(tile: RgbImage, text: string): RgbImage {
  const out = { ...tile, data: tile.data.slice() };
  drawText(out, text, 2, 2, 1, [0, 0, 0]);
  drawText(out, text, 1, 1, 1, [255, 255, 255]);
  return out;
}

/** A copy of `tile` with a 10-px black strip below it holding `text` in white (keeps the map itself uncovered). */
export function caption(tile: RgbImage, text: string): RgbImage {
  const strip = 10;
  const out: RgbImage = { height: tile.height + strip, width: tile.width, data: new Uint8Array((tile.height + strip) * tile.width * 3) };
  out.data.set(tile.data);
  drawText(out, text, 1, tile.height + 1, 1, [255, 255, 255]);
  return out;
}

/** Images stacked top to bottom on white, left-aligned, `gap` px apart. */
export function stackImages(images: readonly RgbImage[], gap = 8): RgbImage {
  const width = Math.max(...images.map((m) => m.width));
  const height = images.reduce((h, m) => h + m.height, 0) + gap * Math.max(0, images.length - 1);
  const out: RgbImage = { height, width, data: new Uint8Array(height * width * 3).fill(255) };
  let y0 = 0;
  for (const m of images) {
    for (let y = 0; y < m.height; y++) out.data.set(m.data.subarray(y * m.width * 3, (y + 1) * m.width * 3), ((y0 + y) * width) * 3);
    y0 += m.height + gap;
  }
  return out;
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

/** 4 for 'conv4'. */
export function layerNumber(layer: ConvLayer): number {
  return Number(layer.slice(4));
}


// ---- private helpers of figure 04

function scoreBox(s: Scores, map: HeatMap, box: ReturnType<typeof boxOf> | null, H: number, W: number): void {
  if (!box) return;
  const up = upsample(map, H, W);
  s.pointing.push(pointingGame(up, box) ? 1 : 0);
  s.energy.push(energyInBox(up, box));
}

interface GridRow {
  layer: ConvLayer;
  method: Method;
  T: number;
  steps: number[];
  maps: HeatMap[];
}

interface GridImage {
  index: number;
  rows: GridRow[];
  /** ANN Grad-CAM per layer (in `layers` order). */
  gradcam: HeatMap[];
}

const BOX_COLOUR: Rgb = [255, 0, 0];

/** One labelled tile grid per image (rows = layer × method), stacked. */
function gridPng(ctx: FigureContext, grid: GridImage[], layers: ConvLayer[], columns: number): Uint8Array {
  const blocks = grid.map((g) => {
    const base = inputImage(ctx.val, g.index);
    const boxed = ctx.val.degenerate[g.index] ? base : outlineBox(base, boxOf(ctx.val, g.index), BOX_COLOUR);
    // Rows ordered layer-major: conv4 surrogate, conv4 conversion, conv6 …
    const ordered = layers.flatMap((l) => g.rows.filter((r) => r.layer === l));
    const tiles = ordered.map((r, j) => [
      j === 0 ? boxed : null,
      ...r.steps.map((t, c) => stamp(overlay(base, r.maps[c]), `t=${t + 1}`)),
      overlay(base, g.gradcam[layers.indexOf(r.layer)]),
    ]);
    const label = ctx.classNames[ctx.val.labels[g.index]] ?? String(ctx.val.labels[g.index]);
    return tileGrid({
      tiles,
      rowLabels: ordered.map((r) => `${r.layer} ${r.method === 'surrogate' ? 'surr.' : 'conv.'} T=${r.T}`),
      columnLabels: ['input', ...Array.from({ length: columns }, (_, j) => `${Math.round((100 * (j + 1)) / columns)}%`), 'ANN'],
      title: `image ${g.index} (${label}): SAM (γ=${ctx.params.explain.gamma}) at evenly spaced t (% of each run), last: ANN Grad-CAM`,
      scale: 1,
      fontScale: 2,
    });
  });
  return encodePng(stackImages(blocks));
}

function sliderChart(rows: Row[], layer: ConvLayer, snns: SpikingModel[], frames: number): VegaLiteSpec {
  const runs = snns.map((m) => `${m.method} T=${m.timesteps}`).join(', ');
  return framesSlider(rows, frames, `SAM at ${layer} over time, first image (${runs}; ${frames} frames, frame k shows step ≈ k·T/${frames})`, 8);
}
