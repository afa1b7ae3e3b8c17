/**
 * Figure 05 (paper Fig. 6a/b): robustness under FGSM, in accuracy and in the explanations.
 *
 * - Fig. 6b (left): top-1 accuracy vs ε ∈ attack.epsilons (1/255 units) for the ANN, the
 *   surrogate SNN (BPTT through the surrogate, gradient passed straight through the Poisson
 *   encoder; Sharmin et al.) and the converted SNN, each attacked with its own gradient (one
 *   gradient per batch, every ε from it, as `accuracyUnderAttack` does), all on the same images.
 *   The clean (ε = 0) and ε = attack.heatmap_epsilon predictions are those of the explanation
 *   runs below (the same images through the same model; no third simulation).
 *   Every gradient passes straight through the signed encoder's clip (`attackExpectedSpikes`),
 *   so saturated pixels are attacked too. Crafting vs evaluation steps: an SNN's attack runs BPTT
 *   over min(T, 32) steps (`crafting_timesteps` in the metrics: all 8 of the surrogate net, 32 of
 *   the converted net's 300) and the adversarial images are evaluated over the full T. Crafted
 *   over all 300 steps, the converted net cost ≈ 10 s per image on a 2-core CPU (two BPTTs and
 *   eight simulations) and ≈ 1.2 GB of graph per image per BPTT, which had limited it to 4
 *   images; 32 crafting steps cut the BPTT part tenfold (batches of ⌊256 / 32⌋ = 8). The
 *   converted net's attack is thus a truncated-BPTT one: its gradient sees only how the first 32
 *   steps respond, which may make it weaker than the paper's full-T attack (the chart title
 *   says which models were crafted over fewer steps than they run).
 * - Fig. 6a and 6b (right): at ε = attack.heatmap_epsilon, the adversarial image crafted against
 *   each model itself; the ANN's Grad-CAM (ground-truth class for clean and adversarial, so both
 *   maps explain the same class) and, for each SNN, every registered explanation method
 *   (`lib/explain/registry.ts`: SAM, the firing-rate map, …; gradient methods such as SNN-crafted
 *   Grad-CAM, ground-truth class, only for `gradientModels`, default surrogate: their BPTT through
 *   a converted net's 300 steps costs minutes), clean vs adversarial, at every layer of
 *   explain.layers. Maps are normalised scale-free (see `scaleFreeNormalise`); the distance is the
 *   normalised L1 `(1/N)Σ|a - b|` at the layer's resolution, for an SNN's map the maximum over
 *   steps of the per-step distance (paper: "for SNN, the maximum L1 distance across time-steps"),
 *   mean over images; metric names `ann_gradcam` and `<explanation key>_<method>` (`sam_surrogate`).
 *   Clean and adversarial runs of every explanation share one encoder seed
 *   (`rng.fork('<method>/sam/<chunk>')`), so they see the same uniform draws and differ only
 *   through the perturbation.
 * - Claims (surrogate SNN, as in the paper), each judged by a seeded 95 % paired percentile
 *   bootstrap over the images (`claims`; `holds` where the interval lies above 0, `fails` where it
 *   lies at or below 0, else `inconclusive`):
 *   - per ε > 0, "SNN accuracy drops less than ANN accuracy": per image, drop = correct at ε = 0 −
 *     correct at ε (0/1 each, so −1, 0 or 1); θ = mean over images of (ANN drop − SNN drop), both
 *     models on the same images (stream `rng.fork('claims/accuracy/<ε>')`);
 *   - per layer, "SAM changes less than Grad-CAM": θ = mean over images of (ANN Grad-CAM L1 −
 *     surrogate SAM L1) at ε = attack.heatmap_epsilon (stream `rng.fork('claims/l1/<layer>')`).
 *   `claims_by_means` keeps the earlier verdicts from means alone (mean drop over ε > 0, every ε > 0,
 *   every layer) for comparison with earlier runs. Other explanations get numbers, rows and
 *   chart bars, no claim.
 *
 * Outputs: main chart = accuracy vs ε, one line per model; a bar chart of the L1 distances per
 * explanation; a PNG grid of a few images (clean and adversarial input, the ANN's Grad-CAM, then
 * every explanation of each SNN at conv4, each at its step of largest change, stamped 1-based);
 * rows = (model, epsilon, accuracy, images).
 */
