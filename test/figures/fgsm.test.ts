import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { initBackend } from '../../lib/backend';
import { fgsm, fgsmStep, inputGradient } from '../../lib/attack/fgsm';
import { subset, toTensor } from '../../lib/data/dataset';
import { scaleFreeNormalise, type HeatMap } from '../../lib/explain/heatmap';
import { SpikeActivationMap } from '../../lib/explain/sam';
import { normalisedL1OverSteps } from '../../lib/metrics/distance';
import { CRAFTING_STEPS, figureFgsm, FGSM_FIGURE } from '../../lib/figures/fgsm';
import { verdict, type Claim } from '../../lib/metrics/uncertainty';
import { toSvg } from '../../lib/plot/render';
import { annAccuracy } from '../../lib/train/evaluate';
import { snnLogits } from '../../lib/snn/logits';
import { tinyRateContext, tinySignedContext } from '../helpers/figure-context';


/** Every leaf of a metrics object is a finite number or a boolean. */
function leaves(o: unknown, path = ''): [string, unknown][] {
  if (o !== null && typeof o === 'object') return Object.entries(o).flatMap(([k, v]) => leaves(v, `${path}.${k}`));
  return [[path, o]];
}

beforeAll(async () => {
  await initBackend({ prefer: 'node', log: false });
});

