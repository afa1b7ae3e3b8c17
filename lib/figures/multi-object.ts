/**
 * Figure 06 (paper Fig. 6c): two objects in one input. Does the SNN's attention settle on one of
 * them over time, and do its class probabilities follow the attended object?
 *
 * Pairs of validation images of different classes (from ctx.indices, shuffled with the figure's
 * seed, images with a degenerate box left out) are stacked vertically as in the paper's Fig. 6c
 * (`composePair(…, 'stacked')`, first image on top, 2H × W: 128 × 64 by default; both boxes
 * shifted into the composite). Each SNN runs once per pair (in chunks of ≤ 16 pairs) with every
 * registered explanation method on conv4 and conv6 (`lib/explain/registry.ts`: SAM, the
 * firing-rate map, …, all on the same spikes, `rng.fork('<method>/<chunk>')`; the streaming ones
 * in the one simulation that also records the class probabilities softmax(output / (t+1)) at
 * every step; gradient methods such as SNN-crafted Grad-CAM explain the predicted class, a pair
 * having two labels, and run only for `gradientModels`, default surrogate).
 *
 * Per step and explanation: the map normalised scale-free (`scaleFreeNormalise`), upsampled bilinearly to the composite, and
 * the share of its energy inside the top box and inside the bottom box (`energyInBox`; the boxes
 * do not overlap, so share_top + share_bottom ≤ 1). Attention between the two objects is the
 * relative share `s = share_top / (share_top + share_bottom)`: the net attends the top object
 * when s > 0.5, and it has settled on one object when `max(s, 1 - s) ≥ 0.6` at the end of the run.
 * Focus `|2s - 1|` (0 = both objects alike, 1 = all of the in-box energy in one box); undefined
 * where neither box holds energy (a silent step), and such (pair, step)s are left out of means.
 * "The end of the run" at a layer is a pair's last step with energy in a box (`endStep`): step T
 * for nets whose layers fire to the last step; a fire-then-integrate net's layer falls silent
 * before T once the wave of spikes has passed it, and a silent step says nothing about attention.
 *
 * Metrics per method (and explanation and layer for attention; `<method>.<explanation key>.<layer>`,
 * with SAM's also at `<method>.<layer>`, where earlier runs had them): fraction of pairs focused at the last step;
 * agreement between the attended object and the object with the higher final probability (over
 * pairs with energy in a box, and over focused pairs); mean focus at the last step and over the
 * first half of the run (claim: focus grows); mean final probabilities (top, bottom, the higher,
 * the lower) and how often the final prediction is one of the two objects.
 *
 * Verdicts (`claims`, SAM's, per method and layer, seeded 95 % percentile bootstraps over the pairs;
 * `claims_by_means` keeps the earlier verdict from means alone, `focus_grows_<method>_<layer>`):
 * - "attention settles on one object": per pair, focus at the end of the run − its mean focus over
 *   the first half (steps 1..⌊T/2⌋, silent steps left out), paired by pair, claimed > 0; over the
 *   pairs where both are defined and the end lies after the first half. Not judged where fewer
 *   than half of the pairs with an end reach past the first half (`settle_judged` 0): the
 *   layer has then mostly fallen silent within it, so "over time" has no later part to compare,
 *   and a bootstrap over the few pairs left (down to one) would give a verdict without support.
 * - "class probabilities follow the attended object": the 0/1 agreement of each pair (attended
 *   object at the end of the run = object of higher final probability), claimed above 0.5; over the
 *   pairs with an attended object. 0.5 is chance only when attention and prediction pick top and
 *   bottom equally often; the metrics' shares (`prob_top_final`, attention) show whether they do.
 *
 * Outputs: rows = (pair, method, explanation, layer, step, prob_top, prob_bottom, share_top,
 * share_bottom), steps 1-based; charts = class probabilities and SAM's attention shares over time
 * for the first pair (main chart: the two charts side by side), mean focus over time per
 * explanation and layer, and a heat-map slider of the first pair's SAM at conv4 (surrogate and
 * conversion panels, ≤ 30 frames); a PNG of the first pair's SAM at evenly spaced steps with both
 * boxes outlined (top red, bottom white). Without SAM, the first explanation takes its place in
 * the pair's panels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { composePair, compositesToTensor, type Composite } from '../data/compose';
import type { ConvLayer } from '../explain/gradcam';
import { upsample, type HeatMap } from '../explain/heatmap';
import { explainBatch, explanationKey, type ExplanationMaps, type ExplanationMethod } from '../explain/method';
import { explanationMethods, paperExplanation, PAPER_EXPLANATION } from '../explain/registry';
import { energyInBox } from '../metrics/box';
import { bootstrapInterval, makeClaim, pairedBootstrap, type Claim } from '../metrics/uncertainty';
import { outlineBox, overlay, rgbImage, tileGridPng, type Rgb, type RgbImage } from '../plot/heatmap';
import { hconcat, lineChart, type Row, type VegaLiteSpec } from '../plot/spec';
import type { LayerName, SimulationObserver } from '../snn/observer';
import { chunkProgress, chunks, modelOrder, modelShortName, PAPER_MODELS, surrogateTrained, type FigureContext, type SpikingModel } from './context';
import { mean } from './output';
import { sampleSteps } from '../metrics/steps';
import { layerNumber } from '../model/vgg';
import { caption } from '../plot/heatmap';
import { cells, framesSlider } from '../plot/spec';
import type { FigureResult } from './output';
import { scaleFreeNormalise } from '../explain/heatmap';

/** Figure name: reports/figures/06-multi-object/*, reports/metrics/06-multi-object.json, reports/plots/06-multi-object.csv. */
export const MULTI_OBJECT_FIGURE = '06-multi-object';