import { labelsTensor, toTensor } from '../data/dataset';
import { fgsmStep, inputGradient, type AttackModel } from '../attack/fgsm';
import { convLayer, gradCam, type ConvLayer } from '../explain/gradcam';
import { explainBatch, explanationKey, type BatchExplanation, type ExplanationMaps, type ExplanationMethod } from '../explain/method';
import { explanationMethods, PAPER_EXPLANATION } from '../explain/registry';
import { normalisedL1, normalisedL1OverSteps } from '../metrics/distance';
import { makeClaim, pairedBootstrap, type Claim } from '../metrics/uncertainty';
import { overlay, rgbImage, tileGridPng, type RgbImage } from '../plot/heatmap';
import { barChart, lineChart, type Row } from '../plot/spec';
import { annLogits } from '../ann/logits';
import { snnLogits } from '../snn/logits';
import * as tf from '@tensorflow/tfjs-core';
import { chunkProgress, chunks, modelTag, surrogateTrained, trainingOf, type FigureContext, type SpikingModel } from './context';
import { mean } from './output';
import { layerNumber } from '../model/vgg';
import { readableBars } from '../plot/spec';
import { stamp } from '../plot/heatmap';
import { inputImage } from './context';
import { std, type FigureResult } from './output';
import { scaleFreeNormalise } from '../explain/heatmap';

/** Figure name: reports/figures/05-fgsm/*, reports/metrics/05-fgsm.json, reports/plots/05-fgsm.csv. */
export const FGSM_FIGURE = '05-fgsm';

/** Images per batch (the most; an SNN's batch also respects BPTT_IMAGE_STEPS). */
const CHUNK = 16;
/**
 * Most BPTT steps an SNN attack runs (crafting T = min(T, 32)), a fixed cap rather than a param:
 * a tenth of the converted net's 300 steps, past the step (≈ 20 in 03-spike-activity.json) where
 * its fc1 activity peaks, so the output already responds to the input. How far the 32-step
 * gradient's sign departs from the 300-step one is not measured; `unattacked_fraction` at least
 * shows whether the output had a gradient at all.
 */
export const CRAFTING_STEPS = 32;
/** Image·steps per BPTT batch (the graph holds ≈ 4 MB per image per step at width 0.125): 16 images at T = 8, 8 at 32. */
const BPTT_IMAGE_STEPS = 256;

/** Options of `figureFgsm` (the defaults are what the pipeline runs). */
export interface FgsmOptions {
  /** Images the converted SNN is attacked on (the first of ctx.indices; default all of them; 0 skips it). */
  conversionImages?: number;
  /** Batch size of the converted SNN (default ⌊256 / crafting T⌋ within 1..16; BPTT memory grows with batch × crafting T). */
  conversionBatch?: number;
  /** Most BPTT steps of an SNN attack (default CRAFTING_STEPS = 32); evaluation always runs the model's full T. */
  craftingSteps?: number;
  /** Images in the PNG grid (default 3). */
  gridImages?: number;
  /** Explanation methods of the SNNs (default: every registered one, `explanationMethods()`). */
  explanations?: readonly ExplanationMethod[];
  /** SNNs whose gradient explanations run (BPTT over all T steps, twice per batch; default: the surrogate-trained ones). */
  gradientModels?: readonly string[];
}

/** 'ann' or an SNN's `method`. */
type ModelName = string;

/** How much one explanation of one model changes under the attack. */
interface MapChange {
  /** Metric name: `ann_gradcam` or `<explanation key>_<method>`. */
  name: string;
  /** For rows and charts: `ANN Grad-CAM`, `<label> (<method>)`. */
  label: string;
  /** Grid column header. */
  short: string;
  /** The SNN explanation (none for the ANN's Grad-CAM). */
  explanation?: ExplanationMethod;
  /** Per layer: L1 per image, and (SNN) the 0-based step of the largest change. */
  l1: Map<ConvLayer, number[]>;
  l1Step: Map<ConvLayer, number[]>;
}

