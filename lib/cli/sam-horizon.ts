/**
 * The `sam-horizon` command: how SAM's time-averaged pointing game depends on how long the
 * network runs. Runs each trained surrogate SNN for `--steps` steps on the first `explain.images`
 * validation images and scores, for every t ≤ steps, SAM's map of step t alone and the mean of
 * its maps 1…t (lib/metrics/horizon.ts): a simulation is causal, so the second is the score a run
 * of t steps would get. The networks' accuracy after t steps comes with it. Every network sees figure 04's input spikes
 * (its encoder streams), so the fine-tuned network at its own T reproduces figure 04's score.
 * A network run for more steps than it was trained for gets its BNTT statistics recomputed at the
 * longer T first (`calibrateBntt`, `train_snn.calibration_images` training images), as the
 * pipeline's fine-tuning does; a network run at its own T keeps the ones it was saved with.
 * Writes reports/probes/sam-horizon.json (95 % bootstrap intervals over images), which
 * `npm run readme` turns into a README table.
 *
 * Usage: npm run sam-horizon -- [--checkpoints data/checkpoints/snn.ckpt,...] [--steps T]
 *          [--params params.yaml] [--data data/prepared] [--out reports/probes/sam-horizon.json]
 *          [--threshold 0.6]
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { assertSameClasses, boxOf, loadSplits, toTensor } from '../data/dataset';
import { encoderFromMeta } from '../data/normalisation';
import { convLayer, type ConvLayer } from '../explain/gradcam';
import { explainBatch, type ExplanationMaps } from '../explain/method';
import { explanationMethod } from '../explain/registry';
import { chunkProgress, chunks, figureRng } from '../figures/context';
import { LOCALIZATION_CHUNK as CHUNK, LOCALIZATION_FIGURE, localizationStream } from '../figures/localization';
import { writeJsonAtomic } from '../io/atomic';
import { lastStepAtLeast, pointingByHorizon, type HorizonLayer, type HorizonNetwork, type HorizonReport } from '../metrics/horizon';
import { bootstrapInterval } from '../metrics/uncertainty';
import { Rng } from '../random';
import type { SimulationObserver } from '../snn/observer';
import { calibrateBntt } from '../train/calibrate';
import { loadSnn } from '../train/store';
import { machineStats, parseArgs, runMain, startStage } from './common';

const USAGE = 'usage: npm run sam-horizon -- [--checkpoints data/checkpoints/snn.ckpt,data/checkpoints/snn-pretrained.ckpt,data/checkpoints/snn2.ckpt] [--steps T (default snn.timesteps)] [--params params.yaml] [--data data/prepared] [--out reports/probes/sam-horizon.json] [--threshold 0.6]';

/** Running logits' argmax after every step, per image (an observer of the output layer only). */
function predictionsByStep(steps: number, batch: number): { observer: SimulationObserver; predicted: number[][] } {
  const predicted = Array.from({ length: steps }, () => new Array<number>(batch).fill(-1));
  return {
    predicted,
    observer: {
      layers: [],
      onStep: () => undefined,
      onOutput: (t, logits) => { predicted[t] = Array.from(tf.tidy(() => tf.argMax(logits, 1).dataSync())); },
    },
  };
}