/** SAM layers of the figure. */
const LAYERS: readonly ConvLayer[] = ['conv4', 'conv6'];
/** Pairs per simulation (memory stays flat). */
const CHUNK = 16;
/** Relative share at the last step from which the net counts as settled on one object. */
export const FOCUS_SHARE = 0.6;
const SLIDER_FRAMES = 30;
const TOP_BOX: Rgb = [255, 0, 0];
const BOTTOM_BOX: Rgb = [255, 255, 255];

/** Options of `figureMultiObject` (the defaults are what the pipeline runs). */
export interface MultiObjectOptions {
  /** Number of pairs (default: as many as ctx.indices allow, ⌊n/2⌋). */
  pairs?: number;
  /** Explanation methods (default: every registered one, `explanationMethods()`). */
  explanations?: readonly ExplanationMethod[];
  /** SNNs whose gradient explanations run (BPTT over all T steps; default surrogate only). */
  gradientModels?: readonly Method[];
}

type Method = SpikingModel['method'];

/** Records softmax(output / (t+1)) at every step: [B · classes] per step. */
class ClassProbabilities implements SimulationObserver {
  readonly layers: readonly LayerName[] = [];
  readonly steps: Float32Array[] = [];
  classes = 0;

  onStep(): void {}

  onOutput(_t: number, logits: tf.Tensor2D): void {
    this.classes = logits.shape[1];
    // Runs inside the simulation's per-step tidy: the softmax is freed with the step.
    this.steps.push(tf.softmax(logits).dataSync() as Float32Array);
  }

  /** Probability of `cls` for image `b` at step `t`. */
  at(t: number, b: number, cls: number): number {
    return this.steps[t][b * this.classes + cls];
  }

  /** The most probable class of image `b` at step `t`. */
  argmax(t: number, b: number): number {
    const p = this.steps[t].subarray(b * this.classes, (b + 1) * this.classes);
    let best = 0;
    for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
    return best;
  }
}

/** One pair's run: class probabilities per step and each explanation's box shares per layer and step. */
export interface PairTrace {
  probTop: number[];
  probBottom: number[];
  /** Final prediction is one of the two objects. */
  predictedOne: boolean;
  /** Per explanation id and layer: the share of the map's energy in each box, per step. */
  share: Map<string, Map<ConvLayer, { top: number[]; bottom: number[] }>>;
}