const change = (name: string, label: string, short: string, explanation?: ExplanationMethod): MapChange => ({ name, label, short, explanation, l1: new Map(), l1Step: new Map() });

interface ModelRun {
  name: ModelName;
  images: number[];
  batch: number;
  snn?: SpikingModel;
  /** Steps the SNN's attack runs BPTT over (min(T, craftingSteps)). */
  craftingT?: number;
  /** Correct predictions per ε. */
  correct: number[];
  /** Per ε, per image of `images` (in order): correctly classified. */
  correctByImage: boolean[][];
  /** The explanations of this model's maps (the ANN: its Grad-CAM), each with its L1 distances. */
  changes: MapChange[];
  /** Grid tiles of the first images at the grid layer: per explanation [clean, adversarial], and predictions. */
  tiles: { maps: [RgbImage, RgbImage][]; advInput: RgbImage; pred: [number, number] }[];
  /** Pixel-channels of the heat-map attack whose gradient is exactly 0 (left unattacked), and all of them. */
  zeroGradient: number;
  pixelChannels: number;
}

/** Fig. 6a/b: accuracy under FGSM vs ε, and how much the ANN's Grad-CAM and every SNN explanation change under the attack. */
export async function figureFgsm(ctx: FigureContext, options: FgsmOptions = {}): Promise<FigureResult> {
  const { epsilons, heatmap_epsilon: hEps } = ctx.params.attack;
  const { gamma, variant } = ctx.params.explain;
  const layers = [...new Set(ctx.params.explain.layers.map((l) => convLayer(l)))];
  const gridLayer: ConvLayer = layers.includes('conv4') ? 'conv4' : layers[0];
  const gridCount = options.gridImages ?? 3;
  if (ctx.indices.length === 0) throw new Error(`${FGSM_FIGURE}: no images to evaluate (explain.images is 0 or the validation set is empty)`);
  const craftingSteps = options.craftingSteps ?? CRAFTING_STEPS;
  if (!Number.isInteger(craftingSteps) || craftingSteps < 1) throw new Error(`${FGSM_FIGURE}: craftingSteps must be a positive integer, got ${craftingSteps}`);
  const convImages = Math.min(options.conversionImages ?? ctx.indices.length, ctx.indices.length);
  if (options.conversionBatch !== undefined && (!Number.isInteger(options.conversionBatch) || options.conversionBatch < 1)) {
    throw new Error(`${FGSM_FIGURE}: conversionBatch must be a positive integer, got ${options.conversionBatch}`);
  }

  const explanations = options.explanations ?? explanationMethods();
  const gradientModels = new Set(options.gradientModels ?? surrogateTrained(ctx.snns));
  const runs: ModelRun[] = [{ name: 'ann', images: ctx.indices, batch: CHUNK, correct: [], correctByImage: [], changes: [change('ann_gradcam', 'ANN Grad-CAM', 'GradCAM')], tiles: [], zeroGradient: 0, pixelChannels: 0 }];
  for (const m of ctx.snns) {
    const converted = trainingOf(m) === 'conversion';
    if (converted && convImages === 0) continue;
    const craftingT = Math.min(m.timesteps, craftingSteps);
    const images = converted ? ctx.indices.slice(0, convImages) : ctx.indices;
    const budget = Math.min(CHUNK, Math.max(1, Math.floor(BPTT_IMAGE_STEPS / craftingT)));
    const batch = converted ? options.conversionBatch ?? budget : budget;
    const mine = explanations.filter((e) => !e.needsGradient || gradientModels.has(m.method));
    const abbrev = modelTag(m.method);
    const changes = mine.map((e) => change(`${explanationKey(e)}_${m.method}`, `${e.label} (${m.method})`, `${e.shortLabel ?? e.label} ${abbrev}`, e));
    runs.push({ name: m.method, images, batch, snn: m, craftingT, correct: [], correctByImage: [], changes, tiles: [], zeroGradient: 0, pixelChannels: 0 });
  }

  for (const run of runs) {
    run.correct = epsilons.map(() => 0);
    run.correctByImage = epsilons.map(() => []);
    const parts = chunks(run.images, run.batch);
    const progress = chunkProgress(FGSM_FIGURE, parts.length, run.name);
    for (const [k, idx] of parts.entries()) {
      const x = toTensor(ctx.val, idx);
      const y = labelsTensor(ctx.val, idx);
      const labels = idx.map((i) => ctx.val.labels[i]);
      // One gradient per batch: the adversarial images of every ε, the heat maps' at ε = hEps among them.
      const g = inputGradient(attackModel(ctx, run, `attack/${k}`), x, y);
      const adv = fgsmStep(x, g, hEps);
      // A pixel-channel with a zero gradient has no sign: FGSM leaves it as it is.
      run.zeroGradient += tf.tidy(() => tf.sum(tf.cast(tf.equal(g, 0), 'float32')).dataSync()[0]);
      run.pixelChannels += g.size;
      try {
        // Grid tiles from the first images, over as many chunks as it takes (the converted net's batches are small).
        const grid = Math.max(0, gridCount - run.tiles.length);
        const shown = run.name === 'ann'
          ? annMaps(ctx, run, idx, x, adv, labels, layers, gridLayer, grid)
          : snnMaps(ctx, run, run.snn as SpikingModel, idx, x, adv, labels, layers, gridLayer, grid, gamma, variant, k);
        // Accuracy at every ε; the clean and ε = hEps predictions are those of the explanation runs.
        for (const [e, eps] of epsilons.entries()) {
          const pred = eps === 0 ? shown.clean : eps === hEps ? shown.adv : predict(ctx, run, x, g, eps, `eval/${k}/${e}`);
          const right = pred.map((p, b) => p === labels[b]);
          run.correct[e] += right.filter(Boolean).length;
          run.correctByImage[e].push(...right);
        }
      } finally {
        tf.dispose([x, y, g, adv]);
      }
      progress.done(k, `${idx.length} images${run.snn ? `, T = ${run.snn.timesteps}, crafted over ${run.craftingT}` : ''}`);
    }
  }

  // ---- rows and metrics
  const rows: Row[] = runs.flatMap((r) => epsilons.map((epsilon, e) => ({ model: r.name, epsilon, accuracy: r.correct[e] / r.images.length, images: r.images.length })));
  const accuracy: Record<string, Record<string, number>> = {};
  const drop: Record<string, number> = {};
  const attacked = epsilons.map((e, i) => [e, i] as const).filter(([e]) => e > 0);
  const clean = epsilons.indexOf(0);
  for (const r of runs) {
    const acc = r.correct.map((c) => c / r.images.length);
    accuracy[r.name] = Object.fromEntries(epsilons.map((e, i) => [String(e), acc[i]]));
    // Without ε = 0 in the list there is no clean accuracy to drop from; the drop is then 0.
    drop[r.name] = clean >= 0 && attacked.length ? mean(attacked.map(([, i]) => acc[clean] - acc[i])) : 0;
  }
  const l1: Record<string, Record<string, number>> = {};
  const l1Std: Record<string, Record<string, number>> = {};
  const l1Step: Record<string, Record<string, number>> = {};
  const l1Rows: Row[] = [];
  for (const r of runs) {
    for (const { name, label, l1: byLayer, l1Step: steps } of r.changes) {
      for (const layer of layers) {
        const v = byLayer.get(layer) ?? [];
        (l1[name] ??= {})[layer] = mean(v);
        (l1Std[name] ??= {})[layer] = std(v);
        if (r.snn) (l1Step[name] ??= {})[layer] = mean(steps.get(layer) ?? []) + 1;
        l1Rows.push({ explanation: label, layer: layerNumber(layer), l1: mean(v), images: v.length });
      }
    }
  }
  const paperName = `${explanationKey({ id: PAPER_EXPLANATION })}_surrogate`;
  const accAt = (name: ModelName, i: number) => (runs.find((r) => r.name === name)?.correct[i] ?? 0) / (runs.find((r) => r.name === name)?.images.length ?? 1);
  const hasSurrogate = runs.some((r) => r.name === 'surrogate');
  const meanClaims: Record<string, boolean> = {
    snn_accuracy_drops_less: hasSurrogate && drop.surrogate < drop.ann,
    snn_accuracy_drops_less_every_epsilon: hasSurrogate && clean >= 0 && attacked.length > 0
      && attacked.every(([, i]) => accAt('surrogate', clean) - accAt('surrogate', i) < accAt('ann', clean) - accAt('ann', i)),
    sam_changes_less: hasSurrogate && paperName in l1 && layers.every((l) => l1[paperName][l] < l1.ann_gradcam[l]),
  };
  const metrics: Record<string, unknown> = {
    images: ctx.indices.length,
    explanations: explanations.map((e) => ({ id: e.id, label: e.label, key: explanationKey(e), models: runs.filter((r) => r.changes.some((c) => c.explanation === e)).map((r) => r.name) })),
    conversion_images: runs.find((r) => r.name === 'conversion')?.images.length ?? 0,
    /** BPTT steps of each SNN's attack (min(T, 32)); accuracy and SAM are evaluated over the full T. */
    crafting_timesteps: Object.fromEntries(runs.filter((r) => r.snn).map((r) => [r.name, r.craftingT as number])),
    /**
     * Share of pixel-channels the heat-map attack leaves alone because their gradient is exactly 0
     * (before the straight-through clip, every saturated one; an SNN whose output is still silent
     * after its crafting steps, all of them).
     */
    unattacked_fraction: Object.fromEntries(runs.map((r) => [r.name, r.zeroGradient / r.pixelChannels])),
    heatmap_epsilon: hEps,
    accuracy,
    accuracy_drop_mean: drop,
    l1,
    l1_std: l1Std,
    l1_step: l1Step,
    claims_by_means: meanClaims,
    claims: fgsmClaims(ctx, runs, layers),
  };

  // ---- charts and the grid
  const chart = lineChart(rows, {
    x: 'epsilon', y: 'accuracy', color: 'model',
    title: `Accuracy under FGSM (${runs.map((r) => `${r.name}: ${r.images.length} images${r.snn && (r.craftingT as number) < r.snn.timesteps ? `, crafted over ${r.craftingT} of ${r.snn.timesteps} steps` : ''}`).join('; ')})`,
    xTitle: 'ε (/255)', yTitle: 'top-1 accuracy',
  });
  const l1Chart = readableBars(barChart(l1Rows, {
    x: 'layer', y: 'l1', color: 'explanation',
    title: `Change of the heat map under FGSM, ε = ${hEps}/255 (normalised L1; SNN maps: max over t)`, yTitle: 'normalised L1 (clean vs adversarial)',
  }));
  const png = gridPng(ctx, runs, gridLayer, hEps);
  return { chart, charts: [chart, l1Chart], metrics, rows, pngs: { grid: png } };
}

