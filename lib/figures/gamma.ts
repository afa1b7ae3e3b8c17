/**
 * Figure 02 (paper Fig. 5a): SAM localization error against the TSCS decay γ, at conv4, conv6 and
 * conv8 (explain.layers), for both training methods.
 *
 * Reference G: the ANN's Grad-CAM at the same layer for the ground-truth class. SAM: one
 * simulation per model per chunk of ≤ 16 images with one SAM observer per γ attached (the
 * spikes are shared; each observer only keeps its own running state). Every map is normalised
 * to [0, 1] (`scaleFreeNormalise`, see figure 01: Grad-CAM's raw values are far below the
 * authors' absolute ε). Error of an image = `localizationError(G, M_1..M_T)`: binary cross-entropy
 * per step at the layer's own resolution, minimum over steps; averaged over the images.
 *
 * Paper claim: γ = 0 (no decay: every earlier spike counts fully) gives the highest error for
 * every layer and method, and large γ (≈ 1) is worse again than a middle value.
 *
 * Verdicts (`claims`, per method and layer; `referenceGamma` says which γ is the middle value):
 * - "γ = 0 localizes worse than γ_ref": θ = mean over images of E(γ = 0) − E(γ_ref), paired by
 *   image (all γ observe one simulation), seeded 95 % percentile bootstrap over the images
 *   (stream `rng.fork('claims/<method>/<layer>/gamma0')`); only when 0 is among the γ and γ_ref ≠ 0.
 * - "large γ is worse again": θ = mean over images of E(γ_max) − E(γ_ref), γ_max the largest γ
 *   tried (1 in the default list); only when γ_max > γ_ref.
 * `holds` where the interval lies above 0, `fails` where it lies at or below 0, else `inconclusive`.
 */
import { toTensor } from '../data/dataset';
import { convLayer, gradCam, type ConvLayer } from '../explain/gradcam';
import type { HeatMap } from '../explain/heatmap';
import { SpikeActivationMap } from '../explain/sam';
import { localizationError } from '../metrics/localization';
import { makeClaim, pairedBootstrap, type Claim } from '../metrics/uncertainty';
import { lineChart, type Row, type VegaLiteSpec } from '../plot/spec';
import { snnLogits } from '../snn/logits';
import { chunkProgress, chunks, modelOrder, PAPER_MODELS, type FigureContext } from './context';
import { mean } from './output';
import { std, type FigureResult } from './output';
import { scaleFreeNormalise } from '../explain/heatmap';

/** Figure name: reports/figures/02-gamma-ablation/*, reports/metrics/…json, reports/plots/…csv. */
export const GAMMA_FIGURE = '02-gamma-ablation';

const CHUNK = 16;

/** Per-layer summary of one method. */
export interface GammaLayerMetrics {
  /** Mean localization error per γ, keyed `gamma_<γ>`. */
  errors: Record<string, number>;
  best_gamma: number;
  best_error: number;
  /** Error at γ = 0 is strictly the largest of all γ (only when 0 is among the γ values). */
  gamma0_worst?: boolean;
  /** The best γ is neither the smallest nor the largest γ tried (the paper's U shape). */
  best_interior: boolean;
}

/**
 * The middle γ both claims compare against: of the γ tried, the one nearest explain.gamma (the
 * paper's default 0.5, the γ of every other figure; ties: the smaller).
 *
 * Why a γ fixed in advance and not γ* = the γ of lowest mean error: γ* is picked on the same
 * images the claim is judged on, so E(0) − E(γ*) is the largest of all the differences E(0) − E(γ)
 * on this sample (a winner's curse that the bootstrap, resampling with γ* held fixed, does not
 * see), and its interval leans toward `holds`. The paper's "γ = 0 is worst" implies in particular
 * that γ = 0 is worse than γ = 0.5, and "large γ is worse again" that γ = 1 is worse than it, so
 * comparing with the preset γ tests the claim without that bias (at the price of some power where
 * the best γ of this network lies far from 0.5; `best_gamma` still reports where it lies).
 */