/** Fig. 6c: attention and class probabilities over time for two objects in one input. */
export async function figureMultiObject(ctx: FigureContext, options: MultiObjectOptions = {}): Promise<FigureResult> {
  const { gamma, variant } = ctx.params.explain;
  const pairs = choosePairs(ctx, options.pairs);
  if (pairs.length === 0) throw new Error(`${MULTI_OBJECT_FIGURE}: no pair of images of different classes among the ${ctx.indices.length} evaluated images (raise explain.images)`);
  const composites = pairs.map(([a, b]) => composePair(ctx.val, a, b, 'stacked'));
  const { height: H, width: W } = composites[0];
  const maxT = Math.max(...ctx.snns.map((m) => m.timesteps));
  const frames = Math.min(SLIDER_FRAMES, maxT);
  const columns = Math.min(ctx.params.explain.sample_steps, maxT);

  const explanations = options.explanations ?? explanationMethods();
  if (explanations.length === 0) throw new Error(`${MULTI_OBJECT_FIGURE}: no explanation methods (register one with registerExplanation)`);
  const gradientModels = new Set(options.gradientModels ?? surrogateTrained(ctx.snns));
  const explained = new Map<Method, ExplanationMethod[]>(ctx.snns.map((m) => [m.method, explanations.filter((e) => !e.needsGradient || gradientModels.has(m.method))]));
  // The pair's panels (grid, slider, share chart) show SAM, or the first explanation without it.
  const shown = paperExplanation(explanations);
  const traces = new Map<Method, PairTrace[]>(ctx.snns.map((m) => [m.method, []]));
  const sliderRows: Row[] = [];
  const showcase: { method: Method; layer: ConvLayer; T: number; steps: number[]; maps: HeatMap[]; probs: [number, number][] }[] = [];

  const parts = chunks(composites.map((_, p) => p), CHUNK);
  const progress = chunkProgress(MULTI_OBJECT_FIGURE, parts.length);
  for (const [k, pidx] of parts.entries()) {
    const list = pidx.map((p) => composites[p]);
    const x = compositesToTensor(list);
    try {
      for (const { method, net, timesteps: T } of ctx.snns) {
        const mine = explained.get(method) as ExplanationMethod[];
        const probs = new ClassProbabilities();
        // One encoder stream per (method, chunk), replayed by every explanation; the probabilities come from the same run.
        const { maps } = explainBatch(mine, {
          net, images: x, variant: ctx.variant, timesteps: T, layers: LAYERS, rng: ctx.rng.fork(`${method}/${k}`), options: { gamma, samVariant: variant },
        }, [probs]);
        list.forEach((c, b) => {
          const trace: PairTrace = {
            probTop: probs.steps.map((_, t) => probs.at(t, b, c.labels[0])),
            probBottom: probs.steps.map((_, t) => probs.at(t, b, c.labels[1])),
            predictedOne: c.labels.includes(probs.argmax(T - 1, b)),
            share: new Map(),
          };
          for (const e of mine) {
            const ex = maps.get(e.id) as ExplanationMaps;
            const byLayer = new Map<ConvLayer, { top: number[]; bottom: number[] }>();
            for (const layer of LAYERS) {
              const normalised = ex.series(layer, 'raw', b).map(scaleFreeNormalise);
              const top: number[] = [], bottom: number[] = [];
              for (const m of normalised) {
                const up = upsample(m, H, W);
                top.push(energyInBox(up, c.boxes[0]));
                bottom.push(energyInBox(up, c.boxes[1]));
              }
              byLayer.set(layer, { top, bottom });
              if (e === shown && k === 0 && b === 0) {
                const steps = sampleSteps(T, columns);
                showcase.push({ method, layer, T, steps, maps: steps.map((t) => normalised[t]), probs: steps.map((t) => [trace.probTop[t], trace.probBottom[t]]) });
                if (layer === 'conv4') for (const t of new Set(sampleSteps(T, frames))) sliderRows.push(...cells(normalised[t], { method, T, step: t + 1 }));
              }
            }
            trace.share.set(e.id, byLayer);
          }
          (traces.get(method) as PairTrace[]).push(trace);
        });
      }
    } finally {
      x.dispose();
    }
    progress.done(k, `${list.length} pairs of ${H}×${W}; ${ctx.snns.map((m) => `${m.method} T = ${m.timesteps}`).join(', ')}`);
  }

  // ---- rows
  const rows: Row[] = [];
  for (const [method, list] of traces) {
    list.forEach((tr, pair) => {
      for (const e of explained.get(method) as ExplanationMethod[]) {
        for (const layer of LAYERS) {
          const s = shares(tr, e, layer);
          tr.probTop.forEach((_, t) => rows.push({
            pair, method, explanation: e.label, layer: layerNumber(layer), step: t + 1,
            prob_top: tr.probTop[t], prob_bottom: tr.probBottom[t], share_top: s.top[t], share_bottom: s.bottom[t],
          }));
        }
      }
    });
  }

  // ---- metrics
  const metrics: Record<string, unknown> = {
    pairs: pairs.length, height: H, width: W, focus_share: FOCUS_SHARE,
    explanations: explanations.map((e) => ({ id: e.id, label: e.label, key: explanationKey(e), models: ctx.snns.filter((m) => explained.get(m.method)?.includes(e)).map((m) => m.method) })),
  };
  const meanClaims: Record<string, boolean> = {};
  const claims: Claim[] = [];
  const seeds = [ctx.params.seed];
  const focusRows: Row[] = [];
  for (const [method, list] of traces) {
    const last = list[0].probTop.length - 1;
    const m: Record<string, unknown> = {
      timesteps: last + 1,
      prob_top_final: mean(list.map((tr) => tr.probTop[last])),
      prob_bottom_final: mean(list.map((tr) => tr.probBottom[last])),
      prob_higher_final: mean(list.map((tr) => Math.max(tr.probTop[last], tr.probBottom[last]))),
      prob_lower_final: mean(list.map((tr) => Math.min(tr.probTop[last], tr.probBottom[last]))),
      predicted_one_of_two: mean(list.map((tr) => (tr.predictedOne ? 1 : 0))),
    };
    for (const e of explained.get(method) as ExplanationMethod[]) {
      const key = explanationKey(e);
      for (const layer of LAYERS) {
        const a = pairAttention(list, e, layer, last);
        ((m[key] ??= {}) as Record<string, unknown>)[layer] = a.entry;
        for (let t = 0; t <= last; t++) {
          const f = defined(list.map((tr) => a.focus(tr, t)));
          if (f.n > 0) focusRows.push({ method, explanation: e.label, layer, series: `${e.label}, ${layer}`, step: t + 1, focus: f.mean, pairs: f.n });
        }
        if (e.id !== PAPER_EXPLANATION || !PAPER_MODELS.includes(method)) continue;
        // The paper's claims are SAM's on its two SNNs; its entries also stay where earlier runs had them.
        m[layer] = a.entry;
        meanClaims[`focus_grows_${method}_${layer}`] = a.focusLast.n > 0 && a.focusEarly.n > 0 && a.focusLast.mean > a.focusEarly.mean;
        const where = `${e.label} at ${layer} (scale-free normalised, upsampled to the ${H}×${W} composite)`;
        const end = a.endsEarly === 0
          ? `step ${last + 1}`
          : `the pair's last step with energy in a box (${a.endsEarly} of ${a.ended} pairs fall silent before step ${last + 1}; mean end step ${a.entry.end_step_mean.toFixed(1)})`;
        if (a.entry.settle_judged) {
          claims.push(makeClaim({
            id: `attention_settles_${method}_${layer}`,
            statement: `Attention settles on one of two objects over time (${method}, ${layer})`,
            metric: `mean over pairs of [focus at ${end} − mean focus over steps 1..${a.firstHalf}], focus = |2s − 1|, s = share of ${where} energy in the top box relative to both boxes; pairs with energy in a box after and in the first half (steps without left out), paired by pair`,
            seeds,
          }, pairedBootstrap(a.settle.map((p) => p.last), a.settle.map((p) => p.early.mean), { rng: ctx.rng.fork(`claims/${method}/${layer}/settles`) })));
        }
        if (a.agree.length) {
          claims.push(makeClaim({
            id: `probabilities_follow_attention_${method}_${layer}`,
            statement: `Class probabilities follow the attended object (${method}, ${layer})`,
            metric: `fraction of pairs whose attended object at ${end} (s > 0.5 or < 0.5, s = top share of ${where} energy in both boxes) is the object with the higher class probability at step ${last + 1}; pairs with an attended object; claimed > 0.5`,
            seeds,
            threshold: 0.5,
          }, bootstrapInterval(a.agree.map((x) => (x ? 1 : 0)), { rng: ctx.rng.fork(`claims/${method}/${layer}/follow`) })));
        }
      }
    }
    metrics[method] = m;
  }
  metrics.claims_by_means = meanClaims;
  metrics.claims = claims;

  // ---- charts
  const [la, lb] = composites[0].labels;
  const name = (c: number) => ctx.classNames[c] ?? String(c);
  const objects = { top: `top: ${name(la)}`, bottom: `bottom: ${name(lb)}` };
  const probRows = [...traces].flatMap(([method, list]) => list[0].probTop.flatMap((p, t) => [
    { method, step: t + 1, object: objects.top, probability: p },
    { method, step: t + 1, object: objects.bottom, probability: list[0].probBottom[t] },
  ]));
  const shareRows = rows.filter((r) => r.pair === 0 && r.explanation === shown.label && r.layer === layerNumber('conv4')).flatMap((r) => [
    { method: r.method, step: r.step, object: objects.top, share: r.share_top },
    { method: r.method, step: r.step, object: objects.bottom, share: r.share_bottom },
  ]);
  const order = modelOrder(ctx.snns);
  const probChart = independentX(order, lineChart(probRows, { x: 'step', y: 'probability', color: 'object', column: 'method', title: 'Class probabilities over time, first pair', yTitle: 'softmax(output / t)', width: 200, height: 150, points: false }));
  const shareChart = independentX(order, lineChart(shareRows, { x: 'step', y: 'share', color: 'object', column: 'method', title: `Share of ${shown.label} energy (conv4) in each box, first pair`, yTitle: 'energy share', width: 200, height: 150, points: false }));
  const chart = hconcat([probChart, shareChart], `Two objects stacked (${H}×${W}): ${objects.top} above ${objects.bottom}`);
  const focusChart = independentX(order, lineChart(focusRows, {
    x: 'step', y: 'focus', color: 'series', column: 'method',
    title: `Attention focus |2s - 1| over time per explanation and layer, mean over the ${pairs.length} pairs with energy in a box (s = top share of it)`, yTitle: 'focus (0 = even, 1 = one object)', points: false,
  }));
  const slider = framesSlider(sliderRows, frames, `${shown.label} at conv4 over time, first pair (${ctx.snns.map((s) => `${s.method} T=${s.timesteps}`).join(', ')}; ${frames} frames, frame k shows step ≈ k·T/${frames})`, 8);
  const png = gridPng(ctx, composites[0], showcase, columns, shown.label);
  return { chart, charts: [chart, focusChart, slider], metrics, rows, pngs: { grid: png } };
}

