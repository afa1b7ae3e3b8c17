/**
 * The `train-report` stage: merges the training stages' metrics (ANN, surrogate SNN trained then
 * fine-tuned, the second surrogate SNN with another neuron, converted SNN) into
 * reports/metrics/train.json, the summary the README quotes.
 * Usage: npx tsx lib/cli/train-report.ts [--dir reports/metrics]
 */
import * as path from 'path';
import { readJson, writeJsonAtomic } from '../io/atomic';
import { loadParams } from '../params';
import { parseArgs, runMain } from './common';

interface StageMetrics { profile: string; backend: string; val_accuracy: number; seconds: number; timesteps?: number; neuron?: string; cpu?: string; peak_rss_mb?: number }

const peak = (...m: StageMetrics[]) => (m.every((x) => x.peak_rss_mb === undefined) ? null : Math.max(...m.map((x) => x.peak_rss_mb ?? 0)));

const USAGE = 'usage: npx tsx lib/cli/train-report.ts [--dir reports/metrics] [--params params.yaml]';

runMain('train-report', async () => {
  const args = parseArgs(process.argv.slice(2), { dir: 'reports/metrics', params: 'params.yaml' }, USAGE);
  if (!args) return void console.log(USAGE);
  const read = (f: string) => readJson<StageMetrics>(path.join(args.dir, f));
  const ann = read('train-ann.json'), pre = read('train-snn.json'), snn = read('finetune-snn.json'), snn2 = read('finetune-snn2.json'), conv = read('convert.json');
  const profiles = new Set([ann.profile, pre.profile, snn.profile, snn2.profile, conv.profile]);
  if (profiles.size > 1) throw new Error(`${args.dir}: the stages ran on different profiles (${[...profiles].join(', ')}); run dvc repro`);
  const r1 = (v: number) => Math.round(v * 10) / 10;
  // The values that ran after the profile was applied: `dvc exp show` lists `-S profile=smoke` as
  // just `profile`; these columns say what it meant.
  const p = loadParams(args.params);
  const resolved = {
    seed: p.seed, encoder: p.encode.variant, normalisation: p.encode.normalisation, padding: p.snn.padding, neuron: p.snn.neuron, width: p.snn.width,
    data: p.data.source, train_size: p.data.train_size, surrogate_T: p.snn.timesteps, pretrain_T: p.train_snn.pretrain_timesteps || p.snn.timesteps, finetune_epochs: p.train_snn.finetune_epochs, converted_T: p.convert.timesteps,
    second_neuron: p.second_snn.neuron, second_T: p.second_snn.timesteps, second_epochs: p.second_snn.epochs,
    ann_epochs: p.train_ann.epochs, snn_epochs: p.train_snn.epochs, explain_images: p.explain.images,
  };
  const summary = {
    profile: ann.profile,
    resolved,
    backend: ann.backend,
    cpu: pre.cpu ?? 'unknown',
    ann: { val_accuracy: ann.val_accuracy, seconds: r1(ann.seconds), peak_rss_mb: ann.peak_rss_mb ?? null },
    // The network the figures explain: train-snn's, fine-tuned to snn.timesteps (seconds: both stages).
    snn_surrogate: { val_accuracy: snn.val_accuracy, timesteps: snn.timesteps, seconds: r1(pre.seconds + snn.seconds), peak_rss_mb: peak(pre, snn) },
    snn_pretrained: { val_accuracy: pre.val_accuracy, timesteps: pre.timesteps, seconds: r1(pre.seconds), peak_rss_mb: pre.peak_rss_mb ?? null },
    // The figures' second surrogate SNN: train-snn's network with another neuron (seconds: its fine-tuning only).
    snn_second: { val_accuracy: snn2.val_accuracy, timesteps: snn2.timesteps, neuron: snn2.neuron ?? p.second_snn.neuron, seconds: r1(snn2.seconds), peak_rss_mb: snn2.peak_rss_mb ?? null },
    snn_converted: { val_accuracy: conv.val_accuracy, timesteps: conv.timesteps, seconds: r1(conv.seconds), peak_rss_mb: conv.peak_rss_mb ?? null },
    total_training_seconds: r1(ann.seconds + pre.seconds + snn.seconds + snn2.seconds + conv.seconds),
  };
  writeJsonAtomic(path.join(args.dir, 'train.json'), summary);
  console.error(`train-report: ANN ${(100 * ann.val_accuracy).toFixed(1)}%, surrogate SNN ${(100 * snn.val_accuracy).toFixed(1)}% (T = ${snn.timesteps}; ${(100 * pre.val_accuracy).toFixed(1)}% at T = ${pre.timesteps} before fine-tuning), ${snn2.neuron ?? p.second_snn.neuron} SNN ${(100 * snn2.val_accuracy).toFixed(1)}% (T = ${snn2.timesteps}), converted SNN ${(100 * conv.val_accuracy).toFixed(1)}% (${summary.total_training_seconds} s of training)`);
});
