/**
 * The `train-ann` stage: trains the VGG11 ANN (Grad-CAM reference and conversion source).
 * Usage: npx tsx lib/cli/train-ann.ts [--params params.yaml] [--data data/prepared]
 *          [--out data/checkpoints/ann.ckpt] [--metrics reports/metrics/train-ann.json]
 * Trains with batch norm (checkpoint <out>.bn, resumable from <out>.bn.partial), then writes the
 * folded network (weights + biases, no norms) to <out>.
 */
import { AnnVgg } from '../ann/vgg11';
import { loadSplits } from '../data/dataset';
import { writeJsonAtomic } from '../io/atomic';
import { vggArch } from '../model/vgg';
import { Rng } from '../random';
import { train } from '../train/loop';
import { annTask } from '../train/tasks';
import { annAccuracy } from '../train/evaluate';
import { saveCheckpoint } from '../train/checkpoint';
import { describeEncoder } from '../data/encode';
import { encoderMeta, encoderSpecFor } from '../data/normalisation';
import { parseArgs, runMain, startStage, machineStats } from './common';

const USAGE = 'usage: npx tsx lib/cli/train-ann.ts [--params params.yaml] [--data data/prepared] [--out data/checkpoints/ann.ckpt] [--metrics reports/metrics/train-ann.json]';

runMain('train-ann', async () => {
  const args = parseArgs(process.argv.slice(2), { params: 'params.yaml', data: 'data/prepared', out: 'data/checkpoints/ann.ckpt', metrics: 'reports/metrics/train-ann.json' }, USAGE);
  if (!args) return void console.log(USAGE);
  const { params: p, backend } = await startStage('train-ann', args.params);
  const { train: trainSet, val: valSet } = loadSplits(args.data);
  const arch = vggArch(p.snn.width, trainSet.classNames.length, 3, p.snn.padding);
  const encoder = encoderSpecFor(p.encode.variant, p.encode.normalisation, trainSet);
  const rng = new Rng(p.seed).fork('train-ann');
  const ann = AnnVgg.create(arch, rng.fork('init'));
  console.error(`train-ann: VGG11 ×${p.snn.width} (${arch.channels.join('/')}, fc ${arch.hidden}), ${describeEncoder(encoder)} input, ${trainSet.size} train / ${valSet.size} val images, ${p.train_ann.epochs} epochs`);
  const result = await train(annTask(ann, encoder, p.train_ann.dropout, trainSet, 512, rng.fork('eval')), {
    settings: p.train_ann, train: trainSet, val: valSet, rng, checkpoint: `${args.out}.bn`,
    meta: { kind: 'ann-training', arch, classNames: trainSet.classNames, ...encoderMeta(encoder), profile: p.profile, image_size: [trainSet.height, trainSet.width] },
  });
  // Fold the batch norms into weights + biases: same function, and the form Grad-CAM and
  // conversion use. Its accuracy is measured again rather than assumed.
  const folded = ann.folded();
  const foldedAcc = await annAccuracy(folded, valSet, encoder);
  await saveCheckpoint(args.out, folded.namedVariables(), {
    kind: 'ann', arch, biases: true, classNames: trainSet.classNames, ...encoderMeta(encoder), profile: p.profile, image_size: [trainSet.height, trainSet.width], epochs: result.epochs,
  });
  writeJsonAtomic(args.metrics, {
    profile: p.profile, backend: backend.choice, val_accuracy: foldedAcc, val_accuracy_before_folding: result.val_accuracy,
    seconds: Math.round(result.seconds * 10) / 10, ...machineStats(), epochs: result.epochs,
  });
  console.error(`train-ann: val accuracy ${(100 * foldedAcc).toFixed(1)}% (batch norm folded; ${(100 * result.val_accuracy).toFixed(1)}% before) in ${result.seconds.toFixed(0)} s → ${args.out}`);
});
