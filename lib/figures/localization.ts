/**
 * Figure 04 (paper Fig. 4 and Fig. 5c, plus box scores and faithfulness): where SAM looks, layer
 * by layer, how far that is from the ANN's Grad-CAM, and how much the verdicts depend on the
 * choices the paper leaves open.
 *
 * Per chunk of ≤ 16 validation images: the ANN's Grad-CAM G at each layer of `explain.layers`
 * (ground-truth class), and for each SNN (surrogate, conversion) every registered explanation
 * method on those layers (`lib/explain/registry.ts`: SAM with γ = explain.gamma and
 * explain.variant, the firing-rate map, …, one simulation for the streaming ones; gradient
 * methods such as SNN-crafted Grad-CAM, ground-truth class, for `snnGradCamMethods` only, default
 * surrogate: their BPTT through a converted net's `convert.timesteps` steps, 300 by default,
 * costs minutes on a CPU), all on the encoder stream `rng.fork('<method>/<chunk>')`. Every
 * explanation gets E under the default setting, box scores and faithfulness, named
 * `<explanation key>_<method>` (`sam_surrogate`, `rate_conversion`); the paper's claims, their
 * sensitivity, the Fig. 4 grid and the slider are SAM's.
 *
 * - Fig. 5c: localization error `E = min_t BCE(G, M_t)` (paper Eq. 10) per image, under the
 *   DEFAULT choices (`LOCALIZATION_CHOICES`, first option of each):
 *     · BCE clamp ε = 1e-7: M ∈ [ε, 1 − ε] before the logarithms;
 *     · scale-free normalisation `(m − min) / ((max − min)(1 + 1e-3))` of G and every M_t (raw
 *       Grad-CAM values are 1e-4..1e-2 here, where the authors' absolute ε of 1e-3 would squash
 *       G towards 0);
 *     · minimum over t;
 *     · empty maps (a step whose map is constant, all zero once normalised) excluded from the
 *       minimum (all steps are used if every one is empty);
 *     · G and M_t at the layer's own resolution (SAM and Grad-CAM of one layer share its grid).
 *   Claims (paired per image, seeded 95 % percentile bootstrap over images, `pairedBootstrap`
 *   with stream `rng.fork('claims/<id>')`): E grows with depth, for each method and each pair of
 *   consecutive layers plus shallowest → deepest (θ = mean E(deeper) − E(shallower) > 0); and
 *   conversion's E is above surrogate's at every layer (θ = mean E_conv − E_surr > 0).
 * - Sensitivity: the same claims with one choice changed at a time (ε ∈ {1e-3, e^-100};
 *   absolute-ε normalisation; mean over t or the error of the time-averaged map; empty maps
 *   included; both maps upsampled bilinearly to the input). Each claim uses the same bootstrap
 *   stream under every option, so a changed verdict comes from the option, not from resampling.
 * - Fig. 4: a PNG grid per shown image, rows = layer × method, columns = the input, SAM at
 *   `explain.sample_steps` evenly spaced steps (each tile stamped with its 1-based t; column
 *   headers give the fraction of T, since the two methods run for different T), and the ANN's
 *   Grad-CAM at that layer.
 * - Beyond the paper, box scores against the data set's ground-truth boxes (images with a
 *   degenerate box are skipped): the pointing game (Zhang et al. 2016) at the layer's own
 *   resolution, as Eq. 10 is scored (hit when a cell holding the map's maximum overlaps the box:
 *   the map says which neuron is most active, and where an upsampled copy peaks inside that cell
 *   is interpolation; at conv6 a cell spans 8 px, so a cell overlapping the object can peak up to
 *   4 px outside its box), the same on the map upsampled to the image (its maximum pixel inside
 *   the box), and the share of the upsampled map's energy inside the box, each with its 95 %
 *   bootstrap interval, next to the chance levels (a random cell's hit rate; the box's share of
 *   the image, what a uniform map scores and a random pixel hits), for every explanation and
 *   the ANN's Grad-CAM, all upsampled bilinearly to the image. An SNN map here is the TIME-AVERAGE of the raw maps M_t (then normalised): it needs no
 *   reference, where the step of minimal localization error would borrow the ANN's Grad-CAM to
 *   pick the step. Claims per (explanation, layer): energy in the box > the box's area share, and
 *   pointing-game hit rate > a random cell's (the share of the layer's cells overlapping the
 *   box), paired per image.
 * - Beyond the paper, faithfulness (Petsiuk et al. 2018): deletion and insertion AUCs of the same
 *   time-averaged maps at `faithfulness.layers` (default conv6), K = 8 steps, deleted pixels set
 *   to 0 (black, the scenes' background), score = the explained model's softmax probability of
 *   the ground-truth class (ANN Grad-CAM: the ANN; an SNN's explanations: the SNN they explain,
 *   fresh Poisson input per call). An explanation of an SNN with T steps is scored on the first
 *   `min(maxImages, ⌊imageSteps / ((2K + 2)·T)⌋)` images (defaults 128 and 45 000 image-steps:
 *   the first 128 for T = 8, 125 for T = 20, 8 for T = 300; about 20 s each on a 2-core CPU; the
 *   ANN's Grad-CAM, which costs no simulation, on every image), all curves of a chunk batched into
 *   one model call (`pooledScores`).
 *
 * Outputs: main chart = E vs layer, one line per (explanation, method); a bar chart of the box scores; a
 * heat-map slider (SAM of the first image at conv4, surrogate and conversion side by side, at
 * most 30 frames, frame k showing step round(k·T/K) of each method); rows = one per (explanation,
 * method, layer) with interval columns; metrics nest E with its interval and step, the claims,
 * the sensitivity rows, the box scores and faithfulness with intervals; `tables` holds the same
 * as markdown for the notebook. Steps are 1-based in every output.
 */
import * as tf from '@tensorflow/tfjs-core';
import { boxOf, toTensor, type Box } from '../data/dataset';
import { convLayer, gradCam, type ConvLayer } from '../explain/gradcam';
import { meanMap, scaleFreeNormalise, upsample, type HeatMap } from '../explain/heatmap';
import { explainBatch, explanationKey, type ExplanationMaps, type ExplanationMethod } from '../explain/method';
import { explanationMethods, paperExplanation, PAPER_EXPLANATION } from '../explain/registry';
import { contentCells, peakLocation, pointingGame, energyInBox, PEAK_LOCATIONS, type PeakLocation } from '../metrics/box';
import { INK_THRESHOLD } from '../data/scenes';
import { sampleSteps } from '../metrics/steps';
import { layerNumber } from '../model/vgg';
import { boxAreaShare, gridPointingChance } from '../metrics/box-area';
import { deletionCurve, insertionCurve } from '../metrics/faithfulness';
import { binaryCrossEntropy } from '../metrics/localization';
import {
  aggregateStepErrors, isEmptyMap, normaliseMap, type AggregatedError, type EmptyMaps, type Normalisation, type StepAggregation,
} from '../metrics/localization-choices';
import { pooledScores, type BatchScoreFn } from '../metrics/pooled-score';
import { sensitivityRows, verdictChanges, type SensitivityRow } from '../metrics/sensitivity';
import { bootstrapInterval, makeClaim, pairedBootstrap, type Claim, type Interval, type Verdict } from '../metrics/uncertainty';
import { overlay, outlineBox, tileGrid, encodePng, stackImages, stamp, type Rgb } from '../plot/heatmap';
import { barChart, cells, framesSlider, hconcat, lineChart, readableBars, type Row, type VegaLiteSpec } from '../plot/spec';
import { annLogits } from '../ann/logits';
import { snnLogits } from '../snn/logits';
import type { Rng } from '../random';
import { chunkProgress, chunks, inputImage, modelShortName, PAPER_MODELS, surrogateTrained, type FigureContext, type SpikingModel } from './context';
import { mean, std, type FigureResult } from './output';