describe('figure 05: FGSM', () => {
  it('on a tiny context: accuracy rows per model and ε on the same images, finite metrics, charts that render, a valid PNG, flat memory', async () => {
    const ctx = await tinySignedContext();
    const before = tf.memory().numTensors;
    const r = await figureFgsm(ctx, { conversionBatch: 3 });
    expect(tf.memory().numTensors).toBe(before);

    const { claims: paired, explanations, ...numbers } = r.metrics as Record<string, unknown>;
    for (const [k, v] of leaves(numbers)) {
      expect(typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)), `metric ${k} = ${String(v)}`).toBe(true);
    }
    // Every registered explanation of the SNNs; the gradient one (SNN Grad-CAM) for the surrogate only, by default.
    expect(explanations).toEqual([
      { id: 'sam', label: 'SAM', key: 'sam', models: ['surrogate', 'conversion'] },
      { id: 'snn-gradcam', label: 'SNN Grad-CAM', key: 'snn_gradcam', models: ['surrogate'] },
      { id: 'rate', label: 'Firing rate', key: 'rate', models: ['surrogate', 'conversion'] },
    ]);
    const rows = r.rows ?? [];
    expect(rows.map((x) => `${x.model}@${x.epsilon}:${x.images}`)).toEqual([
      'ann@0:8', 'ann@4:8', 'ann@16:8', 'surrogate@0:8', 'surrogate@4:8', 'surrogate@16:8', 'conversion@0:8', 'conversion@4:8', 'conversion@16:8',
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
    expect((r.metrics as { conversion_images: number }).conversion_images).toBe(8);
    // T = 4 and 6 are below the 32 crafting steps: both SNNs are attacked over all their steps.
    expect(CRAFTING_STEPS).toBe(32);
    expect((r.metrics as { crafting_timesteps: Record<string, number> }).crafting_timesteps).toEqual({ surrogate: 4, conversion: 6 });
    // Straight through the signed encoder's clip: every pixel-channel of the ANN attack has a gradient.
    expect((r.metrics as { unattacked_fraction: Record<string, number> }).unattacked_fraction.ann).toBe(0);
    expect(Object.keys(m.l1)).toEqual(['ann_gradcam', 'sam_surrogate', 'snn_gradcam_surrogate', 'rate_surrogate', 'sam_conversion', 'rate_conversion']);
    for (const name of Object.keys(m.l1)) {
      for (const layer of ['conv4', 'conv6', 'conv8']) {
        expect(m.l1[name][layer]).toBeGreaterThanOrEqual(0);
        expect(m.l1[name][layer]).toBeLessThanOrEqual(1);
      }
    }
    expect(m.l1_step.sam_surrogate.conv4).toBeGreaterThanOrEqual(1);
    expect(m.l1_step.sam_surrogate.conv4).toBeLessThanOrEqual(4);
    const claims = (r.metrics as { claims_by_means: Record<string, boolean> }).claims_by_means;
    expect(claims.sam_changes_less).toBe(['conv4', 'conv6', 'conv8'].every((l) => m.l1.sam_surrogate[l] < m.l1.ann_gradcam[l]));
    const drop = (r.metrics as { accuracy_drop_mean: Record<string, number> }).accuracy_drop_mean;
    const acc = (model: string, e: number) => rows.find((x) => x.model === model && x.epsilon === e)?.accuracy as number;
    expect(drop.ann).toBeCloseTo(acc('ann', 0) - (acc('ann', 4) + acc('ann', 16)) / 2, 10);
    expect(claims.snn_accuracy_drops_less).toBe(drop.surrogate < drop.ann);

    // Paired claims: accuracy drop per ε > 0, heat-map change per layer, each over the 8 images.
    const list = paired as Claim[];
    expect(list.map((c) => c.id)).toEqual([
      'snn_accuracy_drops_less_surrogate_eps4', 'snn_accuracy_drops_less_surrogate_eps16',
      'sam_changes_less_than_gradcam_surrogate_conv4', 'sam_changes_less_than_gradcam_surrogate_conv6', 'sam_changes_less_than_gradcam_surrogate_conv8',
    ]);
    for (const c of list) {
      expect(c.n).toBe(8);
      expect(c.seeds).toEqual([ctx.params.seed]);
      expect(c.interval[0]).toBeLessThanOrEqual(c.value);
      expect(c.value).toBeLessThanOrEqual(c.interval[1]);
      expect(c.verdict).toBe(verdict({ low: c.interval[0], high: c.interval[1] }, 'greater'));
      expect(typeof c.statement === 'string' && typeof c.metric === 'string').toBe(true);
    }
    // mean(ANN drop − SNN drop) = difference of the accuracy drops; mean(L1 Grad-CAM − L1 SAM) = difference of the means.
    for (const e of [4, 16]) {
      const c = list.find((x) => x.id === `snn_accuracy_drops_less_surrogate_eps${e}`) as Claim;
      expect(c.value).toBeCloseTo((acc('ann', 0) - acc('ann', e)) - (acc('surrogate', 0) - acc('surrogate', e)), 10);
      expect(c.metric).toContain(`ε = ${e}/255`);
    }
    for (const layer of ['conv4', 'conv6', 'conv8']) {
      const c = list.find((x) => x.id === `sam_changes_less_than_gradcam_surrogate_${layer}`) as Claim;
      expect(c.value).toBeCloseTo(m.l1.ann_gradcam[layer] - m.l1.sam_surrogate[layer], 10);
    }

    expect(r.chart).toBe(r.charts[0]);
    for (const c of r.charts) expect(await toSvg(c)).toMatch(/^<svg/);
    const png = PNG.sync.read(Buffer.from(r.pngs?.grid as Uint8Array));
    expect(png.width).toBeGreaterThan(8 * 2 * 32); // 8 tile columns at scale 2
    expect(png.height).toBeGreaterThan(3 * 2 * 32); // 3 images
    expect(FGSM_FIGURE).toBe('05-fgsm');
    ctx.dispose();
  });

  it('an SNN is attacked over min(T, craftingSteps) steps and evaluated over all T, one gradient per batch for every ε and the heat maps', async () => {
    // Rate-coded nets with low thresholds: their output responds within 2 steps, so a 2-step attack has a gradient.
    const ctx = await tinyRateContext(4);
    const r = await figureFgsm(ctx, { craftingSteps: 2, conversionImages: 2 });
    const unattacked = (r.metrics as { unattacked_fraction: Record<string, number> }).unattacked_fraction;
    expect(Object.keys(unattacked).sort()).toEqual(['ann', 'conversion', 'surrogate']);
    for (const v of Object.values(unattacked)) expect(v).toBeLessThan(0.01);
    expect((r.metrics as { crafting_timesteps: Record<string, number> }).crafting_timesteps).toEqual({ surrogate: 2, conversion: 2 });
    const hEps = ctx.params.attack.heatmap_epsilon;
    expect(ctx.params.attack.epsilons).toContain(0);
    expect(ctx.params.attack.epsilons).toContain(hEps);
    for (const { method, net, timesteps } of ctx.snns) {
      const images = method === 'conversion' ? ctx.indices.slice(0, 2) : ctx.indices;
      // The figure's streams (one batch): the gradient on `<method>/attack/0`; the clean and ε = hEps
      // predictions from the explanation runs (`<method>/sam/0`); other ε on `<method>/eval/0/<e>`.
      const x = toTensor(ctx.val, images);
      const labels = images.map((i) => ctx.val.labels[i]);
      const g = inputGradient({ kind: 'snn', net, variant: ctx.variant, timesteps, craftingTimesteps: 2, rng: ctx.rng.fork(`${method}/attack/0`) }, x, tf.tensor1d(labels, 'int32'));
      const direct = ctx.params.attack.epsilons.map((eps, e) => tf.tidy(() => {
        const stream = eps === 0 || eps === hEps ? `${method}/sam/0` : `${method}/eval/0/${e}`;
        const pred = tf.argMax(snnLogits(net, fgsmStep(x, g, eps), ctx.variant, timesteps, ctx.rng.fork(stream)), 1).dataSync();
        return labels.filter((l, b) => pred[b] === l).length / labels.length;
      }));
      expect((r.rows ?? []).filter((row) => row.model === method).map((row) => row.accuracy)).toEqual(direct);
      tf.dispose([x, g]);
    }
    // The heat-map attack is the same gradient at ε = hEps: SAM's change at conv4 is that of the
    // image crafted over 2 steps, SAM runs sharing `surrogate/sam/0`. On 4 images the accuracies
    // above need not tell crafting T apart; this continuous number does (crafted over all 4 steps,
    // 30 % of the gradient signs differ here).
    const { net, timesteps } = ctx.snns[0];
    const x = toTensor(ctx.val, ctx.indices);
    const adv = fgsm({ kind: 'snn', net, variant: ctx.variant, timesteps, craftingTimesteps: 2, rng: ctx.rng.fork('surrogate/attack/0') }, x, ctx.indices.map((i) => ctx.val.labels[i]), hEps);
    const sams = [x, adv].map((input) => {
      const sam = new SpikeActivationMap({ layers: ['conv4'], gamma: ctx.params.explain.gamma, variant: ctx.params.explain.variant });
      snnLogits(net, input, ctx.variant, timesteps, ctx.rng.fork('surrogate/sam/0'), [sam]).dispose();
      return sam;
    });
    const l1 = ctx.indices.map((_, b) => normalisedL1OverSteps(...(sams.map((m) => m.series('conv4', 'raw', b).map(scaleFreeNormalise)) as [HeatMap[], HeatMap[]])).value);
    expect((r.metrics as { l1: Record<string, Record<string, number>> }).l1.sam_surrogate.conv4).toBeCloseTo(l1.reduce((a, v) => a + v, 0) / l1.length, 10);
    sams.forEach((m) => m.dispose());
    tf.dispose([x, adv]);
    expect(r.chart?.title).toContain('conversion: 2 images, crafted over 2 of 6 steps');
    expect(r.chart?.title).toContain('surrogate: 4 images, crafted over 2 of 4 steps');
    await expect(figureFgsm(ctx, { craftingSteps: 0 })).rejects.toThrow(/craftingSteps must be a positive integer, got 0/);
    ctx.dispose();
  });

  it('conversionImages: 0 leaves the converted SNN out', async () => {
    const ctx = await tinySignedContext(4, 2);
    const r = await figureFgsm(ctx, { conversionImages: 0 });
    expect(new Set((r.rows ?? []).map((x) => x.model))).toEqual(new Set(['ann', 'surrogate']));
    expect((r.metrics as { conversion_images: number }).conversion_images).toBe(0);
    expect(Object.keys((r.metrics as { l1: object }).l1).sort()).toEqual(['ann_gradcam', 'rate_surrogate', 'sam_surrogate', 'snn_gradcam_surrogate']);
    ctx.dispose();
  });
});