/**
 * Pairs of images of different classes: ctx.indices without degenerate boxes, shuffled with the
 * figure's seed and grouped by class; each pair takes the next image of the two classes with the
 * most images left (ties: the class met first in the shuffle), which pairs all but at most one
 * image unless one class holds more than half. The image met first in the shuffle goes on top.
 */
export function choosePairs(ctx: FigureContext, count?: number): [number, number][] {
  const pool = ctx.rng.fork('pairs').shuffle(ctx.indices.filter((i) => !ctx.val.degenerate[i]));
  const rank = new Map(pool.map((i, r) => [i, r]));
  const groups = new Map<number, number[]>();
  for (const i of pool) {
    const label = ctx.val.labels[i];
    if (!groups.has(label)) groups.set(label, []);
    (groups.get(label) as number[]).push(i);
  }
  const want = count ?? Math.floor(pool.length / 2);
  const out: [number, number][] = [];
  while (out.length < want) {
    const live = [...groups.values()].filter((g) => g.length > 0)
      .sort((g, h) => h.length - g.length || (rank.get(g[0]) as number) - (rank.get(h[0]) as number));
    if (live.length < 2) break;
    const a = live[0].shift() as number, b = live[1].shift() as number;
    out.push((rank.get(a) as number) < (rank.get(b) as number) ? [a, b] : [b, a]);
  }
  return out;
}