export function referenceGamma(gammas: readonly number[], target: number): number {
  if (gammas.length === 0) throw new Error(`${GAMMA_FIGURE}: explain.gammas is empty`);
  return gammas.reduce((best, g) => {
    // Distances within 1e-9 tie (0.7 − 0.5 and 0.5 − 0.3 differ in the last bit).
    const d = Math.abs(g - target) - Math.abs(best - target);
    return d < -1e-9 || (Math.abs(d) <= 1e-9 && g < best) ? g : best;
  });
}

/** Fig. 5a: localization error vs γ per layer and training method. */
export async function figureGammaAblation(ctx: FigureContext): Promise<FigureResult> {
  const { variant } = ctx.params.explain;
  const gammas = [...new Set(ctx.params.explain.gammas)];
  const layers = [...new Set(ctx.params.explain.layers.map((l) => convLayer(l)))];
  if (ctx.indices.length === 0) throw new Error(`${GAMMA_FIGURE}: no images to evaluate (explain.images is 0 or the validation set is empty)`);
  // errors[method][layer][γ index] = per-image errors
  const errors = new Map<string, Map<ConvLayer, number[][]>>(
    ctx.snns.map((m) => [m.method, new Map(layers.map((l) => [l, gammas.map(() => [] as number[])]))]),
  );

  const parts = chunks(ctx.indices, CHUNK);
  const progress = chunkProgress(GAMMA_FIGURE, parts.length);
  parts.forEach((idx, k) => {
    const x = toTensor(ctx.val, idx);
    try {
      const targets = idx.map((i) => ctx.val.labels[i]);
      // G per layer and image, normalised at the layer's resolution.
      const reference = new Map<ConvLayer, HeatMap[]>(layers.map((layer) => {
        const cam = gradCam(ctx.ann, x, { layer, targets, variant: ctx.variant });
        return [layer, idx.map((_, b) => scaleFreeNormalise(cam.map(0, b)))];
      }));
      for (const { method, net, timesteps } of ctx.snns) {
        const sams = gammas.map((gamma) => new SpikeActivationMap({ layers, gamma, variant }));
        try {
          snnLogits(net, x, ctx.variant, timesteps, ctx.rng.fork(`${method}/${k}`), sams).dispose();
          const byLayer = errors.get(method) as Map<ConvLayer, number[][]>;
          for (const layer of layers) {
            const perGamma = byLayer.get(layer) as number[][];
            const G = reference.get(layer) as HeatMap[];
            sams.forEach((sam, gi) => idx.forEach((_, b) => {
              perGamma[gi].push(localizationError(G[b], sam.series(layer, 'raw', b).map(scaleFreeNormalise)).error);
            }));
          }
        } finally {
          sams.forEach((s) => s.dispose());
        }
      }
    } finally {
      x.dispose();
    }
    progress.done(k, `${idx.length} images, ${gammas.length} γ × ${layers.length} layers × ${ctx.snns.length} models`);
  });

  const rows: Row[] = [];
  const refGamma = referenceGamma(gammas, ctx.params.explain.gamma);
  const metrics: Record<string, unknown> = { images: ctx.indices.length, sam_variant: variant, normalisation: 'scale-free', layers, gammas, reference_gamma: refGamma };
  const worst: boolean[] = [];
  const claims: Claim[] = [];
  for (const [method, byLayer] of errors) {
    const perMethod: Record<string, GammaLayerMetrics> = {};
    for (const [layer, perGamma] of byLayer) {
      const means = perGamma.map(mean);
      perGamma.forEach((v, gi) => rows.push({ method, layer, gamma: gammas[gi], error: means[gi], std: std(v), images: v.length }));
      const best = means.indexOf(Math.min(...means));
      const summary: GammaLayerMetrics = {
        errors: Object.fromEntries(gammas.map((g, gi) => [`gamma_${g}`, means[gi]])),
        best_gamma: gammas[best],
        best_error: means[best],
        best_interior: gammas[best] > Math.min(...gammas) && gammas[best] < Math.max(...gammas),
      };
      const zero = gammas.indexOf(0);
      if (zero >= 0 && gammas.length > 1) {
        // Strictly above every other γ (ties, e.g. a silent layer, do not count), beyond float noise.
        summary.gamma0_worst = means.every((e, gi) => gi === zero || means[zero] > e + 1e-6 * Math.abs(e));
        if (PAPER_MODELS.includes(method)) worst.push(summary.gamma0_worst);
      }
      perMethod[layer] = summary;
      // Verdicts for the paper's two SNNs; a further model gets its numbers and curves.
      if (PAPER_MODELS.includes(method)) claims.push(...gammaClaims(ctx, method, layer, gammas, perGamma, refGamma));
    }
    metrics[method] = perMethod;
  }
  if (worst.length) metrics.gamma0_worst_fraction = mean(worst.map((w) => (w ? 1 : 0)));
  metrics.claims = claims;

  // Paper layout (Fig. 5a): one panel per layer (rows) and method (columns), each with its own y
  // range: γ moves the error far less than layer and method do, so shared axes flatten the curves.
  const chart = gammaChart(rows, layers, modelOrder(ctx.snns));
  const overview = overviewChart(rows, layers, modelOrder(ctx.snns));
  return { chart, charts: [chart, overview], metrics, rows };
}

