/**
 * Figure 03 (spike activity over time, paper Fig. 5b) on a tiny in-memory context: the shape
 * descriptors on hand-made curves, totals that are the sum of the layers and match an
 * independent counter, counts that accumulate over chunks, curves that peak at 1, finite metrics,
 * charts that render and the CSV columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { toTensor } from '../../lib/data/dataset';
import { ACTIVITY_FIGURE, ALL_LAYERS, FLAT_TAIL_CV, activityShape, figureSpikeActivity, middleSteps, riseAndFall, tailCv } from '../../lib/figures/activity';
import { chunks, type FigureContext } from '../../lib/figures/context';
import { saveFigureOutputs } from '../../lib/figures/output';
import type { FigureResult } from '../../lib/figures/output';
import { SpikeCounter } from '../../lib/metrics/spike-count';
import { verdict, type Claim } from '../../lib/metrics/uncertainty';
import { toSvg } from '../../lib/plot/render';
import { SPIKING_LAYERS } from '../../lib/snn/network';
import { snnLogits } from '../../lib/snn/logits';
import { tinyRateContext } from '../helpers/figure-context';


/** Every number in a metrics tree is finite. */
function expectFinite(value: unknown, where = 'metrics'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), `${where} = ${value}`).toBe(true);
  else if (Array.isArray(value)) value.forEach((v, i) => expectFinite(v, `${where}[${i}]`));
  else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => expectFinite(v, `${where}.${k}`));
}

describe('activityShape (hand-made curves)', () => {
  it('a rise and a fall: interior peak, first and last step below 0.9 of it', () => {
    const s = activityShape([1, 3, 5, 3, 1]);
    expect(s.peak_step).toBe(3);
    expect(s.peak_fraction).toBeCloseTo(3 / 5, 12);
    expect(s.first_over_peak).toBeCloseTo(0.2, 12);
    expect(s.last_over_peak).toBeCloseTo(0.2, 12);
    expect(s.rise_and_fall).toBe(true);
  });

  it('no fall when the peak is at the end or the last step stays near the peak; no rise when it starts high', () => {
    expect(activityShape([1, 2, 3]).rise_and_fall).toBe(false);
    expect(activityShape([1, 5, 4.6]).rise_and_fall).toBe(false);
    expect(activityShape([4.8, 5, 1]).rise_and_fall).toBe(false);
  });

  it('tail flatness: CV over the last half of the steps', () => {
    const flat = activityShape([0, 1, 5, 5, 5, 5]);
    expect(flat.tail_cv).toBe(0);
    expect(flat.flat_tail).toBe(true);
    // last half of [9, 9, 1, 3]: [1, 3], mean 2, std 1 → CV 0.5
    const bumpy = activityShape([9, 9, 1, 3]);
    expect(bumpy.tail_cv).toBeCloseTo(0.5, 12);
    expect(bumpy.flat_tail).toBe(false);
  });

  it('a silent network gives finite descriptors and neither verdict', () => {
    const s = activityShape([0, 0, 0]);
    expect(s).toEqual({ peak_step: 1, peak_fraction: 1 / 3, first_over_peak: 0, last_over_peak: 0, rise_and_fall: false, tail_cv: 0, flat_tail: false });
  });
});

describe('claim statistics (hand-made curves)', () => {
  it('middle half of the run: T/4 ≤ t < 3T/4 (0-based), never the first or last step', () => {
    expect(middleSteps(8)).toEqual([2, 3, 4, 5]);
    expect(middleSteps(4)).toEqual([1, 2]);
    expect(middleSteps(3)).toEqual([1]);
    expect(middleSteps(30)).toEqual(Array.from({ length: 15 }, (_, i) => 8 + i));
    expect(middleSteps(2)).toEqual([]);
  });

  it('riseAndFall: middle above both ends is positive, a monotone rise negative, silence 0; scale-free', () => {
    // [1, 3, 5, 5, 3, 1, 0, 0]/5: middle (steps 3..6) mean (1 + 1 + .6 + .2)/4 = .7, ends max(.2, 0) = .2
    expect(riseAndFall([1, 3, 5, 5, 3, 1, 0, 0])).toBeCloseTo(0.5, 12);
    expect(riseAndFall([10, 30, 50, 50, 30, 10, 0, 0])).toBeCloseTo(0.5, 12);
    expect(riseAndFall([1, 2, 3, 4])).toBeCloseTo((2 / 4 + 3 / 4) / 2 - 1, 12);
    expect(riseAndFall([0, 0, 0, 0])).toBe(0);
    expect(() => riseAndFall([1, 2])).toThrow('has no middle');
  });

  it('tailCv is the CV that activityShape reports', () => {
    expect(tailCv([9, 9, 1, 3])).toBeCloseTo(0.5, 12);
    expect(tailCv([0, 0])).toBe(0);
    expect(tailCv([2, 7, 1, 8, 2])).toBe(activityShape([2, 7, 1, 8, 2]).tail_cv);
  });
});

