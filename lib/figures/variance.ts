/**
 * Figure 01 (paper Fig. 2): SAM against SNN-crafted Grad-CAM at conv4, for both training methods.
 *
 * Per image and method: one simulation with a SAM observer (γ = explain.gamma, explain.variant)
 * and one SNN-crafted Grad-CAM (ground-truth class, per-step channel weights) on the SAME Poisson
 * spikes (both use the encoder stream `rng.fork('<method>/<chunk>')`). Each step's map is
 * normalised to [0, 1] by `scaleFreeNormalise`; the heat-map variance of an image is the maximum
 * over steps of the pixel variance (paper Fig. 2b), averaged over the images. Paper claim: SAM's
 * variance is higher than Grad-CAM's for both methods (Grad-CAM's "heat-map smoothing effect").
 *
 * Why scale-free: the authors' normalisation `(m - min) / (max - min + 1e-3)` has an absolute ε.
 * SAM's raw values are spike scores of order 1, where ε is negligible, but raw Grad-CAM values are
 * products of gradients and spikes, 1e-9..1e-3 here; with the absolute ε every Grad-CAM map would
 * normalise to ≈ 0 and its variance to ≈ 0 whatever its shape, so the comparison would measure
 * the gradient scale, not the map. The metric `gradcam_variance_absolute_eps` records that number.
 *
 * Verdicts: `claims` holds one `Claim` per training method, "SAM variance > SNN Grad-CAM variance",
 * judged on θ = mean over images of (SAM − Grad-CAM variance), paired by image (both maps explain
 * the same run), with a seeded 95 % percentile bootstrap over the images (`pairedBootstrap`, stream
 * `rng.fork('claims/<method>')`): `holds` only where the interval lies above 0, `fails` where it
 * lies at or below 0, `inconclusive` otherwise. `sam_higher_for_both` (means only) stays for
 * comparison with earlier runs.
 *
 * Outputs: a grouped bar chart (method × explanation, mean ± std over images), rows = those means,
 * a PNG grid of a few images (input, SAM and Grad-CAM of each method, each map at its step of
 * maximum variance) and, for the notebook, one heat-map slider chart per method (SAM vs Grad-CAM
 * over time for the first image; at most 30 steps, a converted net's T subsampled evenly).
 * Steps in every output are 1-based (t = 1..T).
 */
import { toTensor } from '../data/dataset';
import { snnGradCam, type ConvLayer } from '../explain/gradcam';
import { scaleFreeNormalise, type HeatMap } from '../explain/heatmap';
import { SpikeActivationMap } from '../explain/sam';
import { makeClaim, pairedBootstrap, type Claim } from '../metrics/uncertainty';
import { heatmapVarianceOverSteps } from '../metrics/variance';
import { overlay, tileGridPng, type RgbImage } from '../plot/heatmap';
import { barChart, heatmapSlider, type Row, type VegaLiteSpec } from '../plot/spec';
import { snnLogits } from '../train/evaluate';
import { chunkProgress, chunks, inputImage, type FigureContext, type SpikingModel } from './context';
import { mean, std, type FigureResult } from './output';
export type { FigureResult };


/** Figure name: reports/figures/01-variance/*, reports/metrics/01-variance.json, reports/plots/01-variance.csv. */
export const VARIANCE_FIGURE = '01-variance';

/** The layer of paper Fig. 2. */
const LAYER: ConvLayer = 'conv4';
/** Images per simulation (memory stays flat). */
const CHUNK = 16;
/**
 * Images × steps per SNN Grad-CAM pass: BPTT keeps every step's graph (about 2.5 MB per image and
 * step at width 0.125), so long runs take fewer images at once (T = 20: 16, T = 300: 4; ≈ 3 GB).
 */
const GRADCAM_IMAGE_STEPS = 1200;
/** Images shown in the PNG grid. */
const GRID_IMAGES = 4;
/** Most frames in a heat-map slider. */
const SLIDER_FRAMES = 30;

type Method = SpikingModel['method'];
type Explanation = 'SAM' | 'SNN Grad-CAM';

/** Per-image results of one method. */
interface MethodResult {
  method: Method;
  timesteps: number;
  sam: number[];
  gradcam: number[];
  /** Grad-CAM variance under the authors' absolute ε (CamMaps.normalised), per image. */
  gradcamAbsoluteEps: number[];
  /** Steps (0-based) of maximum variance, per image. */
  samStep: number[];
  gradcamStep: number[];
  /** Grid tiles of the first images: [SAM overlay, Grad-CAM overlay]. */
  tiles: [RgbImage, RgbImage][];
  sliderRows: Row[];
  sliderStride: number;
  /** 1-based step the slider starts at: the shown step nearest to the first image's SAM peak variance. */
  sliderStart: number;
}