/**
 * Paper Fig. 6a/b with intervals (surrogate SNN against the ANN, on the same images): accuracy
 * drop per ε > 0 and heat-map change per layer, each paired by image. None without a surrogate
 * run; no accuracy claims without ε = 0 (no clean accuracy to drop from).
 */
function fgsmClaims(ctx: FigureContext, runs: readonly ModelRun[], layers: readonly ConvLayer[]): Claim[] {
  const ann = runs.find((r) => r.name === 'ann') as ModelRun;
  const snn = runs.find((r) => r.name === 'surrogate');
  if (!snn) return [];
  const sam = snn.changes.find((c) => c.explanation?.id === PAPER_EXPLANATION);
  const gradcam = ann.changes[0];
  if (snn.images.length !== ann.images.length || snn.images.some((i, k) => i !== ann.images[k])) {
    throw new Error(`${FGSM_FIGURE}: the ANN and the surrogate SNN were evaluated on different images; paired claims need the same ones`);
  }
  const { epsilons, heatmap_epsilon: hEps } = ctx.params.attack;
  const seeds = [ctx.params.seed];
  const T = (snn.snn as SpikingModel).timesteps;
  const claims: Claim[] = [];
  const clean = epsilons.indexOf(0);
  if (clean >= 0) {
    const drops = (r: ModelRun, e: number) => r.correctByImage[clean].map((c, i) => Number(c) - Number(r.correctByImage[e][i]));
    epsilons.forEach((eps, e) => {
      if (eps <= 0) return;
      claims.push(makeClaim({
        id: `snn_accuracy_drops_less_surrogate_eps${eps}`,
        statement: `SNN (surrogate) accuracy drops less than ANN accuracy under FGSM, ε = ${eps}/255`,
        metric: `mean over images of (ANN drop − surrogate SNN drop), drop = correct at ε = 0 − correct at ε = ${eps}/255 (0/1 per image; each model attacked with its own gradient, the SNN's by BPTT over ${snn.craftingT} of its ${T} steps), paired by image`,
        seeds,
      }, pairedBootstrap(drops(ann, e), drops(snn, e), { rng: ctx.rng.fork(`claims/accuracy/${eps}`) })));
    });
  }
  for (const layer of sam ? layers : []) {
    claims.push(makeClaim({
      id: `sam_changes_less_than_gradcam_surrogate_${layer}`,
      statement: `SAM (surrogate SNN) changes less than ANN Grad-CAM under FGSM at ${layer}, ε = ${hEps}/255`,
      metric: `mean over images of (ANN Grad-CAM L1 − surrogate SAM L1) at ${layer}; L1 = (1/N)Σ|clean − adversarial| of scale-free-normalised maps at the layer's resolution, SAM: max over steps; each model attacked with its own gradient; paired by image`,
      seeds,
    }, pairedBootstrap(gradcam.l1.get(layer) ?? [], sam?.l1.get(layer) ?? [], { rng: ctx.rng.fork(`claims/l1/${layer}`) })));
  }
  return claims;
}

