import { describe, expect, it, beforeAll } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { AnnVgg } from '../../lib/ann/vgg11';
import { convertAnn } from '../../lib/convert/balance';
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