/** Figure name: reports/figures/04-localization/*, reports/metrics/04-localization.json, reports/plots/04-localization.csv. */
export const LOCALIZATION_FIGURE = '04-localization';

type Method = SpikingModel['method'];

/** Images per simulation (memory stays flat). */
export const LOCALIZATION_CHUNK = 16;
const CHUNK = LOCALIZATION_CHUNK;

/** The encoder stream of chunk `k` of `method`'s network: every explanation of the chunk replays it. */
export function localizationStream(figure: Rng, method: string, k: number): Rng {
  return figure.fork(`${method}/${k}`);
}
/** Images shown in the PNG grid. */
const GRID_IMAGES = 3;
/** Most frames of a heat-map slider. */
const SLIDER_FRAMES = 30;
/** Deletion / insertion steps K. */
const FAITHFULNESS_STEPS = 8;
/** Image-steps (images × model steps) one SNN explanation's deletion and insertion curves may cost, per layer. */
const FAITHFULNESS_IMAGE_STEPS = 45_000;
/** Most images an SNN explanation's curves run on (a T = 8 net would otherwise take all 256 at 36 000 image-steps each). */
const FAITHFULNESS_MAX_IMAGES = 128;
/** Images per model call when scoring faithfulness curves (larger batches were slower per image on 2 cores). */
const SCORE_BATCH = 64;
/** Coverage of every interval. */
const LEVEL = 0.95;

/** One option of Eq. 10's open choices, as a full setting. */
export interface ErrorSetting {
  eps: number;
  normalisation: Normalisation;
  /** Per-step errors reduced by min or mean, or the error of the time-averaged map. */
  aggregation: StepAggregation | 'time-average';
  emptyMaps: EmptyMaps;
  /** G and M_t at the layer's own grid, or both upsampled bilinearly to the input. */
  resolution: 'layer' | 'input';
}

/** A choice the paper leaves open and its options; the first option is figure 04's default. */
export interface OpenChoice {
  choice: string;
  options: { option: string; set: Partial<ErrorSetting> }[];
}

/** The defaults of figure 04's localization error. */
export const DEFAULT_ERROR_SETTING: ErrorSetting = { eps: 1e-7, normalisation: 'scale-free', aggregation: 'min', emptyMaps: 'exclude', resolution: 'layer' };

/** The open choices of Eq. 10 the sensitivity table varies, one at a time; first option = default. */
export const LOCALIZATION_CHOICES: readonly OpenChoice[] = [
  { choice: 'BCE clamp ε', options: [{ option: '1e-7', set: {} }, { option: '1e-3', set: { eps: 1e-3 } }, { option: 'e^-100', set: { eps: Math.exp(-100) } }] },
  { choice: 'normalisation', options: [{ option: 'scale-free', set: {} }, { option: 'absolute ε = 1e-3', set: { normalisation: 'absolute-eps' } }] },
  { choice: 'aggregation over t', options: [{ option: 'min over t', set: {} }, { option: 'mean over t', set: { aggregation: 'mean' } }, { option: 'time-averaged map', set: { aggregation: 'time-average' } }] },
  { choice: 'empty maps', options: [{ option: 'excluded', set: {} }, { option: 'included', set: { emptyMaps: 'include' } }] },
  { choice: 'resolution', options: [{ option: "layer's own", set: {} }, { option: 'upsampled to input', set: { resolution: 'input' } }] },
];

/** Faithfulness settings (`false` skips it). */
export interface FaithfulnessSettings {
  /** Layers whose maps are scored (default conv6 if among `explain.layers`, else the deepest). */
  layers?: readonly (ConvLayer | number)[];
  /** Deletion / insertion steps K (default 8). */
  steps?: number;
  /** Budget per explanation and layer in images × model steps (default 45 000: 125 images at T = 20, 8 at T = 300). */
  imageSteps?: number;
  /** Most images per SNN explanation and layer (default 128); the ANN's Grad-CAM runs on every image. */
  maxImages?: number;
}

/** Options of `figureLocalization` (the defaults are what the pipeline runs). */
export interface LocalizationOptions {
  /** Explanation methods to score (default: every registered one, `explanationMethods()`). */
  explanations?: readonly ExplanationMethod[];
  /**
   * Training methods whose gradient explanations (SNN-crafted Grad-CAM, any `needsGradient`
   * method) run: BPTT over all T steps costs minutes for a converted net's 300 (default: the surrogate-trained SNNs).
   */
  snnGradCamMethods?: readonly Method[];
  /** Images in the PNG grid (default 3). */
  gridImages?: number;
  /** Deletion / insertion AUCs; `false` skips them. */
  faithfulness?: FaithfulnessSettings | false;
  /** Bootstrap resamples per interval (default 2000). */
  resamples?: number;
}

/** Figure 04's outputs plus markdown tables for the notebook. */
export interface LocalizationResult extends FigureResult {
  /** Flat rows of the sensitivity table (also in the metrics as `sensitivity.rows`). */
  sensitivity: SensitivityRow[];
  /** Markdown: `claims` (Fig. 5c verdicts), `sensitivity` (verdict per option), `boxes`, `pointingByStep` (SAM's per-step maps), `peakLocation` (where maxima lie), `faithfulness`. */
  tables: { claims: string; sensitivity: string; boxes: string; pointingByStep: string; peakLocation: string; faithfulness: string };
}

/** Per image results of one (explanation, method) at one layer. */
interface Scores {
  /** E under the default setting. */
  error: number[];
  /** 0-based step of the minimal error. */
  step: number[];
  /** E under each sensitivity option (key `choice=option`), SAM only. */
  variants: Map<string, number[]>;
  /** Per image: share of steps whose map is empty. */
  emptyShare: number[];
  /** Images whose every map is empty. */
  allEmpty: number;
  /** Images with a non-empty step where, with empty maps included, an empty map still attains the minimum. */
  emptyWins: number;
  /** Pointing-game hits at the layer's own resolution (the maximum's cell overlaps the box), per boxed image. */
  pointing: number[];
  /** Pointing-game hits of the map upsampled to the image (its maximum pixel inside the box), per boxed image. */
  pointingUpsampled: number[];
  energy: number[];
  /** Box area share of the image (the chance level of energy in the box and of upsampled pointing), per boxed image. */
  area: number[];
  /** Share of the layer's cells that overlap the box (a random cell's hit rate), per boxed image. */
  pointArea: number[];
  /** SAM only: pointing-game hits of each step's own map (not time-averaged), summed over the boxed images, per 0-based step. */
  pointingByStep: number[];
  /** Where the time-averaged map's maximum lies (`peakLocation`), counted over the boxed images. */
  peaks: Record<PeakLocation, number>;
  /** SAM only: the same for each step's own map, per 0-based step. */
  peaksByStep: Array<Record<PeakLocation, number>>;
  deletion: number[];
  insertion: number[];
}

