/**
 * Figure 01 (paper Fig. 2): heat-map variance of every registered explanation method at conv4
 * (SAM, SNN-crafted Grad-CAM, the firing-rate map, …; `lib/explain/registry.ts`), for both
 * training methods.
 *
 * Per chunk of images and training method: every explanation on the SAME Poisson spikes
 * (`explainBatch` replays the encoder stream `rng.fork('<method>/<chunk>')` for each; the
 * streaming ones share one simulation), with γ = explain.gamma, SAM variant explain.variant and
 * SNN Grad-CAM's ground-truth class and per-step channel weights. Each step's map is normalised
 * to [0, 1] by `scaleFreeNormalise`; the heat-map variance of an image is the maximum over steps
 * of the pixel variance (paper Fig. 2b), averaged over the images. Paper claim: SAM's variance is
 * higher than Grad-CAM's for both methods (Grad-CAM's "heat-map smoothing effect").
 *
 * Why scale-free: the authors' normalisation `(m - min) / (max - min + 1e-3)` has an absolute ε.
 * SAM's raw values are spike scores of order 1, where ε is negligible, but raw Grad-CAM values are
 * products of gradients and spikes, 1e-9..1e-3 here; with the absolute ε every Grad-CAM map would
 * normalise to ≈ 0 and its variance to ≈ 0 whatever its shape, so the comparison would measure
 * the gradient scale, not the map. `<key>_variance_absolute_eps` records that number.
 *
 * Metrics per training method and explanation (key = `explanationKey`: `sam`, `snn_gradcam`,
 * `rate`): `<key>_variance`, `_variance_std`, `_variance_absolute_eps`, `<key>_max_step`
 * (1-based); `explanations` lists the ids and labels. The paper's comparison names its two
 * methods by id: `sam_higher_fraction`, and `gradcam_variance`, `_std`, `_absolute_eps`,
 * `gradcam_max_step` (SNN Grad-CAM's numbers under the names earlier runs used).
 *
 * Verdicts: `claims` holds one `Claim` per training method, "SAM variance > SNN Grad-CAM variance",
 * judged on θ = mean over images of (SAM − Grad-CAM variance), paired by image (both maps explain
 * the same run), with a seeded 95 % percentile bootstrap over the images (`pairedBootstrap`, stream
 * `rng.fork('claims/<method>')`): `holds` only where the interval lies above 0, `fails` where it
 * lies at or below 0, `inconclusive` otherwise. `sam_higher_for_both` (means only) stays for
 * comparison with earlier runs. A method other than those two gets numbers, rows and chart
 * entries, no claim.
 *
 * Outputs: a grouped bar chart (method × explanation, mean ± std over images), rows = those means,
 * a PNG grid of a few images (input, then every explanation of each method, each map at its step
 * of maximum variance) and, for the notebook, one heat-map slider chart per method (every
 * explanation side by side over time for the first image; at most 30 steps, a converted net's T
 * subsampled evenly). Steps in every output are 1-based (t = 1..T).
 */
import { toTensor } from '../data/dataset';
import { scaleFreeNormalise, type HeatMap } from '../explain/heatmap';
import { explainBatch, explanationKey, type ExplanationMaps, type ExplanationMethod } from '../explain/method';
import { explanationMethods } from '../explain/registry';
import { makeClaim, pairedBootstrap, type Claim } from '../metrics/uncertainty';
import { heatmapVarianceOverSteps } from '../metrics/variance';
import { overlay, tileGridPng, type RgbImage } from '../plot/heatmap';
import { barChart, heatmapSlider, type Row, type VegaLiteSpec } from '../plot/spec';
import { chunkProgress, chunks, inputImage, modelOrder, modelTag, PAPER_MODELS, type FigureContext, type SpikingModel } from './context';
import { mean, std, type FigureResult } from './output';
export type { FigureResult };


/** Figure name: reports/figures/01-variance/*, reports/metrics/01-variance.json, reports/plots/01-variance.csv. */
export const VARIANCE_FIGURE = '01-variance';

