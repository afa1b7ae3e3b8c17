import { describe, expect, it, beforeAll } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { AnnVgg } from '../../lib/ann/vgg11';
import { convertAnn, CurrentStatistic } from '../../lib/convert/balance';
import { toTensor } from '../../lib/data/dataset';
import { vggArch } from '../../lib/model/vgg';
import { Rng } from '../../lib/random';
import { annAccuracy, snnAccuracy } from '../../lib/train/evaluate';
import { train } from '../../lib/train/loop';
import { annTask } from '../../lib/train/tasks';
import { toyDataset } from '../helpers/toy';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('node'));

describe('ANN → SNN conversion by threshold balancing', () => {
  it('a converted toy network tracks its ANN\'s accuracy, and its thresholds are the recorded maxima × scale', async () => {
    const trainSet = toyDataset(96, 11), val = toyDataset(48, 12);
    const ann = AnnVgg.create(vggArch(0.0625, 4), new Rng(3));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conv-'));
    await train(annTask(ann, 'rate', 0), {
      settings: { optimizer: 'adam', epochs: 6, batch_size: 16, lr: 0.003, momentum: 0.9, weight_decay: 0 },
      train: trainSet, val, rng: new Rng(4), checkpoint: path.join(dir, 'a.ckpt'), meta: {}, log: () => {},
    });
    const folded = ann.folded();
    const annAcc = await annAccuracy(folded, val, 'rate');
    expect(annAcc).toBeGreaterThanOrEqual(0.9);
    await expect(convertAnn(ann, tf.zeros([1, 32, 32, 3]) as tf.Tensor4D, { variant: 'rate', steps: 2, scale: 1, order: 'integrate-then-fire', rng: new Rng(1) })).rejects.toThrow(/fold the ANN's batch norms first/);
    const batch = toTensor(trainSet, Array.from({ length: 16 }, (_, i) => i));
    const { net, maxCurrents } = await convertAnn(folded, batch, { variant: 'rate', steps: 48, scale: 0.8, order: 'integrate-then-fire', rng: new Rng(5) });
    expect(net.config.leak).toBe(1);
    expect(net.config.bntt).toBe(false);
    expect(maxCurrents).toHaveLength(9);
    net.config.thresholds.forEach((th, i) => expect(th).toBeCloseTo(0.8 * maxCurrents[i], 5));
    const snnAcc = await snnAccuracy(net, val, 'rate', 96, new Rng(6));
    expect(Math.abs(snnAcc - annAcc)).toBeLessThanOrEqual(0.1);
  });
});

describe('CurrentStatistic: the threshold statistic over a stream of current chunks', () => {
  it('the maximum, and the exact p-th percentile of the positive values, whatever the chunking', async () => {
    const values = Array.from({ length: 6000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1); // in (−1, 1)
    const positives = values.filter((v) => v > 0).sort((a, b) => b - a);
    for (const [p, chunk] of [[100, 1000], [99, 1000], [99, 6000], [90, 1500]] as const) {
      const stat = new CurrentStatistic(p);
      for (let i = 0; i < values.length; i += chunk) await stat.add(tf.tensor1d(values.slice(i, i + chunk)), values.length / chunk);
      const want = p === 100 ? positives[0] : positives[Math.ceil(((100 - p) / 100) * positives.length) - 1];
      expect(stat.value(), `p ${p}, chunk ${chunk}`).toBeCloseTo(want, 6);
    }
  });

  it('all the top values in one chunk still give the exact percentile', async () => {
    const stat = new CurrentStatistic(99);
    await stat.add(tf.tensor1d(Array.from({ length: 100 }, (_, i) => 100 + i)), 10); // the 10 largest of 1000 are all here
    for (let c = 0; c < 9; c++) await stat.add(tf.tensor1d(Array.from({ length: 100 }, (_, i) => i / 100 + c)), 10);
    expect(stat.value()).toBe(190); // 1000 positives → the 10th largest
  });
});
