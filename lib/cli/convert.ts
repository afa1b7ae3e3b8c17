/**
 * The `convert` stage: ANN → IF SNN by threshold balancing, evaluated on the validation set.
 * Usage: npx tsx lib/cli/convert.ts [--params params.yaml] [--data data/prepared]
 *          [--ann data/checkpoints/ann.ckpt] [--out data/checkpoints/converted.ckpt]
 *          [--metrics reports/metrics/convert.json]
 */
import { convertAnn } from '../convert/balance';
import { loadSplits, toTensor } from '../data/dataset';
import { writeJsonAtomic } from '../io/atomic';
import { loadAnn } from '../train/store';
import { Rng } from '../random';
import { snnAccuracy } from '../train/evaluate';
import { saveCheckpoint } from '../train/checkpoint';
import { assertTrainedOn, encoderMeta, encoderSpecFor } from '../data/normalisation';
import { parseArgs, runMain, secondsSince, startStage, machineStats } from './common';

const USAGE = 'usage: npx tsx lib/cli/convert.ts [--params params.yaml] [--data data/prepared] [--ann data/checkpoints/ann.ckpt] [--out data/checkpoints/converted.ckpt] [--metrics reports/metrics/convert.json]';

runMain('convert', async () => {
  const args = parseArgs(process.argv.slice(2), { params: 'params.yaml', data: 'data/prepared', ann: 'data/checkpoints/ann.ckpt', out: 'data/checkpoints/converted.ckpt', metrics: 'reports/metrics/convert.json' }, USAGE);
  if (!args) return void console.log(USAGE);
  const { params: p, backend } = await startStage('convert', args.params);
  const t0 = performance.now();
  const { train: trainSet, val: valSet } = loadSplits(args.data);
  const { model: ann, meta } = loadAnn(args.ann);
  const encoder = encoderSpecFor(p.encode.variant, p.encode.normalisation, trainSet);
  assertTrainedOn(meta, args.ann, encoder, 'train-ann');
  const rng = new Rng(p.seed).fork('convert');
  const pick = rng.fork('batch').permutation(trainSet.size).slice(0, Math.min(p.convert.balance_images, trainSet.size));
  const batch = toTensor(trainSet, pick);
  console.error(`convert: balancing ${1 + 8} layers on ${pick.length} training images × ${p.convert.balance_steps} steps, scale ${p.convert.scale}`);
  const { net, maxCurrents } = await convertAnn(ann, batch, {
    variant: encoder, steps: p.convert.balance_steps, scale: p.convert.scale, percentile: p.convert.percentile, order: p.snn.order, rng, log: (l) => console.error(l),
  });
  batch.dispose();
  const balanceSeconds = secondsSince(t0);
  console.error(`convert: evaluating the converted SNN on ${valSet.size} images at T = ${p.convert.timesteps}`);
  const acc = await snnAccuracy(net, valSet, encoder, p.convert.timesteps, rng.fork('eval'), 32);
  await saveCheckpoint(args.out, net.namedVariables(), {
    kind: 'snn-converted', arch: meta.arch, snn: { ...net.config, timesteps: p.convert.timesteps }, classNames: meta.classNames,
    ...encoderMeta(encoder), profile: p.profile, image_size: [trainSet.height, trainSet.width], maxCurrents,
  });
  writeJsonAtomic(args.metrics, {
    profile: p.profile, backend: backend.choice, val_accuracy: acc, timesteps: p.convert.timesteps,
    thresholds: net.config.thresholds, scale: p.convert.scale, percentile: p.convert.percentile, balance_seconds: balanceSeconds, seconds: secondsSince(t0), ...machineStats(),
  });
  console.error(`convert: val accuracy ${(100 * acc).toFixed(1)}% at T = ${p.convert.timesteps} (${secondsSince(t0)} s) → ${args.out}`);
});