/** Fig. 2: heat-map variance of SAM vs SNN-crafted Grad-CAM at conv4, surrogate and conversion. */
export async function figureVariance(ctx: FigureContext): Promise<FigureResult> {
  const { gamma, variant } = ctx.params.explain;
  if (ctx.indices.length === 0) throw new Error(`${VARIANCE_FIGURE}: no images to evaluate (explain.images is 0 or the validation set is empty)`);
  const results = ctx.snns.map((model) => runMethod(ctx, model, gamma, variant));

  const rows: Row[] = results.flatMap((r) => ([['SAM', r.sam], ['SNN Grad-CAM', r.gradcam]] as [Explanation, number[]][]).map(([explanation, v]) => ({
    method: r.method, explanation, variance: mean(v), std: std(v), images: v.length,
  })));
  const metrics: Record<string, unknown> = {
    layer: LAYER, images: ctx.indices.length, gamma, sam_variant: variant, gradcam_weighting: 'per-step', normalisation: 'scale-free',
  };
  for (const r of results) {
    metrics[r.method] = {
      timesteps: r.timesteps,
      sam_variance: mean(r.sam),
      sam_variance_std: std(r.sam),
      gradcam_variance: mean(r.gradcam),
      gradcam_variance_std: std(r.gradcam),
      gradcam_variance_absolute_eps: mean(r.gradcamAbsoluteEps),
      /** Share of images whose SAM variance exceeds their Grad-CAM variance. */
      sam_higher_fraction: mean(r.sam.map((s, i) => (s > r.gradcam[i] ? 1 : 0))),
      /** Mean 1-based step of maximum variance. */
      sam_max_step: mean(r.samStep) + 1,
      gradcam_max_step: mean(r.gradcamStep) + 1,
    };
  }
  metrics.sam_higher_for_both = results.every((r) => mean(r.sam) > mean(r.gradcam));
  metrics.claims = results.map((r) => varianceClaim(ctx, r));

  const chart = varianceChart(rows);
  const sliders = results.map((r) => sliderChart(r));
  return { chart, charts: [chart, ...sliders], metrics, rows, pngs: { grid: gridPng(ctx, results) } };
}

/** Paper Fig. 2b for one method: SAM's variance exceeds Grad-CAM's, paired over the images. */
function varianceClaim(ctx: FigureContext, r: MethodResult): Claim {
  const interval = pairedBootstrap(r.sam, r.gradcam, { rng: ctx.rng.fork(`claims/${r.method}`) });
  return makeClaim({
    id: `sam_variance_gt_gradcam_${r.method}`,
    statement: `SAM variance > SNN Grad-CAM variance (${r.method})`,
    metric: `mean over images of SAM − SNN Grad-CAM heat-map variance at ${LAYER} (max over steps, scale-free normalisation), paired by image`,
    seeds: [ctx.params.seed],
  }, interval);
}

function runMethod(ctx: FigureContext, model: SpikingModel, gamma: number, variant: 'paper' | 'reference'): MethodResult {
  const { method, net, timesteps: T } = model;
  const out: MethodResult = { method, timesteps: T, sam: [], gradcam: [], gradcamAbsoluteEps: [], samStep: [], gradcamStep: [], tiles: [], sliderRows: [], sliderStride: 1, sliderStart: 1 };
  const parts = chunks(ctx.indices, Math.max(1, Math.min(CHUNK, Math.floor(GRADCAM_IMAGE_STEPS / T))));
  const progress = chunkProgress(VARIANCE_FIGURE, parts.length, method);
  parts.forEach((idx, k) => {
    const x = toTensor(ctx.val, idx);
    const sam = new SpikeActivationMap({ layers: [LAYER], gamma, variant });
    try {
      // The same fork for both: the encoder replays identical spikes, so both maps explain one run.
      snnLogits(net, x, ctx.variant, T, ctx.rng.fork(`${method}/${k}`), [sam]).dispose();
      const cam = snnGradCam(net, x, {
        layer: LAYER, targets: idx.map((i) => ctx.val.labels[i]), variant: ctx.variant, timesteps: T, rng: ctx.rng.fork(`${method}/${k}`), weighting: 'per-step',
      });
      idx.forEach((i, b) => {
        const samMaps = sam.series(LAYER, 'raw', b).map(scaleFreeNormalise);
        const camMaps = cam.series('raw', b).map(scaleFreeNormalise);
        const s = heatmapVarianceOverSteps(samMaps);
        const g = heatmapVarianceOverSteps(camMaps);
        out.sam.push(s.value);
        out.gradcam.push(g.value);
        out.gradcamAbsoluteEps.push(heatmapVarianceOverSteps(cam.series('normalised', b)).value);
        out.samStep.push(s.step);
        out.gradcamStep.push(g.step);
        if (out.tiles.length < GRID_IMAGES) {
          const base = inputImage(ctx.val, i);
          out.tiles.push([overlay(base, samMaps[s.step]), overlay(base, camMaps[g.step])]);
        }
        if (k === 0 && b === 0) {
          const frames = sliderSteps(T);
          out.sliderStride = frames.length > 1 ? frames[1] - frames[0] : 1;
          out.sliderStart = frames.reduce((best, t) => (Math.abs(t - s.step) < Math.abs(best - s.step) ? t : best), frames[0]) + 1;
          for (const t of frames) {
            out.sliderRows.push(...cells(samMaps[t], 'SAM', t + 1), ...cells(camMaps[t], 'SNN Grad-CAM', t + 1));
          }
        }
      });
    } finally {
      sam.dispose();
      x.dispose();
    }
    progress.done(k, `${idx.length} images, T = ${T}`);
  });
  return out;
}


