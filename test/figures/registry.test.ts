/**
 * A new explanation method reaches every comparison figure from a test file alone: this file
 * registers a toy method (the input's intensity, average-pooled to each layer's grid, the same map
 * at every step), runs figures 01, 04, 05 and 06 on the smoke-sized contexts with no figure edit,
 * and finds the toy's id, label and numbers in what they write, with values known by hand:
 * the toy images are one bright square on dim noise, so the intensity map points into the box at
 * every layer (pointing game 1), and a map that does not change over time has its maximum
 * variance and largest change at step 1 and a focus that does not grow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../lib/backend';
import type { Dataset } from '../../lib/data/dataset';
import { heatMap, scaleFreeNormalise, type HeatMap } from '../../lib/explain/heatmap';
import { ExplanationMaps, type ExplanationMethod, type ExplainRequest } from '../../lib/explain/method';
import { explanationMethods, registerExplanation } from '../../lib/explain/registry';
import { figureFgsm } from '../../lib/figures/fgsm';
import { figureLocalization } from '../../lib/figures/localization';
import { figureMultiObject } from '../../lib/figures/multi-object';
import { saveFigureOutputs } from '../../lib/figures/output';
import { figureVariance, VARIANCE_FIGURE } from '../../lib/figures/variance';
import { heatmapVariance } from '../../lib/metrics/variance';
import { CONV_LAYERS, convOutputSize } from '../../lib/model/vgg';
import { tinyRateContext, tinySignedContext } from '../helpers/figure-context';

/** The toy: mean over channels of the 0..1 image, average-pooled to the layer's grid; one map, repeated for every step. */
const toy: ExplanationMethod = {
  id: 'toy-intensity',
  label: 'Input intensity',
  shortLabel: 'Input',
  needsTargets: false,
  needsGradient: false,
  explain(r: ExplainRequest): ExplanationMaps {
    const [batch, H, W] = r.images.shape;
    const layers = new Map(r.layers.map((layer) => {
      const [h, w] = convOutputSize(CONV_LAYERS.indexOf(layer as (typeof CONV_LAYERS)[number]), H, W);
      const pooled = tf.tidy(() => tf.avgPool(tf.mean(r.images, 3, true) as tf.Tensor4D, [H / h, W / w], [H / h, W / w], 'valid'));
      const data = pooled.dataSync() as Float32Array;
      pooled.dispose();
      const maps = Array.from({ length: batch }, (_, b) => {
        const m = heatMap(data.slice(b * h * w, (b + 1) * h * w), h, w);
        return Array.from({ length: r.timesteps }, () => m);
      });
      return [layer, maps] as const;
    }));
    return new ExplanationMaps({ method: toy.id, inputHeight: H, inputWidth: W, layers });
  },
};

/** The toy's map of image i of a data set, by hand from its bytes: cell mean of the channel mean, /255. */
function intensityByHand(ds: Dataset, i: number, cell: number): HeatMap {
  const h = ds.height / cell, w = ds.width / cell;
  const out = new Float32Array(h * w);
  for (let y = 0; y < ds.height; y++) {
    for (let x = 0; x < ds.width; x++) {
      for (let c = 0; c < 3; c++) out[Math.floor(y / cell) * w + Math.floor(x / cell)] += ds.images[((i * ds.height + y) * ds.width + x) * 3 + c] / 255 / (3 * cell * cell);
    }
  }
  return heatMap(out, h, w);
}

const builtIns = ['sam', 'snn-gradcam', 'rate'];
let unregister: () => void = () => {};

beforeAll(async () => {
  await initBackend({ prefer: 'node', log: false });
  unregister = registerExplanation(toy);
});
afterAll(() => unregister());