/** `run`'s model's predicted classes for the images x moved by ε along sign(g) (an SNN on stream `label`). */
function predict(ctx: FigureContext, run: ModelRun, x: tf.Tensor4D, g: tf.Tensor4D, eps: number, label: string): number[] {
  return tf.tidy(() => {
    const adv = fgsmStep(x, g, eps);
    const logits = run.snn
      ? snnLogits(run.snn.net, adv, ctx.variant, run.snn.timesteps, ctx.rng.fork(`${run.name}/${label}`))
      : annLogits(ctx.ann, adv, ctx.variant);
    return argmaxRows(logits);
  });
}

/** The attack on `run`'s model; an SNN's encoder streams are forked per purpose (`label`). */
function attackModel(ctx: FigureContext, run: ModelRun, label: string): AttackModel {
  if (!run.snn) return { kind: 'ann', ann: ctx.ann, variant: ctx.variant };
  return { kind: 'snn', net: run.snn.net, variant: ctx.variant, timesteps: run.snn.timesteps, craftingTimesteps: run.craftingT, rng: ctx.rng.fork(`${run.name}/${label}`) };
}

function push(map: Map<ConvLayer, number[]>, layer: ConvLayer, v: number): void {
  if (!map.has(layer)) map.set(layer, []);
  (map.get(layer) as number[]).push(v);
}

