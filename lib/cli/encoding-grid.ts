/**
 * The encoding × padding grid: where SAM's border artefact comes from, measured. For each pair of
 * spike encoder (`signed-imagenet`: the authors' code with ImageNet's statistics, the black
 * background spikes −1 on every step; `signed-dataset`: the same code with the training set's
 * statistics, the background spikes −1 on about a quarter of the steps; `rate`: the paper's text,
 * the background is silent) and conv padding (`zeros`: the paper; `replicate`), it trains the
 * surrogate SNN of params.yaml on one equal, reduced budget at train-snn's T and records accuracy,
 * SAM's pointing game and energy in the box with 95 % intervals, and the ring energy share on real
 * images and on an all-black probe; then runs the same net for snn.timesteps steps (BNTT
 * statistics recalibrated, no training) and scores SAM's pointing game again: late steps are where
 * a loud background dilutes SAM. Writes reports/grid/encoding-padding.{json,png,md}.
 *
 * Usage: npm run grid [-- --epochs 5 --images 256 --encoders signed-imagenet,signed-dataset,rate --paddings zeros,replicate]
 * Trained grid nets are kept in data/grid/ and reused when their settings match.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadSplits, type Dataset } from '../data/dataset';
import { describeEncoder, type EncoderSpec } from '../data/encode';
import { encoderMeta, encoderSpecFor } from '../data/normalisation';
import { calibrateBntt } from '../train/calibrate';
import { convLayer } from '../explain/gradcam';
import { artefactFigurePng, artefactScores, type ArtefactRow, type LayerArtefactScores } from '../figures/artefact';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic';
import { CONV_PADDINGS, type ConvPadding } from '../model/vgg';
import { loadSnn } from '../train/store';
import type { Params } from '../params';
import { Rng } from '../random';
import { SpikingVgg } from '../snn/network';
import { loadCheckpoint } from '../train/checkpoint';
import { train } from '../train/loop';
import { LR_MILESTONES } from '../train/schedule';
import { snnConfigFromParams } from '../train/snn-config';
import { snnTask } from '../train/tasks';
import { parseArgs, runMain, startStage } from './common';

const USAGE = 'usage: npx tsx lib/cli/encoding-grid.ts [--params params.yaml] [--data data/prepared] [--out reports/grid] [--checkpoints data/grid] [--epochs 5] [--images 256] [--encoders signed-imagenet,signed-dataset,rate] [--paddings zeros,replicate]';

/** One grid cell's result, as written to the JSON. */
interface Cell {
  encoder: GridEncoder;
  /** The encoder in words, statistics included. */
  encoding: string;
  padding: ConvPadding;
  val_accuracy: number;
  train_seconds: number;
  reused_checkpoint: boolean;
  layers: Record<string, LayerArtefactScores>;
  /** The same net run for `timesteps` steps (BNTT recalibrated, no training): the scores at its layers. */
  long_run: { timesteps: number; layers: Record<string, LayerArtefactScores> } | null;
}

/** The grid's encoders: `signed` with ImageNet's or the training set's statistics, and `rate`. */
const GRID_ENCODERS = ['signed-imagenet', 'signed-dataset', 'rate'] as const;
type GridEncoder = (typeof GRID_ENCODERS)[number];

function gridEncoderSpec(encoder: GridEncoder, trainSet: Dataset): EncoderSpec {
  return encoder === 'rate' ? 'rate' : encoderSpecFor('signed', encoder === 'signed-dataset' ? 'dataset' : 'imagenet', trainSet);
}

function listOf<T extends string>(value: string, allowed: readonly T[], key: string): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const v of items) if (!allowed.includes(v as T)) throw new Error(`--${key}: unknown value '${v}'; expected a comma-separated list of ${allowed.join(', ')}`);
  if (items.length === 0) throw new Error(`--${key}: empty list`);
  return items as T[];
}