describe('a method registered from a test file appears in every comparison figure', () => {
  it('is listed after the built-ins', () => {
    expect(explanationMethods().map((m) => m.id)).toEqual([...builtIns, 'toy-intensity']);
  });

  it('figure 04: localization error, box scores (pointing game 1: the bright square holds the maximum), faithfulness, rows and tables', async () => {
    const ctx = await tinySignedContext();
    const r = await figureLocalization(ctx, { faithfulness: { imageSteps: 360 } });
    const m = r.metrics as Record<string, any>;
    for (const model of ['surrogate', 'conversion']) {
      const name = `toy_intensity_${model}`;
      for (const layer of ['conv4', 'conv6', 'conv8']) {
        expect(m.pointing_game[name][layer], `${name} ${layer}`).toBe(1);
        expect(m.energy_in_box[name][layer]).toBeGreaterThan(m.chance);
        expect(m.localization_error[name][layer]).toBeGreaterThan(0);
        // A map that does not change over time: every step ties for the minimal error, step 1 wins.
        expect(m.localization_step[name][layer]).toBe(1);
      }
      expect(m.faithfulness.results[name].conv6.n).toBeGreaterThan(0);
    }
    expect(r.tables.boxes).toContain('| Input intensity (surrogate) | conv4 | 8 | 1 [1, 1] |');
    expect((r.rows ?? []).filter((x) => x.explanation === 'Input intensity')).toHaveLength(2 * 3);
    // The paper's claims stay SAM's: the toy gets numbers, no Fig. 5c claim.
    expect((m.claims as { id: string }[]).every((c) => !c.id.includes('toy'))).toBe(true);
    ctx.dispose();
  });

  it('figure 01: the variance it writes is that of the hand-computed intensity map, at step 1', async () => {
    const ctx = await tinyRateContext(5);
    const r = await figureVariance(ctx);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-'));
    await saveFigureOutputs(VARIANCE_FIGURE, { metrics: r.metrics, rows: r.rows }, root);
    const m = JSON.parse(fs.readFileSync(path.join(root, 'metrics', `${VARIANCE_FIGURE}.json`), 'utf8'));
    expect(m.explanations.map((e: { id: string }) => e.id)).toEqual([...builtIns, 'toy-intensity']);
    expect(m.explanations[3]).toEqual({ id: 'toy-intensity', label: 'Input intensity', key: 'toy_intensity' });
    // conv4 of a 32×32 image is 8×8: cells of 4×4 pixels.
    const byHand = ctx.indices.map((i) => heatmapVariance(scaleFreeNormalise(intensityByHand(ctx.val, i, 4))));
    for (const model of ['surrogate', 'conversion']) {
      expect(m[model].toy_intensity_variance).toBeCloseTo(byHand.reduce((a, v) => a + v, 0) / byHand.length, 6);
      expect(m[model].toy_intensity_max_step).toBe(1);
    }
    const csv = fs.readFileSync(path.join(root, 'plots', `${VARIANCE_FIGURE}.csv`), 'utf8');
    expect(csv).toContain('surrogate,Input intensity,');
    expect((m.claims as { id: string }[]).map((c) => c.id)).toEqual(['sam_variance_gt_gradcam_surrogate', 'sam_variance_gt_gradcam_conversion']);
    ctx.dispose();
  });

  it('figure 05: the L1 change of the toy map under FGSM, for both SNNs', async () => {
    // Rate-coded nets with low thresholds: both outputs have a gradient, so the attack moves every pixel.
    const ctx = await tinyRateContext(4);
    const r = await figureFgsm(ctx);
    const m = r.metrics as Record<string, any>;
    for (const model of ['surrogate', 'conversion']) {
      expect(m.unattacked_fraction[model]).toBeLessThan(0.01);
      for (const layer of ['conv4', 'conv6', 'conv8']) {
        // Every pixel moves by ε (signs differ per model): the map changes, but little.
        expect(m.l1[`toy_intensity_${model}`][layer]).toBeGreaterThan(0);
        expect(m.l1[`toy_intensity_${model}`][layer]).toBeLessThan(0.5);
        // The same map at every step: the largest change is at the first.
        expect(m.l1_step[`toy_intensity_${model}`][layer]).toBe(1);
      }
    }
    const bars = (r.charts[1].data as { values: { explanation: string }[] }).values;
    expect(bars.filter((b) => b.explanation === 'Input intensity (conversion)').length).toBeGreaterThan(0);
    ctx.dispose();
  });

  it('figure 06: attention shares of the toy map per pair; a map that does not change has no growing focus', async () => {
    const ctx = await tinyRateContext(8);
    const r = await figureMultiObject(ctx);
    const m = r.metrics as Record<string, any>;
    for (const model of ['surrogate', 'conversion']) {
      for (const layer of ['conv4', 'conv6']) {
        const e = m[model].toy_intensity[layer];
        expect(e.focus_last).toBeCloseTo(e.focus_first_half, 12);
        // Both bright squares hold most of the intensity once it is normalised (their boxes cover a fraction of the composite).
        expect(e.share_in_boxes_final).toBeGreaterThan(0.3);
      }
    }
    expect((r.rows ?? []).some((x) => x.explanation === 'Input intensity' && x.method === 'conversion' && x.step === 6)).toBe(true);
    ctx.dispose();
  });

  it('leaves the registry as it found it once removed', () => {
    unregister();
    expect(explanationMethods().map((m) => m.id)).toEqual(builtIns);
    unregister = registerExplanation(toy); // afterAll removes it again
  });
});