/** One explanation's scores of one model, per layer, with its names for tables and rows. */
interface Source {
  /** The explanation's label (`SAM`, `ANN Grad-CAM`). */
  explanation: string;
  /** The training method of the explained SNN, or `ann`. */
  method: string;
  byLayer: Map<ConvLayer, Scores>;
}

/** The reference explanation: the ANN's Grad-CAM (Eq. 10's G, also scored on boxes and faithfulness). */
const ANN_SOURCE = { name: 'ann_gradcam', explanation: 'ANN Grad-CAM', method: 'ann' } as const;

const emptyScores = (): Scores => ({ error: [], step: [], variants: new Map(), emptyShare: [], allEmpty: 0, emptyWins: 0, pointing: [], pointingUpsampled: [], energy: [], area: [], pointArea: [], pointingByStep: [], peaks: noPeaks(), peaksByStep: [], deletion: [], insertion: [] });
const noPeaks = (): Record<PeakLocation, number> => ({ box: 0, content: 0, ring: 0, background: 0, none: 0 });

/** Key of a sensitivity option. */
const optionKey = (choice: string, option: string) => `${choice}=${option}`;

/** Every non-default option with its full setting. */
function alternativeSettings(): { choice: string; option: string; key: string; setting: ErrorSetting }[] {
  return LOCALIZATION_CHOICES.flatMap((c) => c.options.slice(1).map((o) => ({ choice: c.choice, option: o.option, key: optionKey(c.choice, o.option), setting: { ...DEFAULT_ERROR_SETTING, ...o.set } })));
}

