import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { initBackend } from '../../lib/backend';
import { boxOf } from '../../lib/data/dataset';
import { figureLocalization, LOCALIZATION_CHOICES, LOCALIZATION_FIGURE } from '../../lib/figures/localization';
import { sampleSteps } from '../../lib/metrics/steps';
import { stackImages } from '../../lib/plot/heatmap';
import type { SensitivityRow } from '../../lib/metrics/sensitivity';
import { verdict, type Claim } from '../../lib/metrics/uncertainty';
import { scaleFreeNormalise } from '../../lib/explain/heatmap';
import { toSvg } from '../../lib/plot/render';
import { tinySignedContext } from '../helpers/figure-context';


/** Every leaf of a metrics object, with its path. */
function leaves(o: unknown, path = ''): [string, unknown][] {
  if (o !== null && typeof o === 'object') return Object.entries(o).flatMap(([k, v]) => leaves(v, `${path}.${k}`));
  return [[path, o]];
}

beforeAll(async () => {
  await initBackend({ prefer: 'node', log: false });
});

describe('figure 04: localization', () => {
  it('sampled steps end at T, scale-free maps of silent steps are zero, stacked images keep their pixels', () => {
    expect(sampleSteps(30, 10)).toEqual([2, 5, 8, 11, 14, 17, 20, 23, 26, 29]);
    expect(sampleSteps(100, 4)).toEqual([24, 49, 74, 99]);
    expect(sampleSteps(4, 6)).toEqual([0, 0, 1, 2, 2, 3]); // a short run on a longer run's columns
    expect(Array.from(scaleFreeNormalise({ height: 1, width: 3, data: new Float32Array([2, 2, 2]) }).data)).toEqual([0, 0, 0]);
    const tiny = scaleFreeNormalise({ height: 1, width: 3, data: new Float32Array([0, 1e-5, 2e-5]) }); // Grad-CAM scale
    expect(tiny.data[2]).toBeCloseTo(1 / 1.001, 5);
    const a = { height: 2, width: 3, data: new Uint8Array(18).fill(7) }, b = { height: 1, width: 2, data: new Uint8Array(6).fill(9) };
    const s = stackImages([a, b], 1);
    expect([s.height, s.width]).toEqual([4, 3]);
    expect(s.data[(3 * 3 + 1) * 3]).toBe(9); // b's second pixel, after a and one gap row
    expect(s.data[(3 * 3 + 2) * 3]).toBe(255); // right of b: white background
  });

  it('on a tiny context: finite metrics, claims with intervals, sensitivity rows, box scores, faithfulness, charts that render, a valid PNG, flat memory', async () => {
    const ctx = await tinySignedContext();
    const before = tf.memory().numTensors;
    // Budget 360 image-steps per explanation: (2·8 + 2)·T per image → surrogate (T = 4) 5 images, conversion (T = 6) 3, ANN 8 (all).
    const r = await figureLocalization(ctx, { faithfulness: { imageSteps: 360 } });
    expect(tf.memory().numTensors).toBe(before);

    for (const [k, v] of leaves(r.metrics)) {
      const ok = typeof v === 'boolean' || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
      expect(ok, `metric ${k} = ${String(v)}`).toBe(true);
    }
    const m = r.metrics as Record<string, Record<string, Record<string, number>>>;
    for (const method of ['surrogate', 'conversion']) {
      for (const layer of ['conv4', 'conv6', 'conv8']) {
        expect(m.localization_error[`sam_${method}`][layer]).toBeGreaterThan(0);
        // The step of minimal error is a 1-based step of that method's run (a mean over images).
        const T = method === 'surrogate' ? 4 : 6;
        expect(m.localization_step[`sam_${method}`][layer]).toBeGreaterThanOrEqual(1);
        expect(m.localization_step[`sam_${method}`][layer]).toBeLessThanOrEqual(T);
      }
    }
    // Every registered explanation is scored; SNN Grad-CAM (a gradient method) for the surrogate only (by default).
    expect(Object.keys(m.localization_error).sort()).toEqual(['rate_conversion', 'rate_surrogate', 'sam_conversion', 'sam_surrogate', 'snn_gradcam_surrogate']);
    expect(Object.keys(m.pointing_game).sort()).toEqual(['ann_gradcam', 'rate_conversion', 'rate_surrogate', 'sam_conversion', 'sam_surrogate', 'snn_gradcam_surrogate']);
    const metrics = r.metrics as Record<string, any>;
    const within = (i: { value: number; low: number; high: number }, what: string) => {
      expect(i.low, `${what} low`).toBeLessThanOrEqual(i.value + 1e-12);
      expect(i.high, `${what} high`).toBeGreaterThanOrEqual(i.value - 1e-12);
    };
    for (const [name, byLayer] of Object.entries(metrics.localization_error_ci as Record<string, Record<string, { value: number; low: number; high: number; n: number }>>)) {
      for (const [layer, i] of Object.entries(byLayer)) {
        expect(i.value).toBe(m.localization_error[name][layer]);
        expect(i.n).toBe(8);
        within(i, `E ${name} ${layer}`);
      }
    }

    // Fig. 5c claims: per method 4→6, 6→8, 4→8; conversion vs surrogate per layer; θ from the per-layer means.
    const claims = metrics.claims as Claim[];
    expect(claims.map((c) => c.id)).toEqual([
      'error_grows_conv4_to_conv6_surrogate', 'error_grows_conv6_to_conv8_surrogate', 'error_grows_conv4_to_conv8_surrogate',
      'error_grows_conv4_to_conv6_conversion', 'error_grows_conv6_to_conv8_conversion', 'error_grows_conv4_to_conv8_conversion',
      'conversion_worse_conv4', 'conversion_worse_conv6', 'conversion_worse_conv8',
    ]);
    const E = (method: string, layer: string) => m.localization_error[`sam_${method}`][layer];
    for (const c of claims) {
      expect(c.n).toBe(8);
      expect(c.seeds).toEqual([ctx.params.seed]);
      within({ value: c.value, low: c.interval[0], high: c.interval[1] }, c.id);
      expect(c.verdict).toBe(verdict({ low: c.interval[0], high: c.interval[1] }, 'greater'));
    }
    expect(claims[2].value).toBeCloseTo(E('surrogate', 'conv8') - E('surrogate', 'conv4'), 10);
    expect(claims[7].value).toBeCloseTo(E('conversion', 'conv6') - E('surrogate', 'conv6'), 10);
    const summary = metrics.claims_summary as Record<string, string>;
    const parts = (ids: string[]) => claims.filter((c) => ids.includes(c.id)).map((c) => c.verdict);
    const surr = parts(['error_grows_conv4_to_conv6_surrogate', 'error_grows_conv6_to_conv8_surrogate']);
    expect(summary.error_grows_with_depth_surrogate).toBe(surr.every((v) => v === 'holds') ? 'holds' : surr.includes('fails') ? 'fails' : 'inconclusive');
    // The verdict by means alone stays for comparison with earlier runs.
    const byMeans = metrics.claims_by_means as Record<string, boolean>;
    const errs = (method: string) => ['conv4', 'conv6', 'conv8'].map((l) => E(method, l));
    expect(byMeans.conversion_worse_every_layer).toBe(errs('conversion').every((e, i) => e > errs('surrogate')[i]));
    expect(byMeans.error_grows_with_depth_surrogate).toBe(errs('surrogate')[0] < errs('surrogate')[1] && errs('surrogate')[1] < errs('surrogate')[2]);

    // Sensitivity: every choice with all its options, each judging all 9 claims; the default rows are the claims.
    const sens = metrics.sensitivity as { rows: SensitivityRow[]; defaults: Record<string, string>; changed: Record<string, { changed: boolean }> };
    expect(sens.rows).toEqual(r.sensitivity);
    expect(Object.keys(sens.defaults)).toEqual(LOCALIZATION_CHOICES.map((c) => c.choice));
    for (const choice of LOCALIZATION_CHOICES) {
      for (const [j, { option }] of choice.options.entries()) {
        const rows = sens.rows.filter((x) => x.choice === choice.choice && x.option === option);
        expect(rows.map((x) => x.claim), `${choice.choice} = ${option}`).toEqual(claims.map((c) => c.id));
        expect(rows.every((x) => x.is_default === (j === 0))).toBe(true);
        for (const x of rows) {
          expect(x.n).toBe(8);
          within({ value: x.value, low: x.interval_low, high: x.interval_high }, `${choice.choice} = ${option}: ${x.claim}`);
          expect(x.default_verdict).toBe(claims.find((c) => c.id === x.claim)?.verdict);
          expect(x.verdict_changed_vs_default).toBe(x.verdict !== x.default_verdict);
          if (j === 0) expect(x.value).toBe(claims.find((c) => c.id === x.claim)?.value);
        }
      }
      expect(sens.changed[choice.choice].changed).toBe(sens.rows.some((x) => x.choice === choice.choice && x.verdict_changed_vs_default));
    }
    // The options act: a harder clamp moves the errors, hence θ.
    const theta = (option: string) => sens.rows.find((x) => x.option === option && x.claim === 'conversion_worse_conv4')?.value;
    expect(theta('e^-100')).not.toBe(theta('1e-7'));
    expect(theta('upsampled to input')).not.toBe(theta('1e-7'));

    // Box scores with intervals beside the box's area share; claims against that chance level.
    const area = ctx.indices.map((i) => { const b = boxOf(ctx.val, i); return ((b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1)) / (32 * 32); });
    const meanArea = area.reduce((a, v) => a + v) / area.length;
    expect((r.metrics as { chance: number }).chance).toBeCloseTo(meanArea, 10);
    const boxScores = metrics.box_scores as Record<string, Record<string, any>>;
    expect(Object.keys(boxScores).sort()).toEqual(['ann_gradcam', 'rate_conversion', 'rate_surrogate', 'sam_conversion', 'sam_surrogate', 'snn_gradcam_surrogate']);
    for (const [name, byLayer] of Object.entries(boxScores)) {
      expect(Object.keys(byLayer)).toEqual(['conv4', 'conv6', 'conv8']);
      for (const [layer, s] of Object.entries(byLayer)) {
        expect(s.n).toBe(8);
        expect(s.pointing_game.value).toBe(m.pointing_game[name][layer]);
        expect(s.pointing_game_upsampled.value).toBe(m.pointing_game_upsampled[name][layer]);
        // A random cell overlaps the box more often than a random pixel lies in it, the more so the coarser the grid.
        expect(s.pointing_chance).toBe(metrics.pointing_chance[layer]);
        expect(s.pointing_chance).toBeGreaterThan(meanArea);
        expect(s.energy_in_box.value).toBe(m.energy_in_box[name][layer]);
        expect(s.box_area_share).toBeCloseTo(meanArea, 10);
        expect(s.energy_minus_area.value).toBeCloseTo(s.energy_in_box.value - meanArea, 10);
        for (const k of ['pointing_game', 'energy_in_box']) {
          within(s[k], `${name} ${layer} ${k}`);
          expect(s[k].low).toBeGreaterThanOrEqual(0);
          expect(s[k].high).toBeLessThanOrEqual(1);
        }
      }
    }
    expect(metrics.pointing_chance.conv8).toBeGreaterThan(metrics.pointing_chance.conv4);
    const boxClaims = metrics.box_claims as Claim[];
    expect(boxClaims).toHaveLength(6 * 3 * 2);
    expect(boxClaims.find((c) => c.id === 'energy_above_area_sam_surrogate_conv6')?.value).toBeCloseTo(boxScores.sam_surrogate.conv6.energy_minus_area.value, 10);

    // SAM's pointing game step by step, for both SNNs at every layer: one hit rate per step of each
    // model's T; step 1 is empty (SAM has no earlier spikes), so it hits nothing.
    const byStep = metrics.pointing_game_by_step as Record<string, Record<string, number[]>>;
    expect(Object.keys(byStep).sort()).toEqual(['sam_conversion', 'sam_surrogate']);
    expect(byStep.sam_surrogate.conv6).toHaveLength(4);
    expect(byStep.sam_conversion.conv4).toHaveLength(6);
    for (const byLayer of Object.values(byStep)) {
      for (const v of Object.values(byLayer)) {
        expect(v[0]).toBe(0);
        for (const x of v) expect(x >= 0 && x <= 1 && Math.abs(x * boxScores.sam_surrogate.conv6.n - Math.round(x * boxScores.sam_surrogate.conv6.n)) < 1e-9).toBe(true);
      }
    }

    // Where the maxima lie: shares over the boxed images that add up to 1, the box's share being the pointing game.
    const peaks = metrics.peak_location as Record<string, Record<string, Record<string, number>>>;
    const peaksByStep = metrics.peak_location_by_step as Record<string, Record<string, Array<Record<string, number>>>>;
    expect(Object.keys(peaks)).toContain('ann_gradcam');
    for (const [name, byLayer] of Object.entries(peaks)) {
      for (const [layer, c] of Object.entries(byLayer)) {
        expect(Object.keys(c)).toEqual(['box', 'content', 'ring', 'background', 'none']);
        expect(Object.values(c).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 10);
        expect(c.box, `${name} ${layer}`).toBeCloseTo(metrics.pointing_game[name][layer], 10);
      }
    }
    expect(Object.keys(peaksByStep).sort()).toEqual(['sam_conversion', 'sam_surrogate']);
    peaksByStep.sam_surrogate.conv6.forEach((c, t) => expect(c.box).toBeCloseTo(byStep.sam_surrogate.conv6[t], 10));
    // Step 1's SAM map is empty: it points nowhere.
    expect(peaksByStep.sam_surrogate.conv6[0].none).toBe(1);
    expect(r.tables.peakLocation).toMatch(/\| in the box \(pointing game\) \| other image content \| border ring \| blank background \|/);

    // Faithfulness at conv6 (default layer), K = 8, images within the budget; AUCs of probabilities in [0, 1].
    const faith = metrics.faithfulness as { settings: Record<string, unknown>; results: Record<string, Record<string, any>> };
    expect(faith.settings).toMatchObject({ layers: ['conv6'], steps: 8, baseline: 0, image_steps_budget: 360, enabled: true });
    expect(Object.keys(faith.results).sort()).toEqual(['ann_gradcam', 'rate_conversion', 'rate_surrogate', 'sam_conversion', 'sam_surrogate', 'snn_gradcam_surrogate']);
    const expectedN: Record<string, number> = { ann_gradcam: 8, sam_surrogate: 5, snn_gradcam_surrogate: 5, rate_surrogate: 5, sam_conversion: 3, rate_conversion: 3 };
    for (const [name, byLayer] of Object.entries(faith.results)) {
      expect(Object.keys(byLayer)).toEqual(['conv6']);
      const s = byLayer.conv6;
      expect(s.n, name).toBe(expectedN[name]);
      for (const k of ['deletion_auc', 'insertion_auc']) {
        within(s[k], `${name} ${k}`);
        expect(s[k].low).toBeGreaterThanOrEqual(0);
        expect(s[k].high).toBeLessThanOrEqual(1);
      }
    }

    // Markdown tables for the notebook: a header, a rule and one line per entry.
    const lines = (md: string) => md.split('\n').length;
    expect(lines(r.tables.claims)).toBe(2 + claims.length);
    expect(lines(r.tables.sensitivity)).toBe(2 + LOCALIZATION_CHOICES.reduce((a, c) => a + c.options.length, 0));
    expect(lines(r.tables.boxes)).toBe(2 + 6 * 3);
    expect(lines(r.tables.faithfulness)).toBe(2 + 6);
    expect(lines(r.tables.pointingByStep)).toBe(2 + 2 * 3);
    // One time-averaged row per (explanation, layer), plus step 2 and the last step for SAM.
    expect(lines(r.tables.peakLocation)).toBe(2 + 6 * 3 + 2 * 3 * 2);
    expect(r.tables.boxes).toContain('| Firing rate (conversion) | conv4 |');
    expect(r.tables.sensitivity).toContain('1e-7 (default)');

    const rows = r.rows ?? [];
    const key = (x: Record<string, unknown>) => `${x.explanation}|${x.method}|${x.layer}`;
    expect(new Set(rows.map(key)).size).toBe(rows.length);
    expect(rows.filter((x) => x.explanation === 'SAM')).toHaveLength(6);
    expect(rows.filter((x) => x.explanation === 'ANN Grad-CAM')).toHaveLength(3);
    expect(rows.filter((x) => x.explanation === 'SNN Grad-CAM')).toHaveLength(3);
    expect(rows.filter((x) => x.explanation === 'Firing rate')).toHaveLength(6);
    const keyOf: Record<string, string> = { SAM: 'sam', 'SNN Grad-CAM': 'snn_gradcam', 'Firing rate': 'rate' };
    expect(rows.filter((x) => x.explanation === 'chance')).toHaveLength(3);
    for (const x of rows) {
      expect(x.images).toBe(8);
      if (x.error !== null) {
        const ci = metrics.localization_error_ci[`${keyOf[x.explanation as string]}_${x.method}`][`conv${x.layer}`];
        expect([x.error_low as number, x.error_high as number]).toEqual([ci.low, ci.high]);
      }
      if (x.pointing_game !== null) expect(x.pointing_game as number).toBeGreaterThanOrEqual(0);
      if (x.energy_in_box !== null) expect(x.energy_in_box as number).toBeLessThanOrEqual(1);
      expect(x.error === null).toBe(x.explanation === 'ANN Grad-CAM' || x.explanation === 'chance');
    }
    expect(rows.find((x) => x.explanation === 'SAM' && x.method === 'surrogate' && x.layer === 6)?.error).toBe(m.localization_error.sam_surrogate.conv6);

    expect(r.chart).toBe(r.charts[0]);
    expect(r.charts).toHaveLength(3);
    for (const c of r.charts) expect(await toSvg(c)).toMatch(/^<svg/);
    // The slider holds the first image's conv4 maps (8×8 at 32×32), each shown step once: K = min(30, max T) = 6
    // frames; frame k shows step max(1, round(k·T/K)), i.e. surrogate (T = 4) 1, 1, 2, 3, 3, 4 and conversion 1..6.
    const slider = (r.charts[2].data as { values: Record<string, number | string>[] }).values;
    expect(slider).toHaveLength((4 + 6) * 8 * 8);
    const filter = ((r.charts[2].spec as { transform: { filter: string }[] }).transform[0].filter);
    expect(filter).toBe('datum.step == max(1, round(t * datum.T / 6))');
    const bind = (r.charts[2].params as { bind: { min: number; max: number } }[])[0].bind;
    expect([bind.min, bind.max]).toEqual([1, 6]);
    for (const [method, T] of [['surrogate', 4], ['conversion', 6]] as const) {
      for (let k = 1; k <= 6; k++) {
        const shown = slider.filter((v) => v.method === method && v.step === Math.max(1, Math.round((k * T) / 6)));
        expect(shown, `${method} frame ${k}`).toHaveLength(64);
      }
    }

    const png = PNG.sync.read(Buffer.from(r.pngs?.grid as Uint8Array));
    expect(png.width).toBeGreaterThan(32 * 5); // input + 3 steps + Grad-CAM columns
    expect(png.height).toBeGreaterThan(3 * 6 * 32); // 3 images × 6 rows
    expect(LOCALIZATION_FIGURE).toBe('04-localization');
    ctx.dispose();
  });
});