/** The layer of paper Fig. 2. */
const LAYER = 'conv4';
/** Images per simulation (memory stays flat). */
const CHUNK = 16;
/**
 * Images × steps per pass when a gradient method runs: BPTT keeps every step's graph (about
 * 2.5 MB per image and step at width 0.125), so long runs take fewer images at once (T = 20: 16,
 * T = 300: 4; ≈ 3 GB).
 */
const GRADCAM_IMAGE_STEPS = 1200;
/** Images shown in the PNG grid. */
const GRID_IMAGES = 4;
/** Most frames in a heat-map slider. */
const SLIDER_FRAMES = 30;
/** The paper's two methods, by id: its claim compares them. */
const CLAIM_IDS = { sam: 'sam', gradcam: 'snn-gradcam' } as const;

type Method = SpikingModel['method'];

/** Options of `figureVariance` (the defaults are what the pipeline runs). */
export interface VarianceOptions {
  /** Explanation methods to compare (default: every registered one, `explanationMethods()`). */
  explanations?: readonly ExplanationMethod[];
}

/** Per-image results of one explanation of one training method. */
interface ExplanationResult {
  explanation: ExplanationMethod;
  variance: number[];
  /** Variance under the authors' absolute ε (`normalise`), per image. */
  absoluteEps: number[];
  /** Steps (0-based) of maximum variance, per image. */
  step: number[];
}

/** Per-image results of one training method. */
interface MethodResult {
  method: Method;
  timesteps: number;
  /** One per explanation, in the order compared. */
  explanations: ExplanationResult[];
  /** Grid tiles of the first images: one overlay per explanation. */
  tiles: RgbImage[][];
  sliderRows: Row[];
  sliderStride: number;
  /** 1-based step the slider starts at: the shown step nearest to the first image's peak variance under the first explanation. */
  sliderStart: number;
}

/** Fig. 2: heat-map variance of every explanation method at conv4, surrogate and conversion. */
export async function figureVariance(ctx: FigureContext, options: VarianceOptions = {}): Promise<FigureResult> {
  const { gamma, variant } = ctx.params.explain;
  const explanations = options.explanations ?? explanationMethods();
  if (ctx.indices.length === 0) throw new Error(`${VARIANCE_FIGURE}: no images to evaluate (explain.images is 0 or the validation set is empty)`);
  if (explanations.length === 0) throw new Error(`${VARIANCE_FIGURE}: no explanation methods to compare (register one with registerExplanation)`);
  const results = ctx.snns.map((model) => runMethod(ctx, model, explanations, gamma, variant));

  const rows: Row[] = results.flatMap((r) => r.explanations.map((e) => ({
    method: r.method, explanation: e.explanation.label, variance: mean(e.variance), std: std(e.variance), images: e.variance.length,
  })));
  const metrics: Record<string, unknown> = {
    layer: LAYER, images: ctx.indices.length, gamma, sam_variant: variant, gradcam_weighting: 'per-step', normalisation: 'scale-free',
    explanations: explanations.map((e) => ({ id: e.id, label: e.label, key: explanationKey(e) })),
  };
  for (const r of results) {
    const m: Record<string, number> = { timesteps: r.timesteps };
    for (const e of r.explanations) {
      const key = explanationKey(e.explanation);
      m[`${key}_variance`] = mean(e.variance);
      m[`${key}_variance_std`] = std(e.variance);
      m[`${key}_variance_absolute_eps`] = mean(e.absoluteEps);
      /** Mean 1-based step of maximum variance. */
      m[`${key}_max_step`] = mean(e.step) + 1;
    }
    const paper = paperPair(r);
    if (paper) {
      const [sam, cam] = paper;
      Object.assign(m, {
        gradcam_variance: mean(cam.variance),
        gradcam_variance_std: std(cam.variance),
        gradcam_variance_absolute_eps: mean(cam.absoluteEps),
        gradcam_max_step: mean(cam.step) + 1,
        /** Share of images whose SAM variance exceeds their Grad-CAM variance. */
        sam_higher_fraction: mean(sam.variance.map((s, i) => (s > cam.variance[i] ? 1 : 0))),
      });
    }
    metrics[r.method] = m;
  }
  const pairs = results.flatMap((r) => {
    const p = paperPair(r);
    return p ? [{ r, sam: p[0], cam: p[1] }] : [];
  });
  // The paper's claim is about its two SNNs; other models get numbers, no verdict.
  const claimed = pairs.filter((p) => PAPER_MODELS.includes(p.r.method));
  if (claimed.length === PAPER_MODELS.length) metrics.sam_higher_for_both = claimed.every((p) => mean(p.sam.variance) > mean(p.cam.variance));
  metrics.claims = claimed.map((p) => varianceClaim(ctx, p.r.method, p.sam, p.cam));

  const chart = varianceChart(rows, modelOrder(ctx.snns));
  const sliders = results.map((r) => sliderChart(r));
  return { chart, charts: [chart, ...sliders], metrics, rows, pngs: { grid: gridPng(ctx, results) } };
}