/** The shares of `e`'s map in the two boxes of one pair at `layer`, per step. */
function shares(tr: PairTrace, e: ExplanationMethod, layer: ConvLayer): { top: number[]; bottom: number[] } {
  return (tr.share.get(e.id) as Map<ConvLayer, { top: number[]; bottom: number[] }>).get(layer) as { top: number[]; bottom: number[] };
}

/**
 * Attention of one explanation at one layer over the pairs: the metrics entry, focus per pair and
 * step (null where neither box holds energy), and what the claims pair up.
 */
export function pairAttention(list: readonly PairTrace[], e: ExplanationMethod, layer: ConvLayer, last: number) {
  const rel = (tr: PairTrace, t: number) => {
    const s = shares(tr, e, layer);
    const inside = s.top[t] + s.bottom[t];
    return inside > 0 ? s.top[t] / inside : null;
  };
  // Focus is undefined (null) where neither box holds energy (e.g. silent early steps): those
  // steps say nothing about competition and are left out of the means, not counted as "even".
  const focus = (tr: PairTrace, t: number) => {
    const r = rel(tr, t);
    return r === null ? null : Math.abs(2 * r - 1);
  };
  // The end of each pair's run at this layer: its last step with energy in a box (null: never).
  const ends = list.map((tr) => endStep((t) => rel(tr, t) !== null, last));
  const relEnd = (p: number) => {
    const t = ends[p];
    return t === null ? null : rel(list[p], t);
  };
  const focusAtEnd = (p: number) => {
    const t = ends[p];
    return t === null ? null : focus(list[p], t);
  };
  const attendedTop = list.map((_, p) => relEnd(p)).map((r) => (r === null || r === 0.5 ? null : r > 0.5));
  const higherTop = list.map((tr) => tr.probTop[last] > tr.probBottom[last]);
  const focused = list.map((_, p) => {
    const r = relEnd(p);
    return r !== null && Math.max(r, 1 - r) >= FOCUS_SHARE;
  });
  const decided = attendedTop.map((a, p) => (a === null ? null : a === higherTop[p]));
  const agree = decided.filter((d): d is boolean => d !== null);
  const agreeFocused = decided.filter((d, p): d is boolean => d !== null && focused[p]);
  const firstHalf = Array.from({ length: Math.max(1, Math.floor((last + 1) / 2)) }, (_, t) => t);
  const focusLast = defined(list.map((_, p) => focusAtEnd(p)));
  const ended = ends.filter((t): t is number => t !== null);
  const focusEarly = defined(firstHalf.flatMap((t) => list.map((tr) => focus(tr, t))));
  const entry: Record<string, number> = {
    focused_fraction: mean(focused.map((f) => (f ? 1 : 0))),
    agreement: agree.length ? mean(agree.map((a) => (a ? 1 : 0))) : 0,
    agreement_pairs: agree.length,
    focus_last: focusLast.mean,
    focus_last_pairs: focusLast.n,
    end_step_mean: ended.length ? mean(ended) + 1 : 0,
    ends_before_last_pairs: ended.filter((t) => t < last).length,
    focus_first_half: focusEarly.mean,
    focus_first_half_samples: focusEarly.n,
    share_in_boxes_final: mean(list.map((tr) => {
      const s = shares(tr, e, layer);
      return s.top[last] + s.bottom[last];
    })),
  };
  if (agreeFocused.length) entry.agreement_focused = mean(agreeFocused.map((a) => (a ? 1 : 0)));
  entry.agreement_focused_pairs = agreeFocused.length;
  // Paired per pair: its focus at the end of the run (after the first half) against its own mean focus over the first half.
  const settle = list.map((tr, p) => ({ last: (ends[p] ?? -1) < firstHalf.length ? null : focusAtEnd(p), early: defined(firstHalf.map((t) => focus(tr, t))) }))
    .filter((p): p is { last: number; early: { mean: number; n: number } } => p.last !== null && p.early.n > 0);
  entry.settle_pairs = settle.length;
  entry.settle_judged = settle.length > 0 && 2 * settle.length >= ended.length ? 1 : 0;
  return { entry, focus, agree, settle, focusLast, focusEarly, firstHalf: firstHalf.length, ended: ended.length, endsEarly: entry.ends_before_last_pairs };
}