runMain('sam-horizon', async () => {
  const args = parseArgs(process.argv.slice(2), {
    checkpoints: 'data/checkpoints/snn.ckpt,data/checkpoints/snn-pretrained.ckpt,data/checkpoints/snn2.ckpt',
    steps: '', params: 'params.yaml', data: 'data/prepared', out: 'reports/probes/sam-horizon.json', threshold: '0.6',
  }, USAGE);
  if (!args) return void console.log(USAGE);
  const { params: p } = await startStage('sam-horizon', args.params);
  const steps = args.steps ? Number(args.steps) : p.snn.timesteps;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer, got '${args.steps}'\n${USAGE}`);
  const threshold = Number(args.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`--threshold must be in [0, 1], got '${args.threshold}'\n${USAGE}`);
  const files = args.checkpoints.split(',').map((f) => f.trim()).filter(Boolean);
  if (files.length === 0) throw new Error(`--checkpoints lists no file\n${USAGE}`);
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`${f}: not found (npm run repro trains the networks)`);
  const layers: ConvLayer[] = p.explain.layers.map((l) => convLayer(l));
  const { train: trainSet, val } = loadSplits(args.data);
  // Figure 04's images and chunks (images without a usable box are simulated, not scored).
  const indices = Array.from({ length: Math.min(p.explain.images, val.size) }, (_, i) => i);
  const boxed = indices.filter((i) => !val.degenerate[i]).length;
  if (boxed === 0) throw new Error(`${args.data}/val.bin: no image with a box among the first ${indices.length}`);
  const sam = explanationMethod('sam');
  // Figure 04's images, chunks and encoder streams.
  const figure = figureRng(p.seed, LOCALIZATION_FIGURE);
  const bootRng = new Rng(p.seed).fork('sam-horizon/bootstrap');
  const networks: HorizonNetwork[] = [];
  for (const file of files) {
    const t0 = performance.now();
    const { model: net, meta } = loadSnn(file);
    try {
      if (meta.kind !== 'snn-surrogate') throw new Error(`${file}: holds a '${meta.kind}' network; sam-horizon explains surrogate-trained SNNs`);
      const encoder = encoderFromMeta(meta, file);
      if (!encoder) throw new Error(`${file}: no encoder in its metadata (written by an older spikelens; retrain it)`);
      if (meta.classNames) {
        const [height, width] = meta.image_size ?? [val.height, val.width];
        assertSameClasses({ classNames: meta.classNames, height, width }, file, val, `${args.data}/val.bin`);
      }
      const trained = net.config.timesteps;
      const recalibrated = steps > trained && p.train_snn.calibration_images > 0;
      if (recalibrated) calibrateBntt(net, trainSet, encoder, steps, new Rng(p.seed).fork('sam-horizon/calibrate'), p.train_snn.calibration_images);
      const hits = new Map(layers.map((l) => [l, { step: [] as boolean[][], horizon: [] as boolean[][] }]));
      const correct: boolean[][] = [];
      const parts = chunks(indices, CHUNK);
      const progress = chunkProgress('sam-horizon', parts.length, path.basename(file));
      for (const [k, idx] of parts.entries()) {
        const x = toTensor(val, idx);
        try {
          const out = predictionsByStep(steps, idx.length);
          const { maps } = explainBatch([sam], { net, images: x, variant: encoder, timesteps: steps, layers, rng: localizationStream(figure, 'surrogate', k), options: { gamma: p.explain.gamma, samVariant: p.explain.variant } }, [out.observer]);
          const ex = maps.get('sam') as ExplanationMaps;
          idx.forEach((i, b) => {
            correct.push(out.predicted.map((pr) => pr[b] === val.labels[i]));
            if (val.degenerate[i]) return;
            for (const layer of layers) {
              const h = pointingByHorizon(ex.series(layer, 'raw', b), boxOf(val, i), val.height, val.width);
              const acc = hits.get(layer) as { step: boolean[][]; horizon: boolean[][] };
              acc.step.push(h.byStep);
              acc.horizon.push(h.byHorizon);
            }
          });
        } finally {
          x.dispose();
        }
        progress.done(k, `${idx.length} images, T = ${steps}`);
      }
      const curve = (perImage: boolean[][]) => Array.from({ length: steps }, (_, t) => bootstrapInterval(perImage.map((v) => (v[t] ? 1 : 0)), { rng: bootRng }));
      const layerReports: Record<string, HorizonLayer> = {};
      for (const layer of layers) {
        const h = hits.get(layer) as { step: boolean[][]; horizon: boolean[][] };
        const byHorizon = curve(h.horizon);
        layerReports[layer] = {
          by_step: curve(h.step), by_horizon: byHorizon,
          longest_run_at_threshold: { value: lastStepAtLeast(byHorizon.map((c) => c.value), threshold), low: lastStepAtLeast(byHorizon.map((c) => c.low), threshold) },
        };
      }
      const md5 = crypto.createHash('md5').update(fs.readFileSync(file)).digest('hex');
      networks.push({ checkpoint: file, md5, trained_timesteps: trained, neuron: net.config.neuron?.kind ?? 'lif', order: net.config.order, recalibrated, accuracy_by_horizon: curve(correct), layers: layerReports });
      const at = Math.min(trained, steps);
      const scores = layers.map((l) => `${l} ${layerReports[l].by_horizon[at - 1].value.toFixed(2)} → ${layerReports[l].by_horizon[steps - 1].value.toFixed(2)}`).join(', ');
      console.error(`sam-horizon: ${file} (trained at T = ${trained}) run for ${steps} steps on ${indices.length} images in ${((performance.now() - t0) / 1000).toFixed(0)} s; time-averaged pointing game at t = ${at} → t = ${steps}: ${scores}`);
    } finally {
      net.dispose();
    }
  }
  const { cpu, cores } = machineStats();
  const report: HorizonReport = {
    generated_by: 'npm run sam-horizon', machine: { cpu, cores }, seed: p.seed, steps, images: boxed,
    gamma: p.explain.gamma, variant: p.explain.variant, threshold, interval_level: 0.95, networks,
  };
  writeJsonAtomic(args.out, report);
  console.error(`sam-horizon: wrote ${args.out}`);
});