describe('figureSpikeActivity on a tiny context', () => {
  let ctx: FigureContext;
  let result: FigureResult;
  let tensorsBefore: number;
  const images = 18; // two chunks (16 + 2): counts must accumulate over both

  beforeAll(async () => {
    ctx = await tinyRateContext(images);
    tensorsBefore = tf.memory().numTensors;
    result = await figureSpikeActivity(ctx);
  });
  afterAll(() => ctx?.dispose());

  it('frees every tensor it made', () => {
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('rows: T steps × (all + 9 layers) per method, with the promised columns', () => {
    const rows = result.rows ?? [];
    expect(rows).toHaveLength((4 + 6) * (1 + SPIKING_LAYERS.length));
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(['layer', 'method', 'normalised', 'rate', 'spikes', 'step', 'step_fraction']);
    const conv = rows.filter((r) => r.method === 'conversion' && r.layer === ALL_LAYERS);
    expect(conv.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(conv[5].step_fraction).toBe(1);
  });

  it('the total of a step is the sum of its layers; every non-silent curve peaks at exactly 1', () => {
    const rows = result.rows ?? [];
    for (const method of ['surrogate', 'conversion']) {
      const mine = rows.filter((r) => r.method === method);
      const total = mine.filter((r) => r.layer === ALL_LAYERS);
      total.forEach((r) => {
        const sum = mine.filter((q) => q.layer !== ALL_LAYERS && q.step === r.step).reduce((a, q) => a + Number(q.spikes), 0);
        expect(r.spikes).toBe(sum);
      });
      expect(Math.max(...total.map((r) => Number(r.normalised)))).toBe(1);
      for (const layer of SPIKING_LAYERS) {
        const curve = mine.filter((r) => r.layer === layer);
        const peak = Math.max(...curve.map((r) => Number(r.spikes)));
        expect(Math.max(...curve.map((r) => Number(r.normalised)))).toBe(peak > 0 ? 1 : 0);
        curve.forEach((r) => expect(Number(r.rate)).toBeLessThanOrEqual(1));
      }
    }
  });

  it('counts equal an independent counter run over the same chunks and spikes', () => {
    const { net, timesteps } = ctx.snns[0];
    const counter = new SpikeCounter({ layers: SPIKING_LAYERS });
    chunks(ctx.indices, 16).forEach((idx, k) => {
      const x = toTensor(ctx.val, idx);
      snnLogits(net, x, ctx.variant, timesteps, ctx.rng.fork(`surrogate/${k}`), [counter]).dispose();
      x.dispose();
    });
    const rows = (result.rows ?? []).filter((r) => r.method === 'surrogate' && r.layer === 'conv2');
    expect(rows.map((r) => r.spikes)).toEqual(counter.counts('conv2'));
  });

  it('metrics: finite, per method T, and the shape of the total curve', () => {
    const m = result.metrics as Record<string, any>;
    expectFinite(m);
    expect(m.images).toBe(images);
    expect(m.surrogate.timesteps).toBe(4);
    expect(m.conversion.timesteps).toBe(6);
    for (const method of ['surrogate', 'conversion']) {
      const total = (result.rows ?? []).filter((r) => r.method === method && r.layer === ALL_LAYERS).map((r) => Number(r.spikes));
      expect(m[method]).toMatchObject(activityShape(total));
      expect(m[method].mean_rate).toBeGreaterThan(0);
      expect(m[method].mean_rate).toBeLessThanOrEqual(1);
      expect(Object.keys(m[method].layer_peak_steps)).toEqual([...SPIKING_LAYERS]);
    }
    expect(m.paper_trend_holds).toBe(m.surrogate.rise_and_fall && m.conversion.flat_tail);
  });

  it('claims: surrogate rises and falls, conversion flat in its second half, each over all the images with an interval around the value and the verdict it implies', () => {
    const m = result.metrics as Record<string, any>;
    const claims = m.claims as Claim[];
    expect(claims.map((c) => c.id)).toEqual(['activity_rises_and_falls_surrogate', 'activity_flat_tail_conversion']);
    for (const c of claims) {
      expect(c.n).toBe(images);
      expect(c.seeds).toEqual([ctx.params.seed]);
      expect(c.interval[0]).toBeLessThanOrEqual(c.value);
      expect(c.value).toBeLessThanOrEqual(c.interval[1]);
    }
    const [rise, flat] = claims;
    expect(rise.value).toBeGreaterThanOrEqual(-1);
    expect(rise.value).toBeLessThanOrEqual(1);
    expect(rise.verdict).toBe(verdict({ low: rise.interval[0], high: rise.interval[1] }, 'greater', 0));
    expect(rise.metric).toContain('steps 2..3');
    // Flat: the mean over images of each image's tail CV, claimed below FLAT_TAIL_CV.
    expect(flat.value).toBeGreaterThanOrEqual(0);
    expect(flat.verdict).toBe(verdict({ low: flat.interval[0], high: flat.interval[1] }, 'less', FLAT_TAIL_CV));
    expect(flat.metric).toContain('steps 4..6 of 6');
  });

  it('both charts render; outputs land where dvc expects them', async () => {
    expect(result.charts[0]).toBe(result.chart);
    for (const c of result.charts) expect(await toSvg(c)).toContain('<svg');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fig03-'));
    await saveFigureOutputs(ACTIVITY_FIGURE, result, root);
    const csv = fs.readFileSync(path.join(root, 'plots/03-spike-activity.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('method,step,step_fraction,layer,spikes,normalised,rate');
    expect(JSON.parse(fs.readFileSync(path.join(root, 'metrics/03-spike-activity.json'), 'utf8')).surrogate.timesteps).toBe(4);
  });
});
