import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { initBackend } from '../../lib/backend';
import { boxOf } from '../../lib/data/dataset';
import { figureLocalization, sampleSteps, stackImages, LOCALIZATION_FIGURE } from '../../lib/figures/localization';
import { scaleFreeNormalise } from '../../lib/explain/heatmap';
import { toSvg } from '../../lib/plot/render';
import { tinySignedContext } from '../helpers/figure-context';


/** Every leaf of a metrics object is a finite number or a boolean. */
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

  it('on a tiny context: finite metrics, one row per (explanation, method, layer), charts that render, a valid PNG, flat memory', async () => {
    const ctx = await tinySignedContext();
    const before = tf.memory().numTensors;
    const r = await figureLocalization(ctx);
    expect(tf.memory().numTensors).toBe(before);

    for (const [k, v] of leaves(r.metrics)) {
      expect(typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)), `metric ${k} = ${String(v)}`).toBe(true);
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
    // SNN Grad-CAM is scored for the surrogate only (by default).
    expect(Object.keys(m.localization_error).sort()).toEqual(['sam_conversion', 'sam_surrogate', 'snn_gradcam_surrogate']);
    expect(Object.keys(m.pointing_game).sort()).toEqual(['ann_gradcam', 'sam_conversion', 'sam_surrogate', 'snn_gradcam_surrogate']);
    const claims = (r.metrics as { claims: Record<string, unknown> }).claims;
    expect(Object.values(claims).every((v) => typeof v === 'boolean')).toBe(true);
    const errs = (method: string) => ['conv4', 'conv6', 'conv8'].map((l) => m.localization_error[`sam_${method}`][l]);
    expect(claims.conversion_worse_every_layer).toBe(errs('conversion').every((e, i) => e > errs('surrogate')[i]));
    expect(claims.error_grows_with_depth_surrogate).toBe(errs('surrogate')[0] < errs('surrogate')[1] && errs('surrogate')[1] < errs('surrogate')[2]);

    // Chance = the mean share of the image the boxes cover (toy boxes are never degenerate).
    const area = ctx.indices.map((i) => { const b = boxOf(ctx.val, i); return ((b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1)) / (32 * 32); });
    expect((r.metrics as { chance: number }).chance).toBeCloseTo(area.reduce((a, v) => a + v) / area.length, 10);

    const rows = r.rows ?? [];
    const key = (x: Record<string, unknown>) => `${x.explanation}|${x.method}|${x.layer}`;
    expect(new Set(rows.map(key)).size).toBe(rows.length);
    expect(rows.filter((x) => x.explanation === 'SAM')).toHaveLength(6);
    expect(rows.filter((x) => x.explanation === 'ANN Grad-CAM')).toHaveLength(3);
    expect(rows.filter((x) => x.explanation === 'SNN Grad-CAM')).toHaveLength(3);
    expect(rows.filter((x) => x.explanation === 'chance')).toHaveLength(3);
    for (const x of rows) {
      expect(x.images).toBe(8);
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