/** Fig. 4 + Fig. 5c: every explanation per layer and method, its localization error vs the ANN's Grad-CAM, box scores, faithfulness; SAM's claims and their sensitivity. */
export async function figureLocalization(ctx: FigureContext, options: LocalizationOptions = {}): Promise<LocalizationResult> {
  const { gamma, variant } = ctx.params.explain;
  const layers = [...new Set(ctx.params.explain.layers.map((l) => convLayer(l)))];
  const gradMethods = new Set(options.snnGradCamMethods ?? surrogateTrained(ctx.snns));
  const explanations = options.explanations ?? explanationMethods();
  if (explanations.length === 0) throw new Error(`${LOCALIZATION_FIGURE}: no explanation methods to score (register one with registerExplanation)`);
  // Fig. 5c's claims and their sensitivity are about SAM; Fig. 4's grid and the slider show it (or the first method without it).
  const claimed = explanations.find((e) => e.id === PAPER_EXPLANATION);
  const shown = paperExplanation(explanations);
  const gridCount = options.gridImages ?? GRID_IMAGES;
  const resamples = options.resamples ?? 2000;
  if (ctx.indices.length === 0) throw new Error(`${LOCALIZATION_FIGURE}: no images to evaluate (explain.images is 0 or the validation set is empty)`);
  const { height: H, width: W } = ctx.val;
  const sliderLayer: ConvLayer = layers.includes('conv4') ? 'conv4' : layers[0];
  const maxT = Math.max(...ctx.snns.map((m) => m.timesteps));
  const columns = Math.min(ctx.params.explain.sample_steps, maxT);
  const frames = Math.min(SLIDER_FRAMES, maxT);
  const faith = faithfulnessPlan(options.faithfulness, layers);
  const alternatives = alternativeSettings();
  // The option "empty maps included" (min over t): did an empty map attain the minimum?
  const includedAt = alternatives.findIndex((a) => a.setting.emptyMaps === 'include' && a.setting.aggregation === 'min');

  // Scores per source (metric name: `ann_gradcam`, `<explanation key>_<method>`) and layer.
  const sources = new Map<string, Source>();
  const at = (name: string, explanation: string, method: string, layer: ConvLayer): Scores => {
    if (!sources.has(name)) sources.set(name, { explanation, method, byLayer: new Map() });
    const m = (sources.get(name) as Source).byLayer;
    if (!m.has(layer)) m.set(layer, emptyScores());
    return m.get(layer) as Scores;
  };
  const ann = (layer: ConvLayer) => at(ANN_SOURCE.name, ANN_SOURCE.explanation, ANN_SOURCE.method, layer);
  const chance: number[] = [];
  let degenerate = 0;
  const grid: GridImage[] = [];
  const sliderRows: Row[] = [];
  let faithSeconds = 0;

  const parts = chunks(ctx.indices, CHUNK);
  const progress = chunkProgress(LOCALIZATION_FIGURE, parts.length);
  for (const [k, idx] of parts.entries()) {
    const x = toTensor(ctx.val, idx);
    const labels = idx.map((i) => ctx.val.labels[i]);
    // Position of each image of the chunk among all evaluated images (faithfulness takes the first n).
    const positions = idx.map((_, b) => k * CHUNK + b);
    // Faithfulness jobs of this chunk: maps at the input size, run after the chunk's maps are made.
    const jobs: FaithJob[] = [];
    try {
      // The ANN's Grad-CAM: the reference G of Eq. 10 and one explanation scored on boxes.
      const Graw = new Map<ConvLayer, HeatMap[]>();
      const G = new Map<ConvLayer, HeatMap[]>();
      for (const layer of layers) {
        const cam = gradCam(ctx.ann, x, { layer, targets: labels, variant: ctx.variant });
        Graw.set(layer, idx.map((_, b) => cam.map(0, b)));
        G.set(layer, idx.map((_, b) => scaleFreeNormalise(cam.map(0, b))));
      }
      const boxes = idx.map((i) => (ctx.val.degenerate[i] ? null : boxOf(ctx.val, i)));
      // Per image and grid size: which cells hold image content (for where a missed peak lies).
      const contentMemo = new Map<string, Uint8Array>();
      const content = (b: number, grid: HeatMap): Uint8Array => {
        const key = `${b}/${grid.height}x${grid.width}`;
        let c = contentMemo.get(key);
        if (!c) {
          const n = H * W * 3;
          c = contentCells(ctx.val.images.subarray(idx[b] * n, (idx[b] + 1) * n), H, W, grid.height, grid.width, INK_THRESHOLD);
          contentMemo.set(key, c);
        }
        return c;
      };
      boxes.forEach((box) => {
        if (box) chance.push(boxAreaShare(box, H, W));
        else degenerate++;
      });
      for (const layer of layers) {
        const grids = G.get(layer) as HeatMap[];
        const maps = grids.map((g) => upsample(g, H, W));
        idx.forEach((_, b) => scoreBox(ann(layer), grids[b], maps[b], boxes[b], H, W, content(b, grids[b])));
        if (faith.layers.includes(layer)) jobs.push(faithJob(faith, ann(layer), 1, maps, positions, 'ann', `${ANN_SOURCE.name}/${layer}`));
      }
      if (k === 0) idx.slice(0, gridCount).forEach((i, b) => grid.push({ index: i, rows: [], gradcam: layers.map((l) => (G.get(l) as HeatMap[])[b]) }));

      for (const model of ctx.snns) {
        const { method, net, timesteps: T } = model;
        const mine = explanations.filter((e) => !e.needsGradient || gradMethods.has(method));
        // One encoder stream per (method, chunk), replayed by every explanation: all explain the same spikes.
        const { maps: explained } = explainBatch(mine, {
          net, images: x, variant: ctx.variant, timesteps: T, layers, targets: labels, rng: localizationStream(ctx.rng, method, k), options: { gamma, samVariant: variant },
        });
        for (const e of mine) {
          const ex = explained.get(e.id) as ExplanationMaps;
          const name = `${explanationKey(e)}_${method}`;
          // The claims' method is scored under every setting of the sensitivity table; the others under the default.
          const settings = e === claimed ? [DEFAULT_ERROR_SETTING, ...alternatives.map((a) => a.setting)] : [DEFAULT_ERROR_SETTING];
          for (const layer of layers) {
            const s = at(name, e.label, method, layer);
            const averaged: HeatMap[] = [];
            idx.forEach((_, b) => {
              const raw = ex.series(layer, 'raw', b);
              const errors = errorsUnder(((Graw.get(layer) as HeatMap[])[b]), raw, settings, H, W);
              recordErrors(s, errors[0], raw);
              if (e === claimed) {
                const box = boxes[b];
                if (box) {
                  raw.forEach((m, t) => {
                    const where = peakLocation(scaleFreeNormalise(m), box, content(b, m), H, W);
                    s.pointingByStep[t] = (s.pointingByStep[t] ?? 0) + (where === 'box' ? 1 : 0);
                    (s.peaksByStep[t] ??= noPeaks())[where]++;
                  });
                }
                alternatives.forEach((a, j) => pushTo(s.variants, a.key, errors[j + 1].value));
                const included = includedAt >= 0 ? errors[includedAt + 1] : null;
                if (included && !included.allEmpty && included.step !== null && isEmptyMap(raw[included.step])) s.emptyWins++;
              }
              const avgGrid = scaleFreeNormalise(meanMap(raw));
              const avg = upsample(avgGrid, H, W);
              averaged.push(avg);
              scoreBox(s, avgGrid, avg, boxes[b], H, W, content(b, avgGrid));
              if (e !== shown) return;
              const maps = raw.map(scaleFreeNormalise);
              if (k === 0 && b < grid.length) {
                const steps = sampleSteps(T, columns);
                grid[b].rows.push({ layer, method, T, steps, maps: steps.map((t) => maps[t]) });
              }
              if (k === 0 && b === 0 && layer === sliderLayer) {
                for (const t of new Set(sampleSteps(T, frames))) sliderRows.push(...cells(maps[t], { method, T, step: t + 1 }));
              }
            });
            if (faith.layers.includes(layer)) jobs.push(faithJob(faith, s, T, averaged, positions, model, `${name}/${layer}`));
          }
        }
      }
      const t0 = Date.now();
      for (const job of jobs) await runFaithJob(ctx, job, x, labels, k);
      faithSeconds += (Date.now() - t0) / 1000;
    } finally {
      x.dispose();
    }
    progress.done(k, `${idx.length} images; ${ctx.snns.map((m) => `${m.method} T = ${m.timesteps}`).join(', ')}`);
  }
  if (faith.enabled) console.error(`${LOCALIZATION_FIGURE}: deletion / insertion curves took ${faithSeconds.toFixed(1)} s in all`);

  // ---- intervals (one seeded stream per quantity)
  const ci = (values: number[], label: string): Interval => bootstrapInterval(values, { rng: ctx.rng.fork(`ci/${label}`), resamples, level: LEVEL });
  const paired = (a: number[], b: number[], label: string): Interval => pairedBootstrap(a, b, { rng: ctx.rng.fork(label), resamples, level: LEVEL });
  const brief = (i: Interval) => ({ value: i.value, low: i.low, high: i.high });

  // ---- rows and metrics
  const rows: Row[] = [];
  const metrics: Record<string, unknown> = {
    images: ctx.indices.length, box_images: chance.length, degenerate_boxes: degenerate, gamma,
    interval_level: LEVEL, bootstrap_resamples: resamples,
    error_setting: describeSetting(DEFAULT_ERROR_SETTING),
  };
  const localization: Record<string, Record<string, number>> = {};
  const localizationCi: Record<string, Record<string, Record<string, number>>> = {};
  const locStep: Record<string, Record<string, number>> = {};
  const emptyMaps: Record<string, Record<string, Record<string, number>>> = {};
  const pointing: Record<string, Record<string, number>> = {};
  const pointingUpsampled: Record<string, Record<string, number>> = {};
  const energy: Record<string, Record<string, number>> = {};
  const boxScores: Record<string, Record<string, Record<string, unknown>>> = {};
  const faithResults: Record<string, Record<string, Record<string, unknown>>> = {};
  const boxClaims: Claim[] = [];
  for (const [name, { explanation, method, byLayer }] of sources) {
    for (const layer of layers) {
      const s = byLayer.get(layer);
      if (!s) continue;
      const hasError = s.error.length > 0;
      const hasBox = s.pointing.length > 0;
      const e = hasError ? ci(s.error, `${name}/${layer}/error`) : null;
      const p = hasBox ? ci(s.pointing, `${name}/${layer}/pointing`) : null;
      const pu = hasBox ? ci(s.pointingUpsampled, `${name}/${layer}/pointing-upsampled`) : null;
      const en = hasBox ? ci(s.energy, `${name}/${layer}/energy`) : null;
      rows.push({
        explanation, method, layer: layerNumber(layer),
        error: e ? e.value : null,
        error_std: hasError ? std(s.error) : null,
        error_low: e ? e.low : null,
        error_high: e ? e.high : null,
        pointing_game: p ? p.value : null,
        pointing_game_low: p ? p.low : null,
        pointing_game_high: p ? p.high : null,
        pointing_game_upsampled: pu ? pu.value : null,
        pointing_chance: hasBox ? mean(s.pointArea) : null,
        energy_in_box: en ? en.value : null,
        energy_in_box_low: en ? en.low : null,
        energy_in_box_high: en ? en.high : null,
        box_area_share: hasBox ? mean(s.area) : null,
        images: Math.max(s.error.length, s.pointing.length),
      });
      if (e) {
        (localization[name] ??= {})[layer] = e.value;
        (localizationCi[name] ??= {})[layer] = { ...brief(e), n: e.n };
        (locStep[name] ??= {})[layer] = mean(s.step) + 1;
        (emptyMaps[name] ??= {})[layer] = { empty_step_share: mean(s.emptyShare), all_empty_images: s.allEmpty, empty_map_wins_if_included: s.emptyWins };
      }
      if (p && pu && en) {
        (pointing[name] ??= {})[layer] = p.value;
        (pointingUpsampled[name] ??= {})[layer] = pu.value;
        (energy[name] ??= {})[layer] = en.value;
        const overArea = paired(s.energy, s.area, `claims/energy_above_area_${name}_${layer}`);
        const overChance = paired(s.pointing, s.pointArea, `claims/pointing_above_chance_${name}_${layer}`);
        (boxScores[name] ??= {})[layer] = {
          n: p.n, pointing_game: brief(p), pointing_chance: mean(s.pointArea), pointing_game_upsampled: brief(pu),
          energy_in_box: brief(en), box_area_share: mean(s.area),
          energy_minus_area: brief(overArea), pointing_minus_area: brief(overChance),
        };
        const what = `${sourceName(sources, name)} at ${layer}`;
        boxClaims.push(makeClaim({
          id: `energy_above_area_${name}_${layer}`, statement: `Energy in the box > the box's area share: ${what}`,
          metric: 'mean over boxed images of (energy share inside the box − box area share), time-averaged map upsampled to the image, paired by image', seeds: [ctx.params.seed],
        }, overArea));
        boxClaims.push(makeClaim({
          id: `pointing_above_chance_${name}_${layer}`, statement: `Pointing-game hit rate > a random point's: ${what}`,
          metric: 'mean over boxed images of (hit − share of the layer\'s cells that overlap the box), hit = a cell holding the time-averaged map\'s maximum overlaps the box, paired by image', seeds: [ctx.params.seed],
        }, overChance));
      }
      if (s.deletion.length) {
        (faithResults[name] ??= {})[layer] = {
          n: s.deletion.length,
          deletion_auc: brief(ci(s.deletion, `${name}/${layer}/deletion`)),
          insertion_auc: brief(ci(s.insertion, `${name}/${layer}/insertion`)),
        };
      }
    }
  }
  const chanceValue = chance.length ? mean(chance) : 0;
  const pointingChance: Record<string, number> = {};
  for (const layer of layers) {
    const cells = ann(layer).pointArea;
    pointingChance[layer] = cells.length ? mean(cells) : 0;
    rows.push({
      explanation: 'chance', method: 'uniform map', layer: layerNumber(layer), error: null, error_std: null, error_low: null, error_high: null,
      pointing_game: pointingChance[layer], pointing_game_low: null, pointing_game_high: null, pointing_game_upsampled: chanceValue, pointing_chance: pointingChance[layer],
      energy_in_box: chanceValue, energy_in_box_low: null, energy_in_box_high: null,
      box_area_share: chanceValue, images: chance.length,
    });
  }
  metrics.localization_error = localization;
  metrics.localization_error_ci = localizationCi;
  metrics.localization_step = locStep;
  metrics.empty_maps = emptyMaps;
  metrics.pointing_game = pointing;
  metrics.pointing_game_upsampled = pointingUpsampled;
  metrics.energy_in_box = energy;
  metrics.chance = chanceValue;
  metrics.pointing_chance = pointingChance;
  metrics.box_scores = boxScores;
  // SAM's pointing game step by step, each step's own map: where in the run it localizes.
  const byStep: Record<string, Record<string, number[]>> = {};
  for (const [name, src] of sources) {
    for (const [layer, sc] of src.byLayer) if (sc.pointingByStep.length && sc.pointing.length) (byStep[name] ??= {})[layer] = sc.pointingByStep.map((h) => h / sc.pointing.length);
  }
  metrics.pointing_game_by_step = byStep;
  // Where the maximum lies when it misses the box: other image content, the border ring, or blank background.
  const share = (c: Record<PeakLocation, number>, n: number) => Object.fromEntries(PEAK_LOCATIONS.map((k) => [k, n ? c[k] / n : 0])) as Record<PeakLocation, number>;
  const peaks: Record<string, Record<string, Record<PeakLocation, number>>> = {};
  const peaksByStep: Record<string, Record<string, Array<Record<PeakLocation, number>>>> = {};
  for (const [name, src] of sources) {
    for (const [layer, sc] of src.byLayer) {
      if (!sc.pointing.length) continue;
      (peaks[name] ??= {})[layer] = share(sc.peaks, sc.pointing.length);
      if (sc.peaksByStep.length) (peaksByStep[name] ??= {})[layer] = sc.peaksByStep.map((c) => share(c ?? noPeaks(), sc.pointing.length));
    }
  }
  metrics.peak_location = peaks;
  metrics.peak_location_by_step = peaksByStep;

  // ---- Fig. 5c claims, with intervals, under the defaults and under every alternative
  // Fig. 5c is about the paper's two SNNs: verdicts for those; a further model gets its numbers.
  const snnNames = ctx.snns.map((m) => m.method);
  const methods = snnNames.filter((m) => PAPER_MODELS.includes(m));
  const claimedName = (method: string) => `${explanationKey({ id: PAPER_EXPLANATION })}_${method}`;
  const samErrors = (key: string | null) => (method: Method, layer: ConvLayer): number[] => {
    const s = claimed ? sources.get(claimedName(method))?.byLayer.get(layer) : undefined;
    if (!s) return [];
    return key === null ? s.error : (s.variants.get(key) as number[]);
  };
  const claims = claimed ? fig5cClaims(ctx, layers, methods, samErrors(null), resamples) : [];
  metrics.claims = claims;
  metrics.claims_summary = summarise(claims, layers, methods);
  const surrogateMeans = layers.map((l) => localization[claimedName('surrogate')]?.[l] ?? NaN);
  const conversionMeans = layers.map((l) => localization[claimedName('conversion')]?.[l] ?? NaN);
  const grows = (v: number[]) => v.length > 1 && v.every((e, i) => i === 0 || e > v[i - 1]);
  const byMeans: Record<string, boolean> = {};
  for (const m of methods) byMeans[`error_grows_with_depth_${m}`] = grows(layers.map((l) => localization[claimedName(m)]?.[l] ?? NaN));
  byMeans.error_grows_with_depth = methods.every((m) => byMeans[`error_grows_with_depth_${m}`]);
  byMeans.conversion_worse_every_layer = layers.every((_, i) => conversionMeans[i] > surrogateMeans[i]);
  metrics.claims_by_means = byMeans;

  const sensitivity = claims.length
    ? sensitivityRows(claims, alternatives.map((a) => ({ choice: a.choice, option: a.option, claims: fig5cClaims(ctx, layers, methods, samErrors(a.key), resamples) })),
      Object.fromEntries(LOCALIZATION_CHOICES.map((c) => [c.choice, c.options[0].option])))
    : [];
  metrics.sensitivity = {
    defaults: Object.fromEntries(LOCALIZATION_CHOICES.map((c) => [c.choice, c.options[0].option])),
    options: Object.fromEntries(LOCALIZATION_CHOICES.map((c) => [c.choice, c.options.map((o) => o.option)])),
    changed: verdictChanges(sensitivity),
    rows: sensitivity,
  };
  metrics.box_claims = boxClaims;
  metrics.faithfulness = {
    settings: {
      layers: faith.layers, steps: faith.steps, baseline: 0, image_steps_budget: faith.imageSteps, batch: SCORE_BATCH,
      map: 'time-average of the raw maps, scale-free normalised, upsampled bilinearly to the image; ANN Grad-CAM: its normalised map, upsampled',
      score: 'softmax probability of the ground-truth class under the explained model (ANN or the SNN, fresh Poisson input per call)',
      max_images: faith.maxImages,
      images: 'the first n evaluated images, n = min(images, max_images, floor(image_steps_budget / ((2·steps + 2)·T))) for an SNN explanation; every image for the ANN\'s Grad-CAM',
      enabled: faith.enabled,
    },
    results: faithResults,
  };

  // ---- charts and the grid
  const snnRows = rows.filter((r) => r.error !== null).map((r) => ({ ...r, source: `${r.explanation} (${r.method})` }));
  const chart = lineChart(snnRows, {
    x: 'layer', y: 'error', color: 'source',
    title: `Localization error vs the ANN's Grad-CAM (min over t, mean of ${ctx.indices.length} images)`,
    xTitle: 'layer (conv)', yTitle: 'localization error (BCE)',
  });
  (chart.encoding as Record<string, Record<string, unknown>>).x.scale = { zero: false };
  (chart.encoding as Record<string, Record<string, unknown>>).x.axis = { values: layers.map(layerNumber), tickMinStep: 1 };
  const isSnn = new Set<unknown>(snnNames);
  const boxRows = rows.filter((r) => r.pointing_game !== null).map((r) => ({ ...r, source: isSnn.has(r.method) ? `${r.explanation} (${r.method})` : String(r.explanation) }));
  const boxChart = hconcat([
    readableBars(barChart(boxRows, { x: 'layer', y: 'pointing_game', color: 'source', title: 'Pointing game (hit rate)', yTitle: 'hit rate' })),
    readableBars(barChart(boxRows, { x: 'layer', y: 'energy_in_box', color: 'source', title: 'Energy in the box (time-averaged maps)', yTitle: 'share of energy' })),
  ], `Box scores on ${chance.length} ground-truth boxes`);
  const slider = sliderChart(sliderRows, sliderLayer, ctx.snns, frames);
  const png = gridPng(ctx, grid, layers, columns);
  const tables = {
    claims: claimsTable(claims),
    sensitivity: sensitivityTable(sensitivity, claims),
    boxes: boxTable(boxScores, sources),
    pointingByStep: pointingByStepTable(byStep, pointing, sources),
    peakLocation: peakLocationTable(peaks, peaksByStep, sources),
    faithfulness: faithfulnessTable(faithResults, sources),
  };
  return { chart, charts: [chart, boxChart, slider], metrics, rows, pngs: { grid: png }, sensitivity, tables };
}

