/**
 * A further spiking network in the figure context (here an adaptive-threshold LIF net, as the
 * pipeline's `second_snn`) reaches every figure without a figure edit: its numbers, rows and
 * gradient explanations appear under its name; verdicts stay with the paper's two SNNs; and the
 * paper's two get exactly the numbers they get without it (random streams are forked by name).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend';
import { PAPER_MODELS, modelOrder, modelShortName, modelTag, surrogateTrained, trainingOf, type FigureContext } from '../../lib/figures/context';
import { figureSpikeActivity } from '../../lib/figures/activity';
import { figureFgsm } from '../../lib/figures/fgsm';
import { figureGammaAblation } from '../../lib/figures/gamma';
import { figureLocalization } from '../../lib/figures/localization';
import { figureMultiObject } from '../../lib/figures/multi-object';
import type { FigureResult } from '../../lib/figures/output';
import { figureVariance } from '../../lib/figures/variance';
import { Rng } from '../../lib/random';
import { SpikingVgg } from '../../lib/snn/network';
import { tinySignedContext } from '../helpers/figure-context';

const NAME = 'surrogate-alif';

/** tinySignedContext plus, when `withAlif`, the surrogate net's architecture with ALIF neurons at T = 3. */
async function context(withAlif: boolean): Promise<FigureContext> {
  const ctx = await tinySignedContext(6, 5);
  if (!withAlif) return ctx;
  const net = SpikingVgg.create({ ...ctx.snns[0].net.config, timesteps: 3, neuron: { kind: 'alif', adaptation: 0.2, decay: 0.9 } }, new Rng(9));
  ctx.snns.push({ method: NAME, training: 'surrogate', net, timesteps: 3 });
  const dispose = ctx.dispose;
  return { ...ctx, dispose() { dispose(); net.dispose(); } };
}

type Outcome = { metrics: Record<string, unknown>; rows: Record<string, unknown>[] };

/** Runs a figure on both contexts; returns the metrics and rows of each. */
async function both(run: (ctx: FigureContext) => Promise<FigureResult>): Promise<{ two: Outcome; three: Outcome }> {
  const two = await context(false), three = await context(true);
  const outcome = (r: FigureResult): Outcome => ({ metrics: r.metrics ?? {}, rows: (r.rows ?? []) as Record<string, unknown>[] });
  try {
    const a = await run(two), b = await run(three);
    return { two: outcome(a), three: outcome(b) };
  } finally {
    two.dispose();
    three.dispose();
  }
}

/** Every claim id of a metrics file. */
const claimIds = (m: Record<string, unknown>) => ((m.claims ?? []) as { id: string }[]).map((c) => c.id);

beforeAll(async () => {
  await initBackend({ prefer: 'node', log: false });
});

describe('context helpers', () => {
  it('name, training, order and tags of the models', async () => {
    const ctx = await context(true);
    expect(ctx.snns.map(trainingOf)).toEqual(['surrogate', 'conversion', 'surrogate']);
    expect(surrogateTrained(ctx.snns)).toEqual(['surrogate', NAME]);
    expect(modelOrder([...ctx.snns].reverse())).toEqual(['surrogate', 'conversion', NAME]);
    expect([modelTag('ann'), modelTag('surrogate'), modelTag('conversion'), modelTag(NAME)]).toEqual(['A', 'S', 'C', 'S-alif']);
    expect([modelShortName('surrogate'), modelShortName('conversion'), modelShortName(NAME)]).toEqual(['surr.', 'conv.', 'surr.-alif']);
    expect(PAPER_MODELS).toEqual(['surrogate', 'conversion']);
    expect(() => trainingOf({ method: 'mystery', net: ctx.snns[0].net, timesteps: 1 })).toThrow(/SpikingModel 'mystery': say how it was trained/);
    ctx.dispose();
  });
});