/** SAM's and SNN Grad-CAM's results of one training method, when both were compared. */
function paperPair(r: MethodResult): [ExplanationResult, ExplanationResult] | null {
  const sam = r.explanations.find((e) => e.explanation.id === CLAIM_IDS.sam);
  const cam = r.explanations.find((e) => e.explanation.id === CLAIM_IDS.gradcam);
  return sam && cam ? [sam, cam] : null;
}

/** Paper Fig. 2b for one method: SAM's variance exceeds Grad-CAM's, paired over the images. */
function varianceClaim(ctx: FigureContext, method: Method, sam: ExplanationResult, cam: ExplanationResult): Claim {
  const interval = pairedBootstrap(sam.variance, cam.variance, { rng: ctx.rng.fork(`claims/${method}`) });
  return makeClaim({
    id: `sam_variance_gt_gradcam_${method}`,
    statement: `SAM variance > SNN Grad-CAM variance (${method})`,
    metric: `mean over images of SAM − SNN Grad-CAM heat-map variance at ${LAYER} (max over steps, scale-free normalisation), paired by image`,
    seeds: [ctx.params.seed],
  }, interval);
}

function runMethod(ctx: FigureContext, model: SpikingModel, explanations: readonly ExplanationMethod[], gamma: number, variant: 'paper' | 'reference'): MethodResult {
  const { method, net, timesteps: T } = model;
  const out: MethodResult = {
    method, timesteps: T, explanations: explanations.map((explanation) => ({ explanation, variance: [], absoluteEps: [], step: [] })),
    tiles: [], sliderRows: [], sliderStride: 1, sliderStart: 1,
  };
  const size = explanations.some((e) => e.needsGradient) ? Math.max(1, Math.min(CHUNK, Math.floor(GRADCAM_IMAGE_STEPS / T))) : CHUNK;
  const parts = chunks(ctx.indices, size);
  const progress = chunkProgress(VARIANCE_FIGURE, parts.length, method);
  parts.forEach((idx, k) => {
    const x = toTensor(ctx.val, idx);
    try {
      // One encoder stream per (method, chunk), replayed for every explanation: all maps explain one run.
      const { maps } = explainBatch(explanations, {
        net, images: x, variant: ctx.variant, timesteps: T, layers: [LAYER], targets: idx.map((i) => ctx.val.labels[i]),
        rng: ctx.rng.fork(`${method}/${k}`), options: { gamma, samVariant: variant, camWeighting: 'per-step' },
      });
      idx.forEach((i, b) => {
        const scored = out.explanations.map((e) => {
          const ex = maps.get(e.explanation.id) as ExplanationMaps;
          const normalised = ex.series(LAYER, 'raw', b).map(scaleFreeNormalise);
          const v = heatmapVarianceOverSteps(normalised);
          e.variance.push(v.value);
          e.step.push(v.step);
          e.absoluteEps.push(heatmapVarianceOverSteps(ex.series(LAYER, 'normalised', b)).value);
          return { label: e.explanation.label, normalised, step: v.step };
        });
        if (out.tiles.length < GRID_IMAGES) {
          const base = inputImage(ctx.val, i);
          out.tiles.push(scored.map((s) => overlay(base, s.normalised[s.step])));
        }
        if (k === 0 && b === 0) {
          const frames = sliderSteps(T);
          const peak = scored[0].step;
          out.sliderStride = frames.length > 1 ? frames[1] - frames[0] : 1;
          out.sliderStart = frames.reduce((best, t) => (Math.abs(t - peak) < Math.abs(best - peak) ? t : best), frames[0]) + 1;
          for (const t of frames) for (const s of scored) out.sliderRows.push(...cells(s.normalised[t], s.label, t + 1));
        }
      });
    } finally {
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
function cells(map: HeatMap, explanation: string, step: number): Row[] {
  const rows: Row[] = [];
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) rows.push({ explanation, x, y, step, value: Math.round(map.data[y * map.width + x] * 1e4) / 1e4 });
  }
  return rows;
}



/** Grouped bars (x = training method, colour = explanation) with ±1 std error bars. */
function varianceChart(rows: Row[], order: string[]): VegaLiteSpec {
  const bars = barChart(rows, { x: 'method', y: 'variance', color: 'explanation', title: `Heat-map variance at ${LAYER} (max over steps, mean over images)`, yTitle: 'variance' });
  const { $schema, title, data, width, height, mark, encoding } = bars;
  const enc = encoding as Record<string, Record<string, unknown>>;
  // The paper's order (surrogate, conversion), then any further model; horizontal labels.
  const x = { ...enc.x, sort: order, axis: { labelAngle: 0 }, title: 'SNN' };
  return {
    $schema, title, data, width, height,
    layer: [
      { mark, encoding: { ...enc, x } },
      { mark: { type: 'errorbar', ticks: { width: 8 }, color: 'black' }, encoding: { x, xOffset: enc.xOffset, y: enc.y, yError: { field: 'std' } } },
    ],
  };
}

/** Every explanation of the first image over time, for one method; the slider moves in the shown steps. */
function sliderChart(r: MethodResult): VegaLiteSpec {
  const spec = heatmapSlider(r.sliderRows, {
    x: 'x', y: 'y', value: 'value', step: 'step', column: 'explanation',
    title: `${r.method}: ${r.explanations.map((e) => e.explanation.label).join(' vs ')} at ${LAYER}, first image (T = ${r.timesteps}${r.sliderStride > 1 ? `, every ${r.sliderStride}th step` : ''}; opens at t = ${r.sliderStart})`,
  });
  // Start where the first explanation shows something (SAM's first step is empty by definition), move in the shown steps.
  const params = spec.params as { value: number; bind: { step: number } }[];
  params[0].value = r.sliderStart;
  params[0].bind.step = r.sliderStride;
  return spec;
}

/** Rows = images; columns = input, then every explanation of each method at its step of maximum variance. */
function gridPng(ctx: FigureContext, results: MethodResult[]): Uint8Array {
  const shown = results.length ? Math.min(...results.map((r) => r.tiles.length)) : 0;
  const tiles = Array.from({ length: shown }, (_, j) => [inputImage(ctx.val, ctx.indices[j]), ...results.flatMap((r) => r.tiles[j])]);
  return tileGridPng({
    tiles,
    title: `${LAYER}, ${results.map((r) => `${modelTag(r.method)} = ${r.method}`).join(', ')}, t of max variance`,
    columnLabels: ['input', ...results.flatMap((r) => r.explanations.map((e) => `${modelTag(r.method)}: ${e.explanation.shortLabel ?? e.explanation.label}`))],
    rowLabels: ctx.indices.slice(0, shown).map((i) => (ctx.classNames[ctx.val.labels[i]] ?? String(ctx.val.labels[i])).slice(0, 10)),
  });
}