// ---- private helpers of figure 04

/** Box scores of one map, at its layer's resolution (`grid`) and upsampled to the image (`map`); the chance levels go beside them. */
function scoreBox(s: Scores, grid: HeatMap, map: HeatMap, box: Box | null, H: number, W: number, content: Uint8Array): void {
  if (!box) return;
  const where = peakLocation(grid, box, content, H, W);
  s.peaks[where]++;
  s.pointing.push(where === 'box' ? 1 : 0);
  s.pointingUpsampled.push(pointingGame(map, box) ? 1 : 0);
  s.energy.push(energyInBox(map, box));
  s.area.push(boxAreaShare(box, H, W));
  s.pointArea.push(gridPointingChance(box, grid.height, grid.width, H, W));
}

function pushTo(m: Map<string, number[]>, key: string, value: number): void {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
}

/** Records the default-setting error of one image and how many of its maps were empty. */
function recordErrors(s: Scores, e: AggregatedError, raw: readonly HeatMap[]): void {
  s.error.push(e.value);
  s.step.push(e.step ?? 0);
  s.emptyShare.push(raw.filter(isEmptyMap).length / raw.length);
  if (e.allEmpty) s.allEmpty++;
}

/**
 * Eq. 10 for one image under each setting: G (raw Grad-CAM of the layer) and the raw per-step
 * maps are normalised and, for `input`, upsampled; per-step errors are shared by settings that
 * differ only in how they are aggregated. Returns one result per setting, in order.
 */