describe('a third SNN in every figure', () => {
  it('03 spike activity: its own entry and rows; the paper models and their claims unchanged', async () => {
    const { two, three } = await both(figureSpikeActivity);
    expect(three.metrics.surrogate).toEqual(two.metrics.surrogate);
    expect(three.metrics.conversion).toEqual(two.metrics.conversion);
    expect(three.metrics.claims).toEqual(two.metrics.claims);
    expect((three.metrics[NAME] as { timesteps: number }).timesteps).toBe(3);
    expect(three.rows.filter((r) => r.method === NAME).length).toBe(3 * 10); // 3 steps × (all layers + 9 layers)
  }, 60_000);

  it('01 variance: every explanation, gradient ones included, for the third net; verdicts for the paper two only', async () => {
    const { two, three } = await both((ctx) => figureVariance(ctx));
    expect(three.metrics.surrogate).toEqual(two.metrics.surrogate);
    expect(three.metrics.conversion).toEqual(two.metrics.conversion);
    expect(claimIds(three.metrics)).toEqual(claimIds(two.metrics));
    expect(claimIds(three.metrics).some((id) => id.includes('alif'))).toBe(false);
    const mine = three.metrics[NAME] as Record<string, number>;
    expect(Number.isFinite(mine.sam_variance) && Number.isFinite(mine.snn_gradcam_variance)).toBe(true);
    expect(new Set(three.rows.filter((r) => r.method === NAME).map((r) => r.explanation))).toEqual(new Set(two.rows.filter((r) => r.method === 'surrogate').map((r) => r.explanation)));
  }, 60_000);

  it('02 γ ablation: its curves, the paper models\' errors and verdicts unchanged', async () => {
    const { two, three } = await both(figureGammaAblation);
    expect(three.metrics.surrogate).toEqual(two.metrics.surrogate);
    expect(three.metrics.gamma0_worst_fraction).toEqual(two.metrics.gamma0_worst_fraction);
    expect(claimIds(three.metrics)).toEqual(claimIds(two.metrics));
    expect(Object.keys(three.metrics[NAME] as object).length).toBeGreaterThan(0);
  }, 60_000);

  it('04 localization: SAM, firing rate and SNN Grad-CAM of the third net scored (Grad-CAM not for the converted one); Fig. 5c verdicts unchanged', async () => {
    const run = (ctx: FigureContext) => figureLocalization(ctx, { faithfulness: { imageSteps: 200 }, resamples: 200 });
    const { two, three } = await both(run);
    const pointing = (m: Record<string, unknown>) => m.pointing_game as Record<string, Record<string, number>>;
    for (const key of Object.keys(pointing(two.metrics))) expect(pointing(three.metrics)[key]).toEqual(pointing(two.metrics)[key]);
    expect(Object.keys(pointing(three.metrics))).toEqual(expect.arrayContaining([`sam_${NAME}`, `rate_${NAME}`, `snn_gradcam_${NAME}`]));
    expect(Object.keys(pointing(three.metrics))).not.toContain('snn_gradcam_conversion');
    expect(three.metrics.claims).toEqual(two.metrics.claims);
    expect(three.metrics.claims_summary).toEqual(two.metrics.claims_summary);
  }, 120_000);

  it('05 FGSM: the third net attacked on every image, its maps compared; the surrogate\'s claims unchanged', async () => {
    const run = (ctx: FigureContext) => figureFgsm(ctx, { conversionBatch: 3 });
    const { two, three } = await both(run);
    const acc = (m: Record<string, unknown>) => m.accuracy as Record<string, Record<string, number>>;
    expect(acc(three.metrics).surrogate).toEqual(acc(two.metrics).surrogate);
    expect(Object.keys(acc(three.metrics)[NAME])).toEqual(Object.keys(acc(two.metrics).ann));
    expect(Object.keys(three.metrics.l1 as object)).toEqual(expect.arrayContaining([`sam_${NAME}`, `snn_gradcam_${NAME}`]));
    expect(three.metrics.claims).toEqual(two.metrics.claims);
  }, 120_000);

  it('06 multi-object: its traces and attention; claims for the paper two only', async () => {
    const { two, three } = await both(figureMultiObject);
    expect(three.metrics.surrogate).toEqual(two.metrics.surrogate);
    expect(three.metrics.claims).toEqual(two.metrics.claims);
    expect((three.metrics[NAME] as { timesteps: number }).timesteps).toBe(3);
  }, 60_000);
});
