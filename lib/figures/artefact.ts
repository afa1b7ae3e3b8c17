/**
 * SAM's border artefact, measured: how well a surrogate SNN's SAM localizes the object (pointing
 * game and energy in the box, with intervals) and how much of its energy sits on the map's outer
 * ring, on real images and on an all-black probe (no object at all). The encoding × padding grid
 * (lib/cli/encoding-grid.ts) runs this for every pair and draws the pairs side by side.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { boxOf, toTensor, type Dataset } from '../data/dataset';
import type { EncoderSpec } from '../data/encode';
import { meanMap, scaleFreeNormalise, upsample, type HeatMap } from '../explain/heatmap';
import { SpikeActivationMap, type SamVariant } from '../explain/sam';
import type { ConvLayer } from '../explain/gradcam';
import { borderEnergyShare } from '../metrics/border';
import { boxAreaShare, gridPointingChance } from '../metrics/box-area';
import { energyInBox, pointingGame, pointingGameOnGrid } from '../metrics/box';
import { bootstrapInterval, pairedBootstrap, type Interval } from '../metrics/uncertainty';
import { encodePng, outlineBox, overlay, tileGrid, type RgbImage } from '../plot/heatmap';
import type { Rng } from '../random';
import type { SpikingVgg } from '../snn/network';
import { snnLogits } from '../snn/logits';
import { chunks, inputImage } from './context';

/** How SAM is run for the artefact measurements. */
export interface ArtefactOptions {
  variant: EncoderSpec;
  timesteps: number;
  layers: readonly ConvLayer[];
  gamma: number;
  samVariant: SamVariant;
  rng: Rng;
  /** Bootstrap resamples per interval (default 2000). */
  resamples?: number;
  /** Images per simulation batch (default 32). */
  batch?: number;
}

/** A value with its 95 % bootstrap interval. */
export type Estimate = Pick<Interval, 'value' | 'low' | 'high'>;

/** One layer's scores of SAM (time-averaged map) on real images and on the all-black probe. */
export interface LayerArtefactScores {
  /** Images with a box. */
  n: number;
  /** Share of images whose map, upsampled to the image, peaks inside the box. */
  pointing_game: Estimate;
  /** Share of images where a cell of the layer's grid holding the map's maximum overlaps the box (`pointingGameOnGrid`). */
  pointing_game_grid: Estimate;
  /** A random cell's hit rate on the layer's grid: the mean share of cells overlapping the box. */
  pointing_chance_grid: number;
  /** Share of the map's energy inside the box (map upsampled to the image). */
  energy_in_box: Estimate;
  /** energy_in_box − the box's area share, paired by image: > 0 means better than a uniform map. */
  energy_minus_area: Estimate;
  /** Mean share of the map's energy on its outer ring (1 cell wide, at the layer's own grid). */
  ring_energy_share: Estimate;
  /** The ring's share of the area: what a uniform map scores on ring_energy_share. */
  ring_area_share: number;
  /** Ring energy share of SAM on an all-black image; null when that map holds no energy at all. */
  probe_ring_energy_share: number | null;
}

/** Scores per layer plus the maps to draw (first image and the probe, per layer, time-averaged). */
export interface ArtefactScores {
  layers: Record<string, LayerArtefactScores>;
  /** Index (into the data set) of the image drawn. */
  shownIndex: number;
  shown: HeatMap[];
  probe: HeatMap[];
}

const LEVEL = 0.95;

function brief(i: Interval): Estimate {
  return { value: i.value, low: i.low, high: i.high };
}

/** Runs SAM for a batch and returns the time-averaged raw map per layer per image. */
function averagedMaps(net: SpikingVgg, x: tf.Tensor4D, o: ArtefactOptions, rng: Rng): HeatMap[][] {
  const sam = new SpikeActivationMap({ layers: o.layers, gamma: o.gamma, variant: o.samVariant });
  try {
    snnLogits(net, x, o.variant, o.timesteps, rng, [sam]).dispose();
    return o.layers.map((layer) => Array.from({ length: x.shape[0] }, (_, b) => meanMap(sam.series(layer, 'raw', b))));
  } finally {
    sam.dispose();
  }
}

/**
 * SAM's localization and ring energy on `indices` of `ds` (images without a usable box are
 * skipped for the box scores) and on one all-black image of the same size.
 */
