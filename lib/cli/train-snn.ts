/**
 * The `train-snn` stage: trains the VGG11 SNN from scratch with surrogate gradients and BNTT
 * (BPTT over T) for `train_snn.epochs` at T = `train_snn.pretrain_timesteps` (0: snn.timesteps).
 * The `finetune-snn` stage takes it on to snn.timesteps (lib/cli/finetune-snn.ts).
 * Usage: npx tsx lib/cli/train-snn.ts [--params params.yaml] [--data data/prepared]
 *          [--out data/checkpoints/snn-pretrained.ckpt] [--metrics reports/metrics/train-snn.json]
 * Resumes from <out>.partial after an interruption.
 */
import { loadSplits } from '../data/dataset';
import { writeJsonAtomic } from '../io/atomic';
import { Rng } from '../random';
import { SpikingVgg } from '../snn/network';
import { train } from '../train/loop';
import { snnConfigFromParams } from '../train/snn-config';
import { snnTask } from '../train/tasks';
import { describeEncoder } from '../data/encode';
import { encoderMeta, encoderSpecFor } from '../data/normalisation';
import { parseArgs, runMain, startStage, machineStats } from './common';

const USAGE = 'usage: npx tsx lib/cli/train-snn.ts [--params params.yaml] [--data data/prepared] [--out data/checkpoints/snn-pretrained.ckpt] [--metrics reports/metrics/train-snn.json]';

runMain('train-snn', async () => {
  const args = parseArgs(process.argv.slice(2), { params: 'params.yaml', data: 'data/prepared', out: 'data/checkpoints/snn-pretrained.ckpt', metrics: 'reports/metrics/train-snn.json' }, USAGE);
  if (!args) return void console.log(USAGE);
  const { params: p, backend } = await startStage('train-snn', args.params);
  const { train: trainSet, val: valSet } = loadSplits(args.data);
  const T = p.train_snn.pretrain_timesteps || p.snn.timesteps;
  const config = { ...snnConfigFromParams(p, trainSet.classNames.length), timesteps: T };
  const encoder = encoderSpecFor(p.encode.variant, p.encode.normalisation, trainSet);
  const rng = new Rng(p.seed).fork('train-snn');
  const net = SpikingVgg.create(config, rng.fork('init'));
  console.error(`train-snn: VGG11 ×${p.snn.width} BNTT SNN (${p.snn.neuron}, ${p.snn.surrogate} surrogate), T = ${T}${T !== p.snn.timesteps ? ` (finetune-snn goes on to ${p.snn.timesteps})` : ''}, λ = ${p.snn.leak}, ${describeEncoder(encoder)} Poisson input, ${trainSet.size} train / ${valSet.size} val images, ${p.train_snn.epochs} epochs`);
  const result = await train(snnTask(net, encoder, T, rng.fork('eval'), trainSet, p.train_snn.calibration_images), {
    settings: p.train_snn, train: trainSet, val: valSet, rng, checkpoint: args.out,
    meta: { kind: 'snn-surrogate', arch: config.arch, snn: config, classNames: trainSet.classNames, ...encoderMeta(encoder), profile: p.profile, image_size: [trainSet.height, trainSet.width] },
  });
  writeJsonAtomic(args.metrics, { profile: p.profile, backend: backend.choice, val_accuracy: result.val_accuracy, timesteps: T, seconds: Math.round(result.seconds * 10) / 10, ...machineStats(), epochs: result.epochs });
  console.error(`train-snn: val accuracy ${(100 * result.val_accuracy).toFixed(1)}% in ${result.seconds.toFixed(0)} s → ${args.out}`);
});
