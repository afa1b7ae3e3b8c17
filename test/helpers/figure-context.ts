/**
 * Figure contexts without files for the figure tests: the 32×32 toy set (test/helpers/toy.ts),
 * a random ANN and two random spiking VGG11 ×0.0625 networks standing in for the surrogate
 * (BNTT, T = 4) and converted (IF, T = 6) models.
 */
import { AnnVgg } from '../../lib/ann/vgg11';
import { initBackend } from '../../lib/backend';
import type { Dataset } from '../../lib/data/dataset';
import type { FigureContext } from '../../lib/figures/context';
import { vggArch } from '../../lib/model/vgg';
import { loadParams, type Params } from '../../lib/params';
import { Rng } from '../../lib/random';
import { SPIKING_LAYERS, SpikingVgg } from '../../lib/snn/network';
import { toyDataset } from './toy';

/** Rate-coded input, low thresholds (0.3 / 0.5) so random nets spike; `explain` overrides params. */
export async function tinyRateContext(images: number, explain: Partial<Params['explain']> = {}): Promise<FigureContext> {
  const backend = await initBackend({ prefer: 'node', log: false });
  const base = loadParams('params.yaml', 'smoke');
  const params: Params = { ...base, explain: { ...base.explain, images, ...explain } };
  const val = toyDataset(images, 5);
  const arch = vggArch(0.0625, 4);
  const lif = { order: 'integrate-then-fire', reset: 'subtract' } as const;
  const surrogate = SpikingVgg.create({ arch, timesteps: 4, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 0.3), bntt: true, ...lif }, new Rng(1));
  const conversion = SpikingVgg.create({ arch, timesteps: 6, leak: 1, thresholds: SPIKING_LAYERS.map(() => 0.5), bntt: false, ...lif }, new Rng(2));
  const ann = AnnVgg.create(arch, new Rng(3), { batchNorm: false });
  return {
    params, backend, val, indices: Array.from({ length: images }, (_, i) => i), ann,
    snns: [{ method: 'surrogate', net: surrogate, timesteps: 4 }, { method: 'conversion', net: conversion, timesteps: 6 }],
    variant: 'rate', classNames: val.classNames, rng: new Rng(42).fork('figure/test'),
    dispose() {
      ann.dispose();
      surrogate.dispose();
      conversion.dispose();
    },
  };
}


/** Signed input, thresholds 1, explain layers 4/6/8 with 3 sampled steps, FGSM ε 0/4/16. */
export async function tinySignedContext(images = 8, seed = 1): Promise<FigureContext> {
  const backend = await initBackend({ prefer: 'node', log: false });
  const params = structuredClone(loadParams('params.yaml', 'smoke'));
  params.explain = { ...params.explain, images, layers: [4, 6, 8], sample_steps: 3, gamma: 0.5, variant: 'paper' };
  params.attack = { epsilons: [0, 4, 16], heatmap_epsilon: 4 };
  const val: Dataset = toyDataset(images, seed);
  const arch = vggArch(0.0625, val.classNames.length);
  const rng = new Rng(seed);
  const ann = AnnVgg.create(arch, rng.fork('ann'), { batchNorm: false });
  const base = { arch, thresholds: SPIKING_LAYERS.map(() => 1), order: 'integrate-then-fire' as const, reset: 'subtract' as const };
  const surrogate = SpikingVgg.create({ ...base, timesteps: 4, leak: 0.99, bntt: true }, rng.fork('snn'));
  const converted = SpikingVgg.create({ ...base, timesteps: 6, leak: 1, bntt: false }, rng.fork('conv'));
  return {
    params, backend, val, indices: Array.from({ length: images }, (_, i) => i), ann,
    snns: [{ method: 'surrogate', net: surrogate, timesteps: 4 }, { method: 'conversion', net: converted, timesteps: 6 }],
    variant: 'signed', classNames: val.classNames, rng: rng.fork('figure'),
    dispose() { ann.dispose(); surrogate.dispose(); converted.dispose(); },
  };
}