function errorsUnder(gRaw: HeatMap, raw: readonly HeatMap[], settings: readonly ErrorSetting[], H: number, W: number): AggregatedError[] {
  const empty = raw.map(isEmptyMap);
  const prepared = new Map<string, { g: HeatMap; maps?: HeatMap[]; averaged?: HeatMap }>();
  const series = new Map<string, number[]>();
  const prepare = (s: ErrorSetting) => {
    const key = `${s.normalisation}|${s.resolution}`;
    let p = prepared.get(key);
    if (!p) {
      p = { g: resize(normaliseMap(gRaw, s.normalisation), s.resolution, H, W) };
      prepared.set(key, p);
    }
    return p;
  };
  return settings.map((s) => {
    const p = prepare(s);
    if (s.aggregation === 'time-average') {
      p.averaged ??= resize(normaliseMap(meanMap(raw), s.normalisation), s.resolution, H, W);
      return { value: binaryCrossEntropy(p.g, p.averaged, s.eps), step: null, steps: raw.length, allEmpty: false };
    }
    const key = `${s.normalisation}|${s.resolution}|${s.eps}`;
    let perStep = series.get(key);
    if (!perStep) {
      p.maps ??= raw.map((m) => resize(normaliseMap(m, s.normalisation), s.resolution, H, W));
      perStep = p.maps.map((m) => binaryCrossEntropy(p.g, m, s.eps));
      series.set(key, perStep);
    }
    return aggregateStepErrors(perStep, empty, { aggregation: s.aggregation, emptyMaps: s.emptyMaps });
  });
}

function resize(m: HeatMap, resolution: ErrorSetting['resolution'], H: number, W: number): HeatMap {
  return resolution === 'input' ? upsample(m, H, W) : m;
}

/** A setting as the metrics JSON records it. */
function describeSetting(s: ErrorSetting): Record<string, string | number> {
  return {
    bce_eps: s.eps,
    normalisation: s.normalisation,
    aggregation: s.aggregation === 'min' ? 'min over t' : s.aggregation === 'mean' ? 'mean over t' : 'time-averaged map',
    empty_maps: s.emptyMaps === 'exclude' ? 'excluded from the aggregate (all steps used if every map is empty)' : 'included',
    resolution: s.resolution === 'layer' ? "layer's own (SAM and the ANN's Grad-CAM of one layer share its grid)" : 'both upsampled bilinearly to the input',
  };
}

/**
 * Paper Fig. 5c as claims on per-image SAM errors `errorsOf(method, layer)`: for each method,
 * E grows from each layer to the next and from the shallowest to the deepest; conversion's E
 * exceeds surrogate's at every layer. Each claim's bootstrap stream is `claims/<id>`, the same
 * under every setting.
 */