/** Paper Fig. 5a for one method and layer: γ = 0 and the largest γ against γ_ref, paired by image. */
function gammaClaims(ctx: FigureContext, method: string, layer: ConvLayer, gammas: readonly number[], perGamma: readonly number[][], ref: number): Claim[] {
  const errorsAt = (g: number) => perGamma[gammas.indexOf(g)];
  const what = (g: number) => `mean over images of E(γ = ${g}) − E(γ = ${ref}) at ${layer}, E = min over steps of the BCE between the ANN's Grad-CAM and SAM_t (both scale-free normalised, at the layer's resolution), paired by image; γ = ${ref} is the preset explain.gamma, not this run's best γ`;
  const claim = (id: string, statement: string, g: number, stream: string): Claim => makeClaim(
    { id, statement, metric: what(g), seeds: [ctx.params.seed] },
    pairedBootstrap(errorsAt(g), errorsAt(ref), { rng: ctx.rng.fork(`claims/${method}/${layer}/${stream}`) }),
  );
  const out: Claim[] = [];
  if (gammas.includes(0) && ref !== 0) {
    out.push(claim(`gamma0_worse_than_gamma${ref}_${method}_${layer}`, `γ = 0 localizes worse than γ = ${ref} (${method}, ${layer})`, 0, 'gamma0'));
  }
  const largest = Math.max(...gammas);
  if (largest > ref) {
    out.push(claim(`gamma${largest}_worse_than_gamma${ref}_${method}_${layer}`, `large γ = ${largest} localizes worse again than γ = ${ref} (${method}, ${layer})`, largest, 'large'));
  }
  return out;
}

/** Error vs γ in a grid: rows = layers, columns = methods, each panel its own y range (not from zero). */
function gammaChart(rows: Row[], layers: readonly ConvLayer[], order: string[]): VegaLiteSpec {
  const spec = lineChart(rows, {
    x: 'gamma', y: 'error', color: 'method', xTitle: 'γ', yTitle: 'localization error', width: 200, height: 120,
    title: 'SAM localization error vs γ (BCE against ANN Grad-CAM, min over steps)',
  });
  const { $schema, title, data, ...unit } = spec;
  const encoding = unit.encoding as Record<string, Record<string, unknown>>;
  encoding.y.scale = { zero: false };
  encoding.y.axis = { format: '.3~f', tickCount: 4 };
  encoding.color.sort = order;
  encoding.color.legend = null;
  return {
    $schema, title, data,
    facet: { row: { field: 'layer', type: 'nominal', sort: [...layers] }, column: { field: 'method', type: 'nominal', sort: order } },
    spec: unit,
    resolve: { scale: { y: 'independent' } },
  };
}

/** All layers in one panel per method (colour = layer), y not from zero. */
function overviewChart(rows: Row[], layers: readonly ConvLayer[], order: string[]): VegaLiteSpec {
  const spec = lineChart(rows, {
    x: 'gamma', y: 'error', color: 'layer', column: 'method', xTitle: 'γ', yTitle: 'localization error',
    title: 'SAM localization error vs γ, all layers per method',
  });
  (spec.facet as { column: Record<string, unknown> }).column.sort = order;
  const encoding = (spec.spec as { encoding: Record<string, Record<string, unknown>> }).encoding;
  encoding.y.scale = { zero: false };
  encoding.color.sort = [...layers];
  return { ...spec, resolve: { scale: { y: 'independent' } } };
}