function argmaxRows(logits: tf.Tensor2D): number[] {
  return Array.from(tf.tidy(() => tf.argMax(logits, 1).dataSync()));
}

/** Predicted classes of the clean and the adversarial images of a batch. */
interface Predictions { clean: number[]; adv: number[] }

/** ANN Grad-CAM (ground-truth class) on clean and adversarial images, L1 per layer; returns the ANN's predictions. */
function annMaps(ctx: FigureContext, run: ModelRun, idx: number[], x: tf.Tensor4D, adv: tf.Tensor4D, labels: number[], layers: ConvLayer[], gridLayer: ConvLayer, grid: number): Predictions {
  const predClean = tf.tidy(() => argmaxRows(annLogits(ctx.ann, x, ctx.variant)));
  const predAdv = tf.tidy(() => argmaxRows(annLogits(ctx.ann, adv, ctx.variant)));
  const advPixels = adv.dataSync() as Float32Array;
  const [, h, w] = x.shape;
  for (const layer of layers) {
    const c = gradCam(ctx.ann, x, { layer, targets: labels, variant: ctx.variant });
    const a = gradCam(ctx.ann, adv, { layer, targets: labels, variant: ctx.variant });
    labels.forEach((_, b) => {
      const mc = scaleFreeNormalise(c.map(0, b)), ma = scaleFreeNormalise(a.map(0, b));
      push(run.changes[0].l1, layer, normalisedL1(mc, ma));
      if (layer === gridLayer && b < grid) {
        const advInput = rgbImage(advPixels.subarray(b * h * w * 3, (b + 1) * h * w * 3), h, w, 3);
        run.tiles.push({ maps: [[overlay(inputImage(ctx.val, idx[b]), mc), overlay(advInput, ma)]], advInput, pred: [predClean[b], predAdv[b]] });
      }
    });
  }
  return { clean: predClean, adv: predAdv };
}

