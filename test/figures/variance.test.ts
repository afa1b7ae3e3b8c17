/**
 * Figure 01 (SAM vs SNN Grad-CAM variance, paper Fig. 2) on a tiny context built in memory: a
 * toy 32×32 data set and random VGG11 networks (no checkpoints). Checks the bookkeeping (a
 * constant map has variance 0, the scale-free normalisation, the slider steps, the reported
 * SAM variance against an independent run), finite metrics, one paired-bootstrap claim per
 * method, the promised rows and CSV columns, charts that render, the PNG grid, and that no tensor
 * leaks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { toTensor } from '../../lib/data/dataset';
import { heatMap } from '../../lib/explain/heatmap';
import { SpikeActivationMap } from '../../lib/explain/sam';
import type { FigureContext } from '../../lib/figures/context';
import { saveFigureOutputs } from '../../lib/figures/output';
import { VARIANCE_FIGURE, figureVariance, sliderSteps } from '../../lib/figures/variance';
import type { FigureResult } from '../../lib/figures/output';
import { scaleFreeNormalise } from '../../lib/explain/heatmap';
import { verdict, type Claim } from '../../lib/metrics/uncertainty';
import { heatmapVariance, heatmapVarianceOverSteps } from '../../lib/metrics/variance';
import { toSvg } from '../../lib/plot/render';
import { snnLogits } from '../../lib/snn/logits';
import { tinyRateContext } from '../helpers/figure-context';


/** Every number in a metrics tree is finite. */
function expectFinite(value: unknown, where = 'metrics'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), `${where} = ${value}`).toBe(true);
  else if (Array.isArray(value)) value.forEach((v, i) => expectFinite(v, `${where}[${i}]`));
  else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => expectFinite(v, `${where}.${k}`));
}