/**
 * The end of a run at one layer: the last step t ≤ `last` where `active(t)` (the map has energy in
 * a box), or null when there is none.
 */
export function endStep(active: (t: number) => boolean, last: number): number | null {
  for (let t = last; t >= 0; t--) if (active(t)) return t;
  return null;
}

/** Mean of the defined values and how many there are (mean 0 when none). */
function defined(values: readonly (number | null)[]): { mean: number; n: number } {
  const v = values.filter((x): x is number => x !== null);
  return { mean: v.length ? mean(v) : 0, n: v.length };
}

/** Steps on x need their own scale per method (T differs). */
function independentX(order: string[], spec: VegaLiteSpec): VegaLiteSpec {
  const facet = spec.facet as { column: Record<string, unknown> } | undefined;
  if (facet) facet.column = { ...facet.column, sort: order, title: null };
  const unit = (facet ? spec.spec : spec) as { encoding: Record<string, Record<string, unknown>> };
  unit.encoding.x = { ...unit.encoding.x, axis: { tickMinStep: 1, format: 'd' } };
  return { ...spec, resolve: { scale: { x: 'independent' } } };
}

/**
 * The first pair: rows = method × layer, columns = the composite, then the shown explanation (SAM) at evenly spaced steps;
 * both boxes outlined. A stacked composite is 64 px wide at scale 1, ten glyphs: the caption under
 * each tile takes three lines (step, top and bottom object's probability).
 */