function fig5cClaims(ctx: FigureContext, layers: ConvLayer[], methods: Method[], errorsOf: (m: Method, l: ConvLayer) => number[], resamples: number): Claim[] {
  const seeds = [ctx.params.seed];
  const claim = (id: string, statement: string, metric: string, a: number[], b: number[]): Claim =>
    makeClaim({ id, statement, metric, seeds }, pairedBootstrap(a, b, { rng: ctx.rng.fork(`claims/${id}`), resamples, level: LEVEL }));
  const out: Claim[] = [];
  const pairs: [ConvLayer, ConvLayer][] = layers.slice(1).map((l, i) => [layers[i], l]);
  if (layers.length > 2) pairs.push([layers[0], layers[layers.length - 1]]);
  for (const m of methods) {
    for (const [lo, hi] of pairs) {
      out.push(claim(
        `error_grows_${lo}_to_${hi}_${m}`,
        `Localization error grows with depth, ${lo} → ${hi} (SAM, ${m})`,
        `mean over images of E(${hi}) − E(${lo}), E = Eq. 10 error of SAM vs the ANN's Grad-CAM, paired by image`,
        errorsOf(m, hi), errorsOf(m, lo)));
    }
  }
  if (methods.includes('surrogate') && methods.includes('conversion')) {
    for (const l of layers) {
      out.push(claim(
        `conversion_worse_${l}`,
        `Conversion's localization error > surrogate's at ${l} (SAM)`,
        `mean over images of E_conversion(${l}) − E_surrogate(${l}), paired by image`,
        errorsOf('conversion', l), errorsOf('surrogate', l)));
    }
  }
  return out;
}

/** One verdict per paper claim: holds if every part holds, fails if any part fails, else inconclusive. */
function summarise(claims: readonly Claim[], layers: ConvLayer[], methods: Method[]): Record<string, Verdict> {
  const combine = (parts: Claim[]): Verdict => (parts.length === 0 ? 'inconclusive'
    : parts.every((c) => c.verdict === 'holds') ? 'holds' : parts.some((c) => c.verdict === 'fails') ? 'fails' : 'inconclusive');
  const out: Record<string, Verdict> = {};
  for (const m of methods) {
    // Growth step by step (the shallowest → deepest claim is implied when every step holds).
    const steps = layers.slice(1).map((l, i) => `error_grows_${layers[i]}_to_${l}_${m}`);
    out[`error_grows_with_depth_${m}`] = combine(claims.filter((c) => steps.includes(c.id)));
  }
  const worse = claims.filter((c) => c.id.startsWith('conversion_worse_'));
  if (worse.length) out.conversion_worse_every_layer = combine(worse);
  return out;
}

/** Which evaluated images an SNN with T steps gets faithfulness curves for. */
interface FaithPlan {
  enabled: boolean;
  layers: ConvLayer[];
  steps: number;
  imageSteps: number;
  maxImages: number;
}

function faithfulnessPlan(o: FaithfulnessSettings | false | undefined, layers: ConvLayer[]): FaithPlan {
  const steps = (o ? o.steps : undefined) ?? FAITHFULNESS_STEPS;
  const imageSteps = (o ? o.imageSteps : undefined) ?? FAITHFULNESS_IMAGE_STEPS;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`${LOCALIZATION_FIGURE}: faithfulness steps must be a positive integer, got ${steps}`);
  const maxImages = (o ? o.maxImages : undefined) ?? FAITHFULNESS_MAX_IMAGES;
  if (!(imageSteps > 0)) throw new Error(`${LOCALIZATION_FIGURE}: faithfulness imageSteps must be positive, got ${imageSteps}`);
  if (!Number.isInteger(maxImages) || maxImages < 1) throw new Error(`${LOCALIZATION_FIGURE}: faithfulness maxImages must be a positive integer, got ${maxImages}`);
  if (o === false) return { enabled: false, layers: [], steps, imageSteps, maxImages };
  const chosen = o?.layers ? o.layers.map((l) => convLayer(l)) : [layers.includes('conv6') ? 'conv6' as ConvLayer : layers[layers.length - 1]];
  const missing = chosen.filter((l) => !layers.includes(l));
  if (missing.length) throw new Error(`${LOCALIZATION_FIGURE}: faithfulness layers ${missing.join(', ')} are not among explain.layers (${layers.join(', ')})`);
  return { enabled: true, layers: chosen, steps, imageSteps, maxImages };
}

/** Deletion and insertion curves to run for one explanation at one layer within a chunk. */
interface FaithJob {
  scores: Scores;
  /** Maps at the image size, one per image of the chunk. */
  maps: HeatMap[];
  /** Chunk positions b of the images that get curves. */
  take: number[];
  model: 'ann' | SpikingModel;
  label: string;
  steps: number;
}

/** A job for the images within the budget: the first n = min(maxImages, ⌊imageSteps / ((2K + 2)·T)⌋) (at least one); the ANN: within the budget at T = 1. */
function faithJob(plan: FaithPlan, s: Scores, T: number, maps: HeatMap[], positions: number[], model: 'ann' | SpikingModel, label: string): FaithJob {
  const budget = Math.floor(plan.imageSteps / ((2 * plan.steps + 2) * T));
  const n = Math.max(1, model === 'ann' ? budget : Math.min(plan.maxImages, budget));
  return { scores: s, maps, take: positions.flatMap((p, b) => (p < n ? [b] : [])), model, label, steps: plan.steps };
}

