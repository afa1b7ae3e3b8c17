import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { initBackend } from '../../lib/backend';
import { composePair, compositesToTensor } from '../../lib/data/compose';
import { boxOf } from '../../lib/data/dataset';
import { choosePairs, endStep, figureMultiObject, pairAttention, type PairTrace, MULTI_OBJECT_FIGURE } from '../../lib/figures/multi-object';
import { verdict, type Claim } from '../../lib/metrics/uncertainty';
import { toSvg } from '../../lib/plot/render';
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

describe('figure 06: multi-object', () => {
  it('pairs are of different classes, never reuse an image, and the stacked composite shifts the bottom box by the image height', async () => {
    const ctx = await tinySignedContext(12, 3);
    const pairs = choosePairs(ctx);
    expect(pairs).toHaveLength(6);
    expect(new Set(pairs.flat()).size).toBe(12);
    for (const [a, b] of pairs) expect(ctx.val.labels[a]).not.toBe(ctx.val.labels[b]);
    expect(choosePairs(ctx)).toEqual(pairs); // seeded
    expect(choosePairs(ctx, 2)).toEqual(pairs.slice(0, 2));
    const [a, b] = pairs[0];
    const c = composePair(ctx.val, a, b, 'stacked');
    expect([c.height, c.width]).toEqual([64, 32]);
    expect(c.boxes[0]).toEqual(boxOf(ctx.val, a));
    const bb = boxOf(ctx.val, b);
    expect(c.boxes[1]).toEqual({ x0: bb.x0, y0: bb.y0 + 32, x1: bb.x1, y1: bb.y1 + 32 });
    ctx.dispose();
  });

  it('on a tiny context: pairs stacked vertically (64×32), a row per (pair, method, layer, step), shares that add up to at most 1, final probabilities = softmax of the logits, charts and PNG', async () => {
    const ctx = await tinySignedContext(8, 4);
    const before = tf.memory().numTensors;
    const r = await figureMultiObject(ctx);
    expect(tf.memory().numTensors).toBe(before);

    const { claims: paired, explanations, ...numbers } = r.metrics as Record<string, unknown>;
    for (const [k, v] of leaves(numbers)) {
      expect(typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)), `metric ${k} = ${String(v)}`).toBe(true);
    }
    expect((explanations as { id: string; models: string[] }[]).map((e) => `${e.id}: ${e.models.join(', ')}`)).toEqual(['sam: surrogate, conversion', 'snn-gradcam: surrogate', 'rate: surrogate, conversion']);
    const rows = r.rows ?? [];
    // 4 pairs × 2 layers × (4 steps × 3 explanations (surrogate) + 6 steps × 2 (conversion: no gradient method by default)).
    expect(rows).toHaveLength(4 * 2 * (4 * 3 + 6 * 2));
    expect(Object.keys(rows[0]).sort()).toEqual(['explanation', 'layer', 'method', 'pair', 'prob_bottom', 'prob_top', 'share_bottom', 'share_top', 'step']);
    for (const x of rows) {
      const [pt, pb, st, sb] = [x.prob_top, x.prob_bottom, x.share_top, x.share_bottom] as number[];
      expect(pt + pb).toBeLessThanOrEqual(1 + 1e-6);
      expect(Math.min(pt, pb, st, sb)).toBeGreaterThanOrEqual(0);
      expect(st + sb).toBeLessThanOrEqual(1 + 1e-9); // the two boxes lie in different halves
    }
    const meta = r.metrics as { height: number; width: number };
    expect([meta.height, meta.width]).toEqual([64, 32]); // stacked: 2H × W
    expect(new Set(rows.filter((x) => x.method === 'conversion').map((x) => x.step))).toEqual(new Set([1, 2, 3, 4, 5, 6]));

    // The recorded probabilities at the last step are softmax(logits) of the same run (same pairs, same encoder stream).
    const pairs = choosePairs(ctx);
    const x = compositesToTensor(pairs.map(([a, b]) => composePair(ctx.val, a, b, 'stacked')));
    expect(x.shape).toEqual([4, 64, 32, 3]);
    const logits = snnLogits(ctx.snns[0].net, x, ctx.variant, 4, ctx.rng.fork('surrogate/0'));
    const probs = tf.tidy(() => tf.softmax(logits).arraySync() as number[][]);
    tf.dispose([x, logits]);
    pairs.forEach(([a, b], p) => {
      const last = rows.find((row) => row.pair === p && row.method === 'surrogate' && row.layer === 4 && row.step === 4) as Record<string, number>;
      expect(last.prob_top).toBeCloseTo(probs[p][ctx.val.labels[a]], 5);
      expect(last.prob_bottom).toBeCloseTo(probs[p][ctx.val.labels[b]], 5);
    });

    const m = r.metrics as Record<string, Record<string, Record<string, number>>>;
    for (const method of ['surrogate', 'conversion']) {
      for (const layer of ['conv4', 'conv6']) {
        const e = m[method][layer];
        expect(e.focused_fraction).toBeGreaterThanOrEqual(0);
        expect(e.focused_fraction).toBeLessThanOrEqual(1);
        expect(e.agreement_pairs).toBeLessThanOrEqual(4);
        expect(e.share_in_boxes_final).toBeLessThanOrEqual(1);
        // SAM's entry, also under its explanation key; the firing-rate map's beside it.
        expect((m[method] as Record<string, any>).sam[layer]).toEqual(e);
        expect((m[method] as Record<string, any>).rate[layer].focused_fraction).toBeGreaterThanOrEqual(0);
      }
    }
    expect((r.metrics as { pairs: number }).pairs).toBe(4);

    // Claims per method and layer, over the pairs where each is defined (all 4 when SAM has energy in a box).
    const claims = paired as Claim[];
    expect(claims.length).toBeGreaterThan(0);
    for (const method of ['surrogate', 'conversion']) {
      for (const layer of ['conv4', 'conv6']) {
        const e = m[method][layer];
        const settles = claims.find((c) => c.id === `attention_settles_${method}_${layer}`);
        const follows = claims.find((c) => c.id === `probabilities_follow_attention_${method}_${layer}`);
        expect(settles?.n ?? 0).toBe(e.settle_pairs);
        expect(follows?.n ?? 0).toBe(e.agreement_pairs);
        if (settles) expect(settles.verdict).toBe(verdict({ low: settles.interval[0], high: settles.interval[1] }, 'greater', 0));
        if (follows) {
          expect(follows.value).toBeCloseTo(e.agreement, 12);
          expect(follows.verdict).toBe(verdict({ low: follows.interval[0], high: follows.interval[1] }, 'greater', 0.5));
        }
      }
    }
    for (const c of claims) {
      expect(c.n).toBeLessThanOrEqual(4);
      expect(c.seeds).toEqual([ctx.params.seed]);
      expect(c.interval[0]).toBeLessThanOrEqual(c.value);
      expect(c.value).toBeLessThanOrEqual(c.interval[1]);
    }
    expect(Object.keys((r.metrics as { claims_by_means: object }).claims_by_means)).toHaveLength(4);

    expect(r.chart).toBe(r.charts[0]);
    for (const c of r.charts) expect(await toSvg(c)).toMatch(/^<svg/);
    // Slider: the first pair's conv4 maps (16 rows × 8 columns at 64×32), each shown step once (surrogate 1..4, conversion 1..6).
    const cells = (r.charts[2].data as { values: { x: number; y: number }[] }).values;
    expect(cells).toHaveLength((4 + 6) * 16 * 8);
    expect([Math.max(...cells.map((v) => v.y)), Math.max(...cells.map((v) => v.x))]).toEqual([15, 7]);
    expect(String(r.chart?.title)).toContain('Two objects stacked (64×32)');
    const png = PNG.sync.read(Buffer.from(r.pngs?.grid as Uint8Array));
    expect(png.width).toBeGreaterThan(4 * 32); // the input and 3 sampled steps, 32 px wide each
    expect(png.height).toBeGreaterThan(4 * (64 + 3 * 10)); // 4 rows (2 methods × 2 layers) of 64 px tiles with 3 caption lines
    expect(MULTI_OBJECT_FIGURE).toBe('06-multi-object');
    ctx.dispose();
  });

  it('claims on nets that spike from the first step: both claims for every method and layer, over all 4 pairs; "settles" is the paired mean of focus(T) − the pair\'s first-half focus', async () => {
    const ctx = await tinyRateContext(8);
    const r = await figureMultiObject(ctx);
    const claims = (r.metrics as { claims: Claim[] }).claims;
    expect(claims.map((c) => c.id)).toEqual(['surrogate', 'conversion'].flatMap((method) => ['conv4', 'conv6'].flatMap((layer) => [
      `attention_settles_${method}_${layer}`, `probabilities_follow_attention_${method}_${layer}`,
    ])));
    for (const c of claims) {
      expect(c.n).toBe(4);
      expect(c.interval[0]).toBeLessThanOrEqual(c.value);
      expect(c.value).toBeLessThanOrEqual(c.interval[1]);
    }
    // Independent: focus per pair from the rows (s = share_top / (share_top + share_bottom)).
    const rows = r.rows ?? [];
    const focus = (pair: number, step: number) => {
      const x = rows.find((q) => q.pair === pair && q.method === 'conversion' && q.explanation === 'SAM' && q.layer === 4 && q.step === step) as Record<string, number>;
      const inside = x.share_top + x.share_bottom;
      return inside > 0 ? Math.abs((2 * x.share_top) / inside - 1) : null; // silent step: undefined, left out
    };
    const d = [0, 1, 2, 3].map((p) => {
      const early = [1, 2, 3].map((t) => focus(p, t)).filter((f): f is number => f !== null);
      return (focus(p, 6) as number) - early.reduce((a, v) => a + v, 0) / early.length;
    });
    const settles = claims.find((c) => c.id === 'attention_settles_conversion_conv4') as Claim;
    expect(settles.value).toBeCloseTo(d.reduce((a, v) => a + v, 0) / 4, 10);
    expect(settles.metric).toContain('focus at step 6 − mean focus over steps 1..3');
    // These nets fire to the last step: the end of every pair's run is step T.
    const m = r.metrics as Record<string, Record<string, Record<string, number>>>;
    expect(m.conversion.conv4.end_step_mean).toBe(6);
    expect(m.conversion.conv4.ends_before_last_pairs).toBe(0);
    ctx.dispose();
  });

  it('attention at the end of each pair\'s run; "settles" is judged only when most pairs\' layer is still active after the first half', () => {
    // 4 pairs, T = 10, one explanation at conv4. Pair p attends the top box with share s(t); null = silent.
    const trace = (s: (number | null)[]): PairTrace => ({
      probTop: s.map(() => 0.6), probBottom: s.map(() => 0.4), predictedOne: true,
      share: new Map([['sam', new Map([['conv4', { top: s.map((x) => (x === null ? 0 : x)), bottom: s.map((x) => (x === null ? 0 : 1 - x)) }]])]]),
    });
    const e = { id: 'sam' } as unknown as Parameters<typeof pairAttention>[1];
    const _ = null;
    // A wave: active at steps 3..8, silent at 9 and 10; focus grows from 0 (s = 0.5) to 0.8 (s = 0.9).
    const wave = [_, _, 0.5, 0.5, 0.5, 0.7, 0.8, 0.9, _, _];
    const a = pairAttention([wave, wave, wave, wave].map(trace), e, 'conv4', 9);
    expect(a.entry.end_step_mean).toBe(8);
    expect(a.entry.ends_before_last_pairs).toBe(4);
    expect(a.entry.focus_last).toBeCloseTo(0.8, 12); // at step 8, not at the silent step 10
    expect(a.entry.agreement).toBe(1); // attends the top object at its end; the top one is more probable
    expect(a.settle.map((x) => x.last - x.early.mean)).toEqual([0.8, 0.8, 0.8, 0.8].map((v) => expect.closeTo(v, 12)));
    expect(a.entry.settle_judged).toBe(1);
    // Silent after step 4 in 3 of 4 pairs: their end lies in the first half, so "settles" is not judged.
    const early = [_, 0.5, 0.6, 0.9, _, _, _, _, _, _];
    const b = pairAttention([early, early, early, wave].map(trace), e, 'conv4', 9);
    expect(b.entry.settle_pairs).toBe(1);
    expect(b.entry.settle_judged).toBe(0);
    // Silent throughout: no end, no attended object.
    const c = pairAttention([Array(10).fill(_)].map(trace), e, 'conv4', 9);
    expect([c.entry.agreement_pairs, c.entry.focus_last_pairs, c.entry.settle_judged]).toEqual([0, 0, 0]);
  });

  it('the end of a run at a layer is its last step with energy in a box, or none', () => {
    const active = (steps: number[]) => (t: number) => steps.includes(t);
    expect(endStep(active([0, 1, 2, 3]), 3)).toBe(3); // fires to the end
    expect(endStep(active([4, 5, 6, 7, 8]), 19)).toBe(8); // a wave that has passed the layer by step 10
    expect(endStep(active([4, 25]), 19)).toBe(4); // nothing after the run's last step counts
    expect(endStep(active([]), 19)).toBeNull();
  });
});