export function artefactScores(net: SpikingVgg, ds: Dataset, indices: readonly number[], o: ArtefactOptions): ArtefactScores {
  if (indices.length === 0) throw new Error('artefactScores: no images to evaluate');
  const { height: H, width: W } = ds;
  const per = o.layers.map(() => ({ pointing: [] as number[], pointingGrid: [] as number[], cellChance: [] as number[], energy: [] as number[], area: [] as number[], ring: [] as number[], ringArea: 0 }));
  let shown: HeatMap[] = [];
  for (const [k, idx] of chunks(indices, o.batch ?? 32).entries()) {
    const x = toTensor(ds, idx);
    let maps: HeatMap[][];
    try {
      maps = averagedMaps(net, x, o, o.rng.fork(`images/${k}`));
    } finally {
      x.dispose();
    }
    if (k === 0) shown = maps.map((m) => m[0]);
    o.layers.forEach((_, l) => {
      idx.forEach((i, b) => {
        const raw = maps[l][b];
        const ring = borderEnergyShare(raw.data, raw.height, raw.width);
        per[l].ring.push(ring.energyShare);
        per[l].ringArea = ring.areaShare;
        if (ds.degenerate[i]) return;
        const box = boxOf(ds, i);
        const up = upsample(scaleFreeNormalise(raw), H, W);
        per[l].pointing.push(pointingGame(up, box) ? 1 : 0);
        per[l].pointingGrid.push(pointingGameOnGrid(raw, box, H, W) ? 1 : 0);
        per[l].cellChance.push(gridPointingChance(box, raw.height, raw.width, H, W));
        per[l].energy.push(energyInBox(up, box));
        per[l].area.push(boxAreaShare(box, H, W));
      });
    });
  }
  const black = tf.zeros([1, H, W, 3]) as tf.Tensor4D;
  let probe: HeatMap[];
  try {
    probe = averagedMaps(net, black, o, o.rng.fork('probe')).map((m) => m[0]);
  } finally {
    black.dispose();
  }
  const resamples = o.resamples ?? 2000;
  const layers: Record<string, LayerArtefactScores> = {};
  o.layers.forEach((layer, l) => {
    const s = per[l];
    const ci = (v: number[], what: string) => brief(bootstrapInterval(v, { rng: o.rng.fork(`ci/${layer}/${what}`), resamples, level: LEVEL }));
    const p = probe[l];
    const probeShare = borderEnergyShare(p.data, p.height, p.width);
    const probeEnergy = p.data.reduce((a, v) => a + v, 0);
    layers[layer] = {
      n: s.pointing.length,
      pointing_game: ci(s.pointing, 'pointing'),
      pointing_game_grid: ci(s.pointingGrid, 'pointing-grid'),
      pointing_chance_grid: s.cellChance.reduce((a, v) => a + v, 0) / Math.max(1, s.cellChance.length),
      energy_in_box: ci(s.energy, 'energy'),
      energy_minus_area: brief(pairedBootstrap(s.energy, s.area, { rng: o.rng.fork(`ci/${layer}/energy-area`), resamples, level: LEVEL })),
      ring_energy_share: ci(s.ring, 'ring'),
      ring_area_share: s.ringArea,
      probe_ring_energy_share: probeEnergy > 0 ? probeShare.energyShare : null,
    };
  });
  return { layers, shownIndex: indices[0], shown, probe };
}

/** One row of the side-by-side figure: a trained configuration and its maps. */
export interface ArtefactRow {
  label: string;
  scores: ArtefactScores;
}

/**
 * The side-by-side figure: one row per configuration; columns = the input with its box, SAM of
 * that image at each layer, then SAM of the all-black probe at each layer (drawn on black).
 */
export function artefactFigurePng(ds: Dataset, rows: readonly ArtefactRow[], layers: readonly ConvLayer[], title: string): Uint8Array {
  if (rows.length === 0) throw new Error('artefactFigurePng: no rows');
  const { height: H, width: W } = ds;
  const blackImage: RgbImage = { height: H, width: W, data: new Uint8Array(H * W * 3) };
  const tiles = rows.map((r) => {
    const i = r.scores.shownIndex;
    const base = inputImage(ds, i);
    const boxed = ds.degenerate[i] ? base : outlineBox(base, boxOf(ds, i));
    const draw = (m: HeatMap, on: RgbImage) => overlay(on, upsample(scaleFreeNormalise(m), H, W));
    return [boxed, ...r.scores.shown.map((m) => draw(m, base)), ...r.scores.probe.map((m) => draw(m, blackImage))];
  });
  return encodePng(tileGrid({
    tiles,
    rowLabels: rows.map((r) => r.label),
    columnLabels: ['input', ...layers.map((l) => `SAM ${l}`), ...layers.map((l) => `black ${l}`)],
    title,
    scale: 2,
    fontScale: 1,
  }));
}

/** The committed output of `npm run grid` (table and figure), or null when it has not been run. */
export function loadArtefactGrid(dir = 'reports/grid'): { markdown: string; png: Uint8Array; json: unknown } | null {
  const file = (ext: string) => path.join(dir, `encoding-padding.${ext}`);
  if (!['md', 'png', 'json'].every((ext) => fs.existsSync(file(ext)))) return null;
  return { markdown: fs.readFileSync(file('md'), 'utf8'), png: new Uint8Array(fs.readFileSync(file('png'))), json: JSON.parse(fs.readFileSync(file('json'), 'utf8')) };
}