/** 0-based steps shown by a slider: all when T ≤ 30, else every ⌈T/30⌉-th step ending at T. */
export function sliderSteps(T: number, frames = SLIDER_FRAMES): number[] {
  const stride = Math.ceil(T / frames);
  const steps: number[] = [];
  for (let t = T - 1; t >= 0; t -= stride) steps.unshift(t);
  return steps;
}

/** One row per map cell, for `heatmapSlider`. */
function cells(map: HeatMap, explanation: Explanation, step: number): Row[] {
  const rows: Row[] = [];
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) rows.push({ explanation, x, y, step, value: Math.round(map.data[y * map.width + x] * 1e4) / 1e4 });
  }
  return rows;
}



/** Grouped bars (x = training method, colour = explanation) with ±1 std error bars. */
function varianceChart(rows: Row[]): VegaLiteSpec {
  const bars = barChart(rows, { x: 'method', y: 'variance', color: 'explanation', title: `Heat-map variance at ${LAYER} (max over steps, mean over images)`, yTitle: 'variance' });
  const { $schema, title, data, width, height, mark, encoding } = bars;
  const enc = encoding as Record<string, Record<string, unknown>>;
  // Surrogate first, as in the paper; horizontal labels.
  const x = { ...enc.x, sort: ['surrogate', 'conversion'], axis: { labelAngle: 0 }, title: 'training method' };
  return {
    $schema, title, data, width, height,
    layer: [
      { mark, encoding: { ...enc, x } },
      { mark: { type: 'errorbar', ticks: { width: 8 }, color: 'black' }, encoding: { x, xOffset: enc.xOffset, y: enc.y, yError: { field: 'std' } } },
    ],
  };
}

/** SAM vs SNN Grad-CAM of the first image over time, for one method; the slider moves in the shown steps. */
function sliderChart(r: MethodResult): VegaLiteSpec {
  const spec = heatmapSlider(r.sliderRows, {
    x: 'x', y: 'y', value: 'value', step: 'step', column: 'explanation',
    title: `${r.method}: SAM vs SNN Grad-CAM at ${LAYER}, first image (T = ${r.timesteps}${r.sliderStride > 1 ? `, every ${r.sliderStride}th step` : ''}; opens at t = ${r.sliderStart})`,
  });
  // Start where SAM shows something (its first step is empty by definition), move in the shown steps.
  const params = spec.params as { value: number; bind: { step: number } }[];
  params[0].value = r.sliderStart;
  params[0].bind.step = r.sliderStride;
  return spec;
}

/** Rows = images; columns = input, then SAM and Grad-CAM of each method at its step of maximum variance. */
function gridPng(ctx: FigureContext, results: MethodResult[]): Uint8Array {
  const shown = results.length ? Math.min(...results.map((r) => r.tiles.length)) : 0;
  const abbrev = (m: Method) => (m === 'surrogate' ? 'S' : 'C');
  const tiles = Array.from({ length: shown }, (_, j) => [inputImage(ctx.val, ctx.indices[j]), ...results.flatMap((r) => r.tiles[j])]);
  return tileGridPng({
    tiles,
    title: `${LAYER}, S = surrogate, C = conversion, t of max variance`,
    columnLabels: ['input', ...results.flatMap((r) => [`${abbrev(r.method)}: SAM`, `${abbrev(r.method)}: GradCAM`])],
    rowLabels: ctx.indices.slice(0, shown).map((i) => (ctx.classNames[ctx.val.labels[i]] ?? String(ctx.val.labels[i])).slice(0, 10)),
  });
}
