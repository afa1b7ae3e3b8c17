/**
 * The `finetune-snn` stage: takes the network train-snn trained at T = train_snn.pretrain_timesteps
 * on to the surrogate SNN the figures explain: snn.timesteps steps, snn.neuron, snn.surrogate.
 * BNTT steps beyond the pretrained T start from its last step (`SpikingVgg.adapted`); then
 * `train_snn.finetune_epochs` epochs of BPTT at the full T, learning rate `finetune_lr` (÷10
 * at 50, 70 and 90 % of them). With 0 epochs the network is only re-saved (its BNTT statistics recomputed at the new T).
 * `--network second` makes the figures' second surrogate SNN instead (the finetune-snn2 stage):
 * the same pretrained network with `second_snn.neuron` at `second_snn.timesteps`, trained for
 * `second_snn.epochs` at `second_snn.lr`.
 * Usage: npx tsx lib/cli/finetune-snn.ts [--params params.yaml] [--data data/prepared]
 *          [--from data/checkpoints/snn-pretrained.ckpt] [--out data/checkpoints/snn.ckpt]
 *          [--metrics reports/metrics/finetune-snn.json] [--network first|second]
 * Resumes from <out>.partial after an interruption.
 */
import { loadSplits } from '../data/dataset';
import { writeJsonAtomic } from '../io/atomic';
import { Rng } from '../random';
import { calibrateBntt } from '../train/calibrate';
import { saveCheckpoint } from '../train/checkpoint';
import { snnAccuracy } from '../train/evaluate';
import { train, differences } from '../train/loop';
import { secondSnnConfigFromParams, snnConfigFromParams } from '../train/snn-config';
import { LR_MILESTONES } from '../train/schedule';
import { loadSnn } from '../train/store';
import { snnTask } from '../train/tasks';
import { assertTrainedOn, encoderMeta, encoderSpecFor } from '../data/normalisation';
import { parseArgs, runMain, startStage, machineStats } from './common';

const USAGE = 'usage: npx tsx lib/cli/finetune-snn.ts [--params params.yaml] [--data data/prepared] [--from data/checkpoints/snn-pretrained.ckpt] [--out data/checkpoints/snn.ckpt] [--metrics reports/metrics/finetune-snn.json] [--network first|second]';

const cliArgs = process.argv.slice(2);
const second = cliArgs.includes('--network') && cliArgs[cliArgs.indexOf('--network') + 1] === 'second';
const STAGE = second ? 'finetune-snn2' : 'finetune-snn';

runMain(STAGE, async () => {
  const args = parseArgs(cliArgs, { params: 'params.yaml', data: 'data/prepared', from: 'data/checkpoints/snn-pretrained.ckpt', out: 'data/checkpoints/snn.ckpt', metrics: 'reports/metrics/finetune-snn.json', network: 'first' }, USAGE);
  if (!args) return void console.log(USAGE);
  if (args.network !== 'first' && args.network !== 'second') throw new Error(`--network must be first or second, got '${args.network}'\n${USAGE}`);
  const { params: p, backend } = await startStage(STAGE, args.params);
  const { train: trainSet, val: valSet } = loadSplits(args.data);
  const source = loadSnn(args.from);
  if (source.meta.kind !== 'snn-surrogate') throw new Error(`${args.from}: holds a '${source.meta.kind}' network; ${STAGE} starts from the train-snn stage's output`);
  const target = second ? secondSnnConfigFromParams(p, trainSet.classNames.length) : snnConfigFromParams(p, trainSet.classNames.length);
  // Only T, the neuron and the surrogate may change: anything else means the pretrained net is stale.
  const { timesteps: _t, neuron: _n, surrogate: _s, ...fixed } = target;
  const { timesteps: fromT, neuron: _n0, surrogate: _s0, ...stored } = source.model.config;
  const stale = differences(stored, fixed);
  if (stale.length) throw new Error(`${args.from}: trained with other settings than params.yaml asks for (${stale.join('; ')}); rerun train-snn (dvc repro)`);
  const encoder = encoderSpecFor(p.encode.variant, p.encode.normalisation, trainSet);
  assertTrainedOn(source.meta, args.from, encoder, 'train-snn');
  const net = source.model.adapted({ timesteps: target.timesteps, neuron: target.neuron, surrogate: target.surrogate });
  source.model.dispose();
  const T = target.timesteps;
  const epochs = second ? p.second_snn.epochs : p.train_snn.finetune_epochs;
  const lr = second ? p.second_snn.lr : p.train_snn.finetune_lr;
  const neuron = second ? p.second_snn.neuron : p.snn.neuron;
  const rng = new Rng(p.seed).fork(STAGE);
  const meta = { kind: 'snn-surrogate', arch: target.arch, snn: target, classNames: trainSet.classNames, ...encoderMeta(encoder), profile: p.profile, image_size: [trainSet.height, trainSet.width], pretrained_timesteps: fromT };
  console.error(`${STAGE}: ${args.from} (T = ${fromT}) → T = ${T}, ${neuron}, ${p.snn.surrogate} surrogate: ${epochs} epochs at lr ${lr}`);
  let result: { val_accuracy: number; seconds: number; epochs: unknown[] };
  if (epochs > 0) {
    result = await train({ ...snnTask(net, encoder, T, rng.fork('eval'), trainSet, p.train_snn.calibration_images), name: STAGE }, {
      settings: { ...p.train_snn, epochs, lr, lr_milestones: [...LR_MILESTONES] }, train: trainSet, val: valSet, rng, checkpoint: args.out, meta,
    });
  } else {
    const t0 = performance.now();
    if (T !== fromT && p.train_snn.calibration_images > 0) calibrateBntt(net, trainSet, encoder, T, rng.fork('eval').fork('calibrate'), p.train_snn.calibration_images);
    const val_accuracy = await snnAccuracy(net, valSet, encoder, T, rng.fork('eval'));
    await saveCheckpoint(args.out, net.namedVariables(), meta);
    result = { val_accuracy, seconds: (performance.now() - t0) / 1000, epochs: [] };
  }
  writeJsonAtomic(args.metrics, { profile: p.profile, backend: backend.choice, val_accuracy: result.val_accuracy, timesteps: T, pretrained_timesteps: fromT, neuron, seconds: Math.round(result.seconds * 10) / 10, ...machineStats(), epochs: result.epochs });
  console.error(`${STAGE}: val accuracy ${(100 * result.val_accuracy).toFixed(1)}% at T = ${T} in ${result.seconds.toFixed(0)} s → ${args.out}`);
});