describe('figure 01 bookkeeping', () => {
  it('a constant map normalises to zeros and has variance 0; normalisation ignores the map\'s scale', () => {
    const constant = heatMap(new Float32Array(16).fill(0.37), 4, 4);
    expect(Array.from(scaleFreeNormalise(constant).data)).toEqual(new Array(16).fill(0));
    expect(heatmapVariance(scaleFreeNormalise(constant))).toBe(0);
    expect(heatmapVarianceOverSteps([constant, constant].map(scaleFreeNormalise)).value).toBe(0);
    const m = heatMap(Float32Array.from([0, 1, 2, 3]), 2, 2);
    const tiny = heatMap(Float32Array.from([0, 1, 2, 3].map((v) => v * 1e-7)), 2, 2);
    const a = scaleFreeNormalise(m), b = scaleFreeNormalise(tiny);
    Array.from(a.data).forEach((v, i) => expect(b.data[i]).toBeCloseTo(v, 5));
    expect(a.data[3]).toBeCloseTo(1 / 1.001, 6);
    expect(Math.min(...a.data)).toBe(0);
  });

  it('slider steps: every step up to 30, else an even stride ending at T', () => {
    expect(sliderSteps(8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sliderSteps(30)).toHaveLength(30);
    const long = sliderSteps(100);
    expect(long.length).toBeLessThanOrEqual(30);
    expect(long[long.length - 1]).toBe(99);
    long.slice(1).forEach((t, i) => expect(t - long[i]).toBe(4));
  });
});

describe('figureVariance on a tiny context', () => {
  let ctx: FigureContext;
  let result: FigureResult;
  let tensorsBefore: number;

  beforeAll(async () => {
    ctx = await tinyRateContext(5);
    tensorsBefore = tf.memory().numTensors;
    result = await figureVariance(ctx);
  });
  afterAll(() => ctx?.dispose());

  it('frees every tensor it made', () => {
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('returns finite metrics for both methods and the SAM-higher verdict they imply', () => {
    const m = result.metrics as Record<string, any>;
    expectFinite(m);
    expect(m.layer).toBe('conv4');
    expect(m.images).toBe(5);
    for (const method of ['surrogate', 'conversion']) {
      expect(m[method].sam_variance).toBeGreaterThanOrEqual(0);
      expect(m[method].gradcam_variance).toBeGreaterThanOrEqual(0);
      expect(m[method].sam_variance).toBeLessThanOrEqual(0.25); // variance of values in [0, 1]
      expect(m[method].sam_higher_fraction).toBeGreaterThanOrEqual(0);
      expect(m[method].sam_higher_fraction).toBeLessThanOrEqual(1);
    }
    expect(m.surrogate.sam_variance + m.conversion.sam_variance).toBeGreaterThan(0); // the tiny nets do spike at conv4
    expect(m.surrogate.timesteps).toBe(4);
    expect(m.conversion.timesteps).toBe(6);
    expect(m.sam_higher_for_both).toBe(m.surrogate.sam_variance > m.surrogate.gradcam_variance && m.conversion.sam_variance > m.conversion.gradcam_variance);
  });

  it('compares every registered explanation: <key>_variance per method; the paper\'s gradcam_* keys are SNN Grad-CAM\'s', () => {
    const m = result.metrics as Record<string, any>;
    expect(m.explanations).toEqual([
      { id: 'sam', label: 'SAM', key: 'sam' }, { id: 'snn-gradcam', label: 'SNN Grad-CAM', key: 'snn_gradcam' }, { id: 'rate', label: 'Firing rate', key: 'rate' },
    ]);
    for (const method of ['surrogate', 'conversion']) {
      for (const key of ['sam', 'snn_gradcam', 'rate']) {
        expect(m[method][`${key}_variance`]).toBeGreaterThanOrEqual(0);
        expect(m[method][`${key}_variance`]).toBeLessThanOrEqual(0.25);
        expect(m[method][`${key}_max_step`]).toBeGreaterThanOrEqual(1);
      }
      for (const suffix of ['variance', 'variance_std', 'variance_absolute_eps', 'max_step']) expect(m[method][`gradcam_${suffix}`]).toBe(m[method][`snn_gradcam_${suffix}`]);
    }
    expect(m.surrogate.rate_variance + m.conversion.rate_variance).toBeGreaterThan(0);
  });

  it('the reported SAM variance is the mean over images of max_t Var(normalised M_t) of an independent run on the same spikes', () => {
    const { net, timesteps } = ctx.snns[0];
    const sam = new SpikeActivationMap({ layers: ['conv4'], gamma: ctx.params.explain.gamma, variant: ctx.params.explain.variant });
    const x = toTensor(ctx.val, ctx.indices);
    snnLogits(net, x, ctx.variant, timesteps, ctx.rng.fork('surrogate/0'), [sam]).dispose();
    x.dispose();
    const perImage = ctx.indices.map((_, b) => heatmapVarianceOverSteps(sam.series('conv4', 'raw', b).map(scaleFreeNormalise)).value);
    sam.dispose();
    const m = result.metrics as Record<string, any>;
    expect(m.surrogate.sam_variance).toBeCloseTo(perImage.reduce((a, v) => a + v, 0) / perImage.length, 10);
  });

  it('claims: one per method, "SAM variance > SNN Grad-CAM variance", paired over the images, with n, seeds and an interval around the value', () => {
    const m = result.metrics as Record<string, any>;
    const claims = m.claims as Claim[];
    expect(claims.map((c) => c.id)).toEqual(['sam_variance_gt_gradcam_surrogate', 'sam_variance_gt_gradcam_conversion']);
    for (const c of claims) {
      const method = c.id.endsWith('surrogate') ? 'surrogate' : 'conversion';
      expect(c.statement).toBe(`SAM variance > SNN Grad-CAM variance (${method})`);
      expect(c.metric).toContain('paired by image');
      expect(c.n).toBe(5);
      expect(c.level).toBe(0.95);
      expect(c.seeds).toEqual([ctx.params.seed]);
      // θ = mean(SAM_i − GradCAM_i) = difference of the reported means; the interval brackets it.
      expect(c.value).toBeCloseTo(m[method].sam_variance - m[method].gradcam_variance, 12);
      expect(c.interval[0]).toBeLessThanOrEqual(c.value);
      expect(c.interval[1]).toBeGreaterThanOrEqual(c.value);
      expect(c.interval[0]).toBeLessThan(c.interval[1]); // 5 images that differ: a real interval, not a point
      expect(c.verdict).toBe(verdict({ low: c.interval[0], high: c.interval[1] }, 'greater'));
    }
  });

  it('rows: one per method × explanation with the promised columns', () => {
    const rows = result.rows ?? [];
    expect(rows).toHaveLength(6);
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(['explanation', 'images', 'method', 'std', 'variance']);
    expect(rows.map((r) => `${r.method}/${r.explanation}`).sort()).toEqual([
      'conversion/Firing rate', 'conversion/SAM', 'conversion/SNN Grad-CAM', 'surrogate/Firing rate', 'surrogate/SAM', 'surrogate/SNN Grad-CAM',
    ]);
    const m = result.metrics as Record<string, any>;
    expect(rows.find((r) => r.method === 'conversion' && r.explanation === 'SNN Grad-CAM')?.variance).toBe(m.conversion.gradcam_variance);
    expect(rows.find((r) => r.method === 'surrogate' && r.explanation === 'Firing rate')?.variance).toBe(m.surrogate.rate_variance);
  });

  it('every chart renders; the sliders hold the first image\'s maps for every shown step', async () => {
    expect(result.charts[0]).toBe(result.chart);
    expect(result.charts).toHaveLength(3);
    for (const c of result.charts) expect(await toSvg(c)).toContain('<svg');
    const values = (result.charts[2].data as { values: { step: number; explanation: string }[] }).values;
    // conv4 of a 32×32 input is 8×8; conversion T = 6 → 6 steps × 3 explanations × 64 cells.
    expect(values).toHaveLength(6 * 3 * 64);
    expect(new Set(values.map((v) => v.explanation))).toEqual(new Set(['SAM', 'SNN Grad-CAM', 'Firing rate']));
    expect(new Set(values.map((v) => v.step))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
  });

  it('the grid PNG has a row per image (up to 4) and seven columns (input, 3 explanations × 2 methods)', () => {
    const png = PNG.sync.read(Buffer.from(result.pngs?.grid as Uint8Array));
    // tiles 32 px × scale 2 = 64 px, gap 2: 4 rows of 66 px and 7 columns of 66 px plus labels.
    expect(png.height).toBeGreaterThan(4 * 66);
    expect(png.width).toBeGreaterThan(7 * 66);
  });

  it('writes figure, grid, metrics and CSV where dvc expects them', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fig01-'));
    const written = await saveFigureOutputs(VARIANCE_FIGURE, result, root);
    expect(written.map((f) => path.relative(root, f)).sort()).toEqual([
      'figures/01-variance/01-variance-grid.png', 'figures/01-variance/01-variance.png', 'figures/01-variance/01-variance.svg', 'headline/01-variance.json', 'metrics/01-variance.json', 'plots/01-variance.csv',
    ]);
    const json = JSON.parse(fs.readFileSync(path.join(root, 'metrics/01-variance.json'), 'utf8'));
    const head = JSON.parse(fs.readFileSync(path.join(root, 'headline/01-variance.json'), 'utf8'));
    expect(Object.keys(head.verdicts)).toEqual(json.claims.map((c: Claim) => c.id));
    expect(head.claims_hold + head.claims_fail + head.claims_inconclusive).toBe(json.claims.length);
    expect(json.claims.map((c: Claim) => [c.n, c.verdict === 'holds' || c.verdict === 'fails' || c.verdict === 'inconclusive'])).toEqual([[5, true], [5, true]]);
    expect(json.surrogate.sam_variance).toBe((result.metrics as Record<string, any>).surrogate.sam_variance); // existing keys kept
    const csv = fs.readFileSync(path.join(root, 'plots/01-variance.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('method,explanation,variance,std,images');
    expect(csv.filter((l) => l.length > 0)).toHaveLength(7);
  });
});
