/**
 * Figure 02 (localization error vs γ, paper Fig. 5a) on a tiny in-memory context: one entry per
 * γ per layer per method, the verdicts the metrics derive from the errors, an error that matches
 * an independent computation, a chart that renders and the CSV columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { toTensor } from '../../lib/data/dataset';
import { gradCam } from '../../lib/explain/gradcam';
import { SpikeActivationMap } from '../../lib/explain/sam';
import type { FigureContext } from '../../lib/figures/context';
import { GAMMA_FIGURE, figureGammaAblation, referenceGamma } from '../../lib/figures/gamma';
import { saveFigureOutputs } from '../../lib/figures/output';
import type { FigureResult } from '../../lib/figures/output';
import { scaleFreeNormalise } from '../../lib/explain/heatmap';
import { localizationError } from '../../lib/metrics/localization';
import { verdict, type Claim } from '../../lib/metrics/uncertainty';
import { toSvg } from '../../lib/plot/render';
import { snnLogits } from '../../lib/snn/logits';
import { tinyRateContext } from '../helpers/figure-context';


/** Every number in a metrics tree is finite. */
function expectFinite(value: unknown, where = 'metrics'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), `${where} = ${value}`).toBe(true);
  else if (Array.isArray(value)) value.forEach((v, i) => expectFinite(v, `${where}[${i}]`));
  else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => expectFinite(v, `${where}.${k}`));
}