/** Runs a job's deletion and insertion curves, all of them pooled into batched model calls. */
async function runFaithJob(ctx: FigureContext, job: FaithJob, x: tf.Tensor4D, labels: number[], k: number): Promise<void> {
  if (job.take.length === 0) return;
  const images = job.take.map((b) => tf.tidy(() => tf.squeeze(tf.slice(x, [b, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D));
  try {
    const tags = job.take.flatMap((b) => [labels[b], labels[b]]);
    const scorer = classScorer(ctx, job.model, ctx.rng.fork(`faithfulness/${job.label}/${k}`));
    const curves = await pooledScores(tags, scorer, (score, _tag, i) => {
      const j = i >> 1;
      const curve = i % 2 === 0 ? deletionCurve : insertionCurve;
      return curve(job.maps[job.take[j]], images[j], score, { steps: job.steps, baseline: 0 });
    });
    job.take.forEach((_, j) => {
      job.scores.deletion.push(curves[2 * j].auc);
      job.scores.insertion.push(curves[2 * j + 1].auc);
    });
  } finally {
    tf.dispose(images);
  }
}

/** Softmax probability of each row's target class under the ANN or an SNN (fresh Poisson input per call), in batches of SCORE_BATCH. */
function classScorer(ctx: FigureContext, model: 'ann' | SpikingModel, rng: Rng): BatchScoreFn<number> {
  let call = 0;
  return async (images, targets) => {
    const n = images.shape[0];
    const out = new Float32Array(n);
    const c = call++;
    for (let s = 0; s < n; s += SCORE_BATCH) {
      const size = Math.min(SCORE_BATCH, n - s);
      const probs = tf.tidy(() => {
        const sub = tf.slice(images, [s, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D;
        const logits = model === 'ann' ? annLogits(ctx.ann, sub, ctx.variant) : snnLogits(model.net, sub, ctx.variant, model.timesteps, rng.fork(`${c}/${s}`));
        return tf.softmax(logits);
      });
      const p = await probs.data();
      const classes = probs.shape[1] as number;
      probs.dispose();
      for (let r = 0; r < size; r++) out[s + r] = p[r * classes + targets[s + r]];
    }
    return out;
  };
}

// ---- markdown tables for the notebook

/** 3 significant digits; −0 as 0. */
function fmt(v: number): string {
  const r = Number(v.toPrecision(3));
  return String(Object.is(r, -0) ? 0 : r);
}

const fmtCi = (i: { value: number; low: number; high: number }) => `${fmt(i.value)} [${fmt(i.low)}, ${fmt(i.high)}]`;

function markdownTable(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}

function claimsTable(claims: readonly Claim[]): string {
  if (claims.length === 0) return '_no claims (need two layers or both training methods)_';
  return markdownTable(['claim', 'θ [95 % CI]', 'n', 'verdict'],
    claims.map((c) => [c.statement, fmtCi({ value: c.value, low: c.interval[0], high: c.interval[1] }), String(c.n), c.verdict]));
}

/** Short column name of a Fig. 5c claim id. */
function shortClaim(id: string): string {
  const grow = /^error_grows_conv(\d+)_to_conv(\d+)_(\w+)$/.exec(id);
  if (grow) return `${grow[3]} ${grow[1]}→${grow[2]}`;
  const worse = /^conversion_worse_conv(\d+)$/.exec(id);
  if (worse) return `conv. > surr. @${worse[1]}`;
  return id;
}

/** One row per (choice, option), one column per claim: the verdict and θ; bold where the verdict differs from the default's. */
function sensitivityTable(rows: readonly SensitivityRow[], claims: readonly Claim[]): string {
  if (rows.length === 0) return '_no claims to vary_';
  const keys = [...new Set(rows.map((r) => `${r.choice}\u0000${r.option}`))];
  const body = keys.map((key) => {
    const [choice, option] = key.split('\u0000');
    const mine = rows.filter((r) => r.choice === choice && r.option === option);
    const isDefault = mine[0].is_default;
    return [choice, isDefault ? `${option} (default)` : option, ...claims.map((c) => {
      const r = mine.find((x) => x.claim === c.id) as SensitivityRow;
      const v = `${r.verdict} (${fmt(r.value)})`;
      return r.verdict_changed_vs_default ? `**${v}**` : v;
    })];
  });
  return markdownTable(['choice', 'option', ...claims.map((c) => shortClaim(c.id))], body);
}

/** Who made a source's maps: the ANN's Grad-CAM, or `<explanation label> (<training method>)`. */
function sourceName(sources: ReadonlyMap<string, Source>, name: string): string {
  const n = sources.get(name);
  return !n || n.method === ANN_SOURCE.method ? ANN_SOURCE.explanation : `${n.explanation} (${n.method})`;
}

function boxTable(box: Record<string, Record<string, Record<string, unknown>>>, sources: ReadonlyMap<string, Source>): string {
  type Ci = { value: number; low: number; high: number };
  const body = Object.entries(box).flatMap(([name, byLayer]) => Object.entries(byLayer).map(([layer, s]) => [
    sourceName(sources, name), layer, String(s.n), fmtCi(s.pointing_game as Ci), fmt(s.pointing_chance as number), fmtCi(s.pointing_game_upsampled as Ci), fmtCi(s.energy_in_box as Ci), fmt(s.box_area_share as number), fmtCi(s.energy_minus_area as Ci),
  ]));
  if (body.length === 0) return '_no boxed images_';
  return markdownTable(['explanation', 'layer', 'n', 'pointing game, layer grid [95 % CI]', 'random cell', 'pointing game, upsampled [95 % CI]', 'energy in box [95 % CI]', 'box area share', 'energy − area [95 % CI]'], body);
}

/** SAM's pointing game per step: at step 2, its best step, halfway, the last step, and the time-averaged map's. */
function pointingByStepTable(byStep: Record<string, Record<string, number[]>>, averaged: Record<string, Record<string, number>>, sources: ReadonlyMap<string, Source>): string {
  const body = Object.entries(byStep).flatMap(([name, byLayer]) => Object.entries(byLayer).map(([layer, v]) => {
    const best = v.indexOf(Math.max(...v));
    const at = (t: number) => `${fmt(v[t])} (t = ${t + 1})`;
    return [sourceName(sources, name), layer, String(v.length), v.length > 1 ? at(1) : '—', at(best), at(Math.floor((v.length - 1) / 2)), at(v.length - 1), fmt(averaged[name]?.[layer] ?? NaN)];
  }));
  if (body.length === 0) return '_no boxed images_';
  return markdownTable(['explanation', 'layer', 'T', 'step 2', 'best step', 'halfway', 'last step', 'time-averaged map'], body);
}

/** Where each explanation's maximum lies (shares of the boxed images): its time-averaged map, and SAM's maps at step 2 and the last step. */
function peakLocationTable(peaks: Record<string, Record<string, Record<PeakLocation, number>>>, byStep: Record<string, Record<string, Array<Record<PeakLocation, number>>>>, sources: ReadonlyMap<string, Source>): string {
  const cols = PEAK_LOCATIONS.filter((k) => k !== 'none');
  const cellsOf = (c: Record<PeakLocation, number>) => cols.map((k) => fmt(c[k]));
  const body = Object.entries(peaks).flatMap(([name, byLayer]) => Object.entries(byLayer).flatMap(([layer, c]) => {
    const steps = byStep[name]?.[layer];
    const rows = [[sourceName(sources, name), layer, 'time-averaged', ...cellsOf(c)]];
    if (steps && steps.length > 1) {
      rows.push([sourceName(sources, name), layer, 'step 2', ...cellsOf(steps[1])]);
      rows.push([sourceName(sources, name), layer, `step ${steps.length} (last)`, ...cellsOf(steps[steps.length - 1])]);
    }
    return rows;
  }));
  if (body.length === 0) return '_no boxed images_';
  return markdownTable(['explanation', 'layer', 'map', 'in the box (pointing game)', 'other image content', 'border ring', 'blank background'], body);
}

function faithfulnessTable(results: Record<string, Record<string, Record<string, unknown>>>, sources: ReadonlyMap<string, Source>): string {
  type Ci = { value: number; low: number; high: number };
  const body = Object.entries(results).flatMap(([name, byLayer]) => Object.entries(byLayer).map(([layer, s]) => [
    sourceName(sources, name), layer, String(s.n), fmtCi(s.deletion_auc as Ci), fmtCi(s.insertion_auc as Ci),
  ]));
  if (body.length === 0) return '_faithfulness not computed_';
  return markdownTable(['explanation', 'layer', 'n', 'deletion AUC (lower = more faithful) [95 % CI]', 'insertion AUC (higher = more faithful) [95 % CI]'], body);
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
      rowLabels: ordered.map((r) => `${r.layer} ${modelShortName(r.method)} T=${r.T}`),
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