function gridPng(ctx: FigureContext, c: Composite, showcase: { method: Method; layer: ConvLayer; T: number; steps: number[]; maps: HeatMap[]; probs: [number, number][] }[], columns: number, shown: string): Uint8Array {
  const base = rgbImage(c.image, c.height, c.width, 3);
  const boxed = (img: RgbImage) => outlineBox(outlineBox(img, c.boxes[0], TOP_BOX), c.boxes[1], BOTTOM_BOX);
  const fmt = (p: number) => p.toFixed(2).replace(/^0/, '');
  const lines = (img: RgbImage, text: readonly string[]) => text.reduce(caption, img);
  const tiles = showcase.map((s, j) => [
    j === 0 ? lines(boxed(base), [`${c.height}x${c.width}`, '', '']) : null,
    ...s.steps.map((t, i) => lines(boxed(overlay(base, s.maps[i])), [`t=${t + 1}`, `top ${fmt(s.probs[i][0])}`, `bot ${fmt(s.probs[i][1])}`])),
  ]);
  const name = (cls: number) => (ctx.classNames[cls] ?? String(cls)).slice(0, 24);
  return tileGridPng({
    tiles,
    rowLabels: showcase.map((s) => `${s.layer} ${modelShortName(s.method)} T=${s.T}`),
    columnLabels: ['input', ...Array.from({ length: columns }, (_, j) => `${Math.round((100 * (j + 1)) / columns)}%`)],
    title: `top (red): ${name(c.labels[0])}, bottom (white): ${name(c.labels[1])}. ${shown} at evenly spaced t, top/bot = class probabilities`,
    scale: 1,
  });
}