describe('figureGammaAblation on a tiny context', () => {
  let ctx: FigureContext;
  let result: FigureResult;
  let tensorsBefore: number;

  beforeAll(async () => {
    ctx = await tinyRateContext(4, { gammas: [0, 0.5, 0.5], layers: [4, 6] }); // the repeated γ counts once
    tensorsBefore = tf.memory().numTensors;
    result = await figureGammaAblation(ctx);
  });
  afterAll(() => ctx?.dispose());

  it('frees every tensor it made', () => {
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('γ list [0, 0.5] gives two entries per layer per method, in rows and in metrics', () => {
    const rows = result.rows ?? [];
    expect(rows).toHaveLength(2 * 2 * 2);
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(['error', 'gamma', 'images', 'layer', 'method', 'std']);
    for (const method of ['surrogate', 'conversion']) {
      for (const layer of ['conv4', 'conv6']) {
        expect(rows.filter((r) => r.method === method && r.layer === layer).map((r) => r.gamma)).toEqual([0, 0.5]);
      }
    }
    const m = result.metrics as Record<string, any>;
    expect(m.gammas).toEqual([0, 0.5]);
    expect(m.layers).toEqual(['conv4', 'conv6']);
    expect(Object.keys(m.surrogate.conv4.errors)).toEqual(['gamma_0', 'gamma_0.5']);
  });

  it('metrics are finite and the verdicts follow from the errors', () => {
    const m = result.metrics as Record<string, any>;
    expectFinite(m);
    const verdicts: boolean[] = [];
    for (const method of ['surrogate', 'conversion']) {
      for (const layer of ['conv4', 'conv6']) {
        const s = m[method][layer];
        const [e0, e5] = [s.errors.gamma_0, s.errors['gamma_0.5']];
        expect(e0).toBeGreaterThan(0);
        expect(s.best_error).toBe(Math.min(e0, e5));
        expect(s.best_gamma).toBe(e5 < e0 ? 0.5 : 0);
        expect(s.gamma0_worst).toBe(e0 > e5 * (1 + 1e-6));
        expect(s.best_interior).toBe(false); // with two γ the best is always at an end
        verdicts.push(s.gamma0_worst);
      }
    }
    expect(m.gamma0_worst_fraction).toBe(verdicts.filter(Boolean).length / verdicts.length);
  });

  it('claims: "γ = 0 worse than γ = 0.5" per method and layer, paired over the images, with an interval around the value and the verdict it implies', () => {
    const m = result.metrics as Record<string, any>;
    expect(m.reference_gamma).toBe(0.5);
    const claims = m.claims as Claim[];
    // γ = 0.5 is the largest γ here: no "large γ" claim.
    expect(claims.map((c) => c.id)).toEqual(['surrogate', 'conversion'].flatMap((method) => ['conv4', 'conv6'].map((layer) => `gamma0_worse_than_gamma0.5_${method}_${layer}`)));
    for (const c of claims) {
      const [, method, layer] = /_(surrogate|conversion)_(conv\d)$/.exec(c.id) as RegExpExecArray;
      const e = m[method][layer].errors;
      // mean(E0 − E0.5) over images = mean(E0) − mean(E0.5).
      expect(c.value).toBeCloseTo(e.gamma_0 - e['gamma_0.5'], 10);
      expect(c.n).toBe(4);
      expect(c.seeds).toEqual([ctx.params.seed]);
      expect(c.level).toBe(0.95);
      expect(c.interval[0]).toBeLessThanOrEqual(c.value);
      expect(c.value).toBeLessThanOrEqual(c.interval[1]);
      expect(c.verdict).toBe(verdict({ low: c.interval[0], high: c.interval[1] }, 'greater'));
      expect(c.metric).toContain(`E(γ = 0) − E(γ = 0.5) at ${layer}`);
      expect(c.metric).toContain('paired by image');
    }
  });

  it('an error equals min_t BCE(G, M_t) computed independently, averaged over images', () => {
    const x = toTensor(ctx.val, ctx.indices);
    const targets = ctx.indices.map((i) => ctx.val.labels[i]);
    const cam = gradCam(ctx.ann, x, { layer: 'conv6', targets, variant: ctx.variant });
    const { net, timesteps } = ctx.snns[1];
    const sam = new SpikeActivationMap({ layers: ['conv6'], gamma: 0.5, variant: ctx.params.explain.variant });
    snnLogits(net, x, ctx.variant, timesteps, ctx.rng.fork('conversion/0'), [sam]).dispose();
    x.dispose();
    const errors = ctx.indices.map((_, b) => localizationError(scaleFreeNormalise(cam.map(0, b)), sam.series('conv6', 'raw', b).map(scaleFreeNormalise)).error);
    sam.dispose();
    const row = (result.rows ?? []).find((r) => r.method === 'conversion' && r.layer === 'conv6' && r.gamma === 0.5);
    expect(row?.error).toBeCloseTo(errors.reduce((a, v) => a + v, 0) / errors.length, 10);
  });

  it('both charts render; the CSV has the promised columns', async () => {
    expect(result.charts[0]).toBe(result.chart);
    for (const c of result.charts) expect(await toSvg(c)).toContain('<svg');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fig02-'));
    await saveFigureOutputs(GAMMA_FIGURE, result, root);
    const csv = fs.readFileSync(path.join(root, 'plots/02-gamma-ablation.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('method,layer,gamma,error,std,images');
    expect(fs.existsSync(path.join(root, 'figures/02-gamma-ablation/02-gamma-ablation.png'))).toBe(true);
  });

  it('without γ = 0 there is no γ = 0 verdict', async () => {
    const other = await tinyRateContext(2, { gammas: [0.3, 0.6], layers: [8] });
    try {
      const r = await figureGammaAblation(other);
      const m = r.metrics as Record<string, any>;
      expect(m.gamma0_worst_fraction).toBeUndefined();
      expect(m.surrogate.conv8.gamma0_worst).toBeUndefined();
      expect(r.rows).toHaveLength(2 * 2);
      // The reference is the γ nearest explain.gamma = 0.5 (0.6), also the largest: nothing to claim.
      expect(m.reference_gamma).toBe(0.6);
      expect(m.claims).toEqual([]);
    } finally {
      other.dispose();
    }
  });

  it('with γ up to 1: "large γ worse again" compares the largest γ with the preset γ = explain.gamma', async () => {
    const other = await tinyRateContext(3, { gammas: [0, 0.5, 1], layers: [6] });
    try {
      const r = await figureGammaAblation(other);
      const m = r.metrics as Record<string, any>;
      const claims = m.claims as Claim[];
      expect(claims.map((c) => c.id)).toEqual(['surrogate', 'conversion'].flatMap((method) => [`gamma0_worse_than_gamma0.5_${method}_conv6`, `gamma1_worse_than_gamma0.5_${method}_conv6`]));
      const large = claims.find((c) => c.id === 'gamma1_worse_than_gamma0.5_conversion_conv6') as Claim;
      expect(large.value).toBeCloseTo(m.conversion.conv6.errors.gamma_1 - m.conversion.conv6.errors['gamma_0.5'], 10);
      expect(large.n).toBe(3);
      expect(large.verdict).toBe(verdict({ low: large.interval[0], high: large.interval[1] }, 'greater'));
    } finally {
      other.dispose();
    }
  });
});

describe('referenceGamma', () => {
  it('is the γ of the list nearest explain.gamma, the smaller on a tie', () => {
    expect(referenceGamma([0, 0.1, 0.5, 1], 0.5)).toBe(0.5);
    expect(referenceGamma([0, 0.3, 0.7, 1], 0.5)).toBe(0.3);
    expect(referenceGamma([0, 1], 0.5)).toBe(0);
    expect(referenceGamma([0.9], 0.5)).toBe(0.9);
    expect(() => referenceGamma([], 0.5)).toThrow('explain.gammas is empty');
  });
});