/** Every explanation of clean and adversarial images on one encoder seed; L1 = max over steps, per layer; returns the SNN's predictions in those two runs. */
function snnMaps(ctx: FigureContext, run: ModelRun, m: SpikingModel, idx: number[], x: tf.Tensor4D, adv: tf.Tensor4D, labels: number[], layers: ConvLayer[], gridLayer: ConvLayer, grid: number, gamma: number, variant: 'paper' | 'reference', k: number): Predictions {
  const methods = run.changes.map((c) => c.explanation as ExplanationMethod);
  // The same fork for both runs: identical uniform draws, so only the perturbation differs.
  const explain = (images: tf.Tensor4D): BatchExplanation => explainBatch(methods, {
    net: m.net, images, variant: ctx.variant, timesteps: m.timesteps, layers, targets: labels, rng: ctx.rng.fork(`${m.method}/sam/${k}`), options: { gamma, samVariant: variant },
  });
  const clean = explain(x), attacked = explain(adv);
  const advPixels = adv.dataSync() as Float32Array;
  const [batch, h, w] = x.shape;
  for (let b = 0; b < Math.min(grid, batch); b++) {
    run.tiles.push({ maps: [], advInput: rgbImage(advPixels.subarray(b * h * w * 3, (b + 1) * h * w * 3), h, w, 3), pred: [clean.predicted[b], attacked.predicted[b]] });
  }
  const tiles = run.tiles.slice(run.tiles.length - Math.min(grid, batch));
  for (const c of run.changes) {
    const id = (c.explanation as ExplanationMethod).id;
    const [before, after] = [clean, attacked].map((r) => r.maps.get(id) as ExplanationMaps);
    for (const layer of layers) {
      for (let b = 0; b < batch; b++) {
        const mc = before.series(layer, 'raw', b).map(scaleFreeNormalise);
        const ma = after.series(layer, 'raw', b).map(scaleFreeNormalise);
        const d = normalisedL1OverSteps(mc, ma);
        push(c.l1, layer, d.value);
        push(c.l1Step, layer, d.step);
        if (layer === gridLayer && b < tiles.length) {
          tiles[b].maps.push([
            stamp(overlay(inputImage(ctx.val, idx[b]), mc[d.step]), `t=${d.step + 1}`),
            stamp(overlay(tiles[b].advInput, ma[d.step]), `t=${d.step + 1}`),
          ]);
        }
      }
    }
  }
  return { clean: clean.predicted, adv: attacked.predicted };
}

/** Rows = images; columns = clean and adversarial input, then clean/adversarial maps of each model. */
function gridPng(ctx: FigureContext, runs: ModelRun[], layer: ConvLayer, hEps: number): Uint8Array {
  const shown = Math.min(...runs.map((r) => r.tiles.length));
  const ann = runs[0];
  const tiles = Array.from({ length: shown }, (_, j) => [
    inputImage(ctx.val, ann.images[j]), ann.tiles[j].advInput,
    ...runs.flatMap((r) => r.tiles[j].maps.flat()),
  ]);
  const rowLabels = Array.from({ length: shown }, (_, j) => {
    const label = ctx.val.labels[ann.images[j]];
    return `y=${label} ${runs.map((r) => `${modelTag(r.name)}:${r.tiles[j].pred[0]},${r.tiles[j].pred[1]}`).join(' ')}`;
  });
  return tileGridPng({
    tiles,
    rowLabels,
    columnLabels: ['clean', `adv`, ...runs.flatMap((r) => r.changes.flatMap((c) => [c.short, `${c.short} adv`]))],
    title: `FGSM ε=${hEps}/255 against each model, ${layer}. SNN maps at their t of largest change. ${runs.map((r) => modelTag(r.name)).join('/')}: predicted class clean,adv`,
  });
}
