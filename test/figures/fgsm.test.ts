import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { initBackend } from '../../lib/backend';
import { subset } from '../../lib/data/dataset';
import { figureFgsm, FGSM_FIGURE } from '../../lib/figures/fgsm';
import { toSvg } from '../../lib/plot/render';
import { annAccuracy } from '../../lib/train/evaluate';
import { tinySignedContext } from '../helpers/figure-context';


/** Every leaf of a metrics object is a finite number or a boolean. */
function leaves(o: unknown, path = ''): [string, unknown][] {
  if (o !== null && typeof o === 'object') return Object.entries(o).flatMap(([k, v]) => leaves(v, `${path}.${k}`));
  return [[path, o]];
}

beforeAll(async () => {
  await initBackend({ prefer: 'node', log: false });
});

describe('figure 05: FGSM', () => {
  it('on a tiny context: accuracy rows per model and ε, finite metrics, charts that render, a valid PNG, flat memory', async () => {
    const ctx = await tinySignedContext();
    const before = tf.memory().numTensors;
    const r = await figureFgsm(ctx, { conversionImages: 4, conversionBatch: 2 });
    expect(tf.memory().numTensors).toBe(before);

    for (const [k, v] of leaves(r.metrics)) {
      expect(typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)), `metric ${k} = ${String(v)}`).toBe(true);
    }
    const rows = r.rows ?? [];
    expect(rows.map((x) => `${x.model}@${x.epsilon}:${x.images}`)).toEqual([
      'ann@0:8', 'ann@4:8', 'ann@16:8', 'surrogate@0:8', 'surrogate@4:8', 'surrogate@16:8', 'conversion@0:4', 'conversion@4:4', 'conversion@16:4',
    ]);
    for (const x of rows) {
      expect(x.accuracy as number).toBeGreaterThanOrEqual(0);
      expect(x.accuracy as number).toBeLessThanOrEqual(1);
      // Accuracies are counts over the model's images.
      const correct = (x.accuracy as number) * (x.images as number);
      expect(Math.abs(correct - Math.round(correct))).toBeLessThan(1e-9);
    }
    // At ε = 0 the attack changes nothing: the ANN's clean accuracy on the same images.
    const clean = await annAccuracy(ctx.ann, subset(ctx.val, ctx.indices), ctx.variant);
    expect(rows[0].accuracy).toBeCloseTo(clean, 10);

    const m = r.metrics as Record<string, Record<string, Record<string, number>>>;
    expect((r.metrics as { conversion_images: number }).conversion_images).toBe(4);
    for (const name of ['ann_gradcam', 'sam_surrogate', 'sam_conversion']) {
      for (const layer of ['conv4', 'conv6', 'conv8']) {
        expect(m.l1[name][layer]).toBeGreaterThanOrEqual(0);
        expect(m.l1[name][layer]).toBeLessThanOrEqual(1);
      }
    }
    expect(m.l1_step.sam_surrogate.conv4).toBeGreaterThanOrEqual(1);
    expect(m.l1_step.sam_surrogate.conv4).toBeLessThanOrEqual(4);
    const claims = (r.metrics as { claims: Record<string, boolean> }).claims;
    expect(claims.sam_changes_less).toBe(['conv4', 'conv6', 'conv8'].every((l) => m.l1.sam_surrogate[l] < m.l1.ann_gradcam[l]));
    const drop = (r.metrics as { accuracy_drop_mean: Record<string, number> }).accuracy_drop_mean;
    const acc = (model: string, e: number) => rows.find((x) => x.model === model && x.epsilon === e)?.accuracy as number;
    expect(drop.ann).toBeCloseTo(acc('ann', 0) - (acc('ann', 4) + acc('ann', 16)) / 2, 10);
    expect(claims.snn_accuracy_drops_less).toBe(drop.surrogate < drop.ann);

    expect(r.chart).toBe(r.charts[0]);
    for (const c of r.charts) expect(await toSvg(c)).toMatch(/^<svg/);
    const png = PNG.sync.read(Buffer.from(r.pngs?.grid as Uint8Array));
    expect(png.width).toBeGreaterThan(8 * 2 * 32); // 8 tile columns at scale 2
    expect(png.height).toBeGreaterThan(3 * 2 * 32); // 3 images
    expect(FGSM_FIGURE).toBe('05-fgsm');
    ctx.dispose();
  });

  it('conversionImages: 0 leaves the converted SNN out', async () => {
    const ctx = await tinySignedContext(4, 2);
    const r = await figureFgsm(ctx, { conversionImages: 0 });
    expect(new Set((r.rows ?? []).map((x) => x.model))).toEqual(new Set(['ann', 'surrogate']));
    expect((r.metrics as { conversion_images: number }).conversion_images).toBe(0);
    expect(Object.keys((r.metrics as { l1: object }).l1).sort()).toEqual(['ann_gradcam', 'sam_surrogate']);
    ctx.dispose();
  });
});