function positiveInt(value: string, key: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${key}: expected a positive integer, got '${value}'`);
  return n;
}

/** The settings a grid net depends on; a stored net is reused only when they are equal (how often it is validated does not change its weights). */
function gridKey(p: Params, encoder: EncoderSpec, padding: ConvPadding, epochs: number, trainSet: Dataset): string {
  const { eval_every: _validation, pretrain_timesteps: _pre, finetune_epochs: _ft, finetune_lr: _ftLr, lr_milestones: _milestones, ...training } = p.train_snn;
  return JSON.stringify({ seed: p.seed, encoder, padding, epochs, train_size: trainSet.size, snn: { ...p.snn, timesteps: gridTimesteps(p) }, train_snn: { ...training, epochs } });
}

/** The grid's nets train and are explained at train-snn's T (train_snn.pretrain_timesteps), without the fine-tune: a cell costs one training. */
function gridTimesteps(p: Params): number {
  return p.train_snn.pretrain_timesteps || p.snn.timesteps;
}

function fmt(e: { value: number; low: number; high: number }, digits = 2): string {
  return `${e.value.toFixed(digits)} [${e.low.toFixed(digits)}, ${e.high.toFixed(digits)}]`;
}

function markdown(cells: readonly Cell[], layer: string, settings: Record<string, unknown>): string {
  const longT = cells.find((c) => c.long_run)?.long_run?.timesteps;
  const head = `| encoder | padding | val accuracy | pointing game, layer grid (${layer}; random cell) | pointing game, upsampled (${layer}) | energy − area (${layer}) | ring energy share, images (${layer}) | ring energy share, black probe (${layer}) |${longT ? ` pointing game, layer grid, run for T = ${longT} (${layer}) |` : ''}`;
  const rows = cells.map((c) => {
    const s = c.layers[layer];
    const probe = s.probe_ring_energy_share === null ? 'no spikes' : s.probe_ring_energy_share.toFixed(2);
    const long = longT ? ` ${c.long_run ? fmt(c.long_run.layers[layer].pointing_game_grid) : '—'} |` : '';
    return `| ${c.encoding} | ${c.padding} | ${(100 * c.val_accuracy).toFixed(1)} % | ${fmt(s.pointing_game_grid)} (${s.pointing_chance_grid.toFixed(2)}) | ${fmt(s.pointing_game)} | ${fmt(s.energy_minus_area)} | ${fmt(s.ring_energy_share)} (area ${s.ring_area_share.toFixed(2)}) | ${probe} |${long}`;
  });
  return [
    `Encoding × padding grid (${String(settings.epochs)} epochs of ${String(settings.train_size)} images each, T = ${String(settings.timesteps)}, seed ${String(settings.seed)}; SAM γ = ${String(settings.gamma)} time-averaged, ${String(settings.images)} validation images; 95 % bootstrap intervals):`,
    '',
    head,
    `|${'---|'.repeat(longT ? 9 : 8)}`,
    ...rows,
    '',
  ].join('\n');
}

runMain('encoding-grid', async () => {
  const args = parseArgs(process.argv.slice(2), {
    params: 'params.yaml', data: 'data/prepared', out: 'reports/grid', checkpoints: 'data/grid',
    epochs: '5', images: '256', encoders: GRID_ENCODERS.join(','), paddings: 'zeros,replicate',
  }, USAGE);
  if (!args) return void console.log(USAGE);
  const epochs = positiveInt(args.epochs, 'epochs');
  const images = positiveInt(args.images, 'images');
  const encoders = listOf(args.encoders, GRID_ENCODERS, 'encoders');
  const paddings = listOf(args.paddings, CONV_PADDINGS, 'paddings');
  // Validate the output folder before hours of work.
  fs.mkdirSync(args.out, { recursive: true });
  fs.mkdirSync(args.checkpoints, { recursive: true });
  const { params: p, backend } = await startStage('encoding-grid', args.params);
  const { train: trainSet, val: valSet } = loadSplits(args.data);
  const layers = [...new Set(p.explain.layers.map((l) => convLayer(l)))];
  const indices = Array.from({ length: Math.min(images, valSet.size) }, (_, i) => i);
  const cells: Cell[] = [];
  const rows: ArtefactRow[] = [];
  const started = performance.now();
  const pairs = encoders.flatMap((encoder) => paddings.map((padding) => ({ encoder, padding })));
  const longT = p.snn.timesteps;
  for (const [n, { encoder, padding }] of pairs.entries()) {
    const tag = `${encoder}-${padding}`;
    const ckpt = path.join(args.checkpoints, `${tag}.ckpt`);
    const spec = gridEncoderSpec(encoder, trainSet);
    const key = gridKey(p, spec, padding, epochs, trainSet);
    const stored = (file: string) => fs.existsSync(file) && loadCheckpoint<{ grid_key?: string }>(file).meta.grid_key === key;
    for (const stale of [ckpt, `${ckpt}.partial`]) {
      if (fs.existsSync(stale) && !stored(stale)) {
        console.error(`encoding-grid: ${stale} was trained under other settings; removing it`);
        fs.rmSync(stale);
      }
    }
    console.error(`encoding-grid: [${n + 1}/${pairs.length}] ${describeEncoder(spec)} encoder, ${padding} padding`);
    let net: SpikingVgg;
    let valAccuracy: number;
    let seconds: number;
    const reused = stored(ckpt);
    if (reused) {
      // The training loop's final checkpoint keeps its epoch log: the accuracy is the last epoch's.
      const loaded = loadSnn(ckpt);
      net = loaded.model;
      const log = loaded.meta.epochs as Array<{ val_accuracy: number }>;
      valAccuracy = log[log.length - 1].val_accuracy;
      seconds = Math.round(Number(loaded.meta.seconds) * 10) / 10;
      console.error(`encoding-grid: reusing ${ckpt} (val ${(100 * valAccuracy).toFixed(1)} %)`);
    } else {
      const config = { ...snnConfigFromParams(p, trainSet.classNames.length, padding), timesteps: gridTimesteps(p) };
      const rng = new Rng(p.seed).fork('train-snn');
      net = SpikingVgg.create(config, rng.fork('init'));
      // train() writes the final checkpoint only once every epoch is done (a .partial until then).
      const result = await train(snnTask(net, spec, gridTimesteps(p), rng.fork('eval'), trainSet, p.train_snn.calibration_images), {
        settings: { ...p.train_snn, epochs, lr_milestones: [...LR_MILESTONES] }, train: trainSet, val: valSet, rng, checkpoint: ckpt,
        meta: { kind: 'snn-surrogate', arch: config.arch, snn: config, classNames: trainSet.classNames, ...encoderMeta(spec), profile: p.profile, image_size: [trainSet.height, trainSet.width], grid_key: key },
      });
      valAccuracy = result.val_accuracy;
      seconds = Math.round(result.seconds * 10) / 10;
    }
    try {
      const t0 = performance.now();
      const scores = artefactScores(net, valSet, indices, {
        variant: spec, timesteps: gridTimesteps(p), layers, gamma: p.explain.gamma, samVariant: p.explain.variant,
        rng: new Rng(p.seed).fork(`grid/${tag}`),
      });
      const focus = scores.layers.conv6 ?? Object.values(scores.layers)[0];
      console.error(`encoding-grid: ${tag}: val ${(100 * valAccuracy).toFixed(1)} %, pointing ${fmt(focus.pointing_game)}, probe ring share ${focus.probe_ring_energy_share?.toFixed(2) ?? 'no spikes'} (${((performance.now() - t0) / 1000).toFixed(0)} s to explain)`);
      let long_run: Cell['long_run'] = null;
      if (longT !== gridTimesteps(p)) {
        const t1 = performance.now();
        const longNet = net.adapted({ timesteps: longT });
        try {
          calibrateBntt(longNet, trainSet, spec, longT, new Rng(p.seed).fork(`grid/${tag}/calibrate`), p.train_snn.calibration_images);
          const longScores = artefactScores(longNet, valSet, indices, {
            variant: spec, timesteps: longT, layers, gamma: p.explain.gamma, samVariant: p.explain.variant, rng: new Rng(p.seed).fork(`grid/${tag}/long`),
          });
          long_run = { timesteps: longT, layers: longScores.layers };
          const f = longScores.layers.conv6 ?? Object.values(longScores.layers)[0];
          console.error(`encoding-grid: ${tag}: run for T = ${longT}: pointing ${fmt(f.pointing_game_grid)} on the layer grid (${((performance.now() - t1) / 1000).toFixed(0)} s)`);
        } finally {
          longNet.dispose();
        }
      }
      cells.push({ encoder, encoding: describeEncoder(spec), padding, val_accuracy: valAccuracy, train_seconds: seconds, reused_checkpoint: reused, layers: scores.layers, long_run });
      rows.push({ label: `${encoder} ${padding} ${(100 * valAccuracy).toFixed(0)}%`, scores });
    } finally {
      net.dispose();
    }
  }
  const settings = {
    profile: p.profile, seed: p.seed, epochs, train_size: trainSet.size, timesteps: gridTimesteps(p), width: p.snn.width,
    neuron: p.snn.neuron, surrogate: p.snn.surrogate, optimizer: p.train_snn.optimizer, batch_size: p.train_snn.batch_size, lr: p.train_snn.lr,
    gamma: p.explain.gamma, sam_variant: p.explain.variant, images: indices.length, interval_level: 0.95,
    default: { encoder: p.encode.variant, normalisation: p.encode.normalisation, padding: p.snn.padding },
  };
  writeJsonAtomic(path.join(args.out, 'encoding-padding.json'), {
    settings,
    machine: { cpu: os.cpus()[0]?.model.trim() ?? 'unknown', cores: os.cpus().length, backend: backend.choice },
    seconds: Math.round((performance.now() - started) / 100) / 10,
    cells,
  });
  writeFileAtomic(path.join(args.out, 'encoding-padding.md'), layers.map((l) => markdown(cells, l, settings)).join('\n'));
  writeFileAtomic(path.join(args.out, 'encoding-padding.png'), artefactFigurePng(valSet, rows, layers, `SAM (time-averaged, gamma ${p.explain.gamma}) per encoder and padding; right: the same nets on an all-black input`));
  console.error(`encoding-grid: wrote ${args.out}/encoding-padding.{json,md,png} in ${settings.images} images × ${cells.length} cells`);
});
