import { describe, expect, it, beforeAll } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { AnnVgg } from '../../lib/ann/vgg11';
import { vggArch } from '../../lib/model/vgg';
import { Rng } from '../../lib/random';
import { train, TrainingError, type TrainTask } from '../../lib/train/loop';
import { annTask } from '../../lib/train/tasks';
import { annAccuracy } from '../../lib/train/evaluate';
import { loadAnn } from '../../lib/train/store';
import { loadCheckpoint, saveCheckpoint } from '../../lib/train/checkpoint';
import { toyDataset } from '../helpers/toy';
import { useBackend, maxAbsDiff } from '../helpers/tf';

beforeAll(() => useBackend('node'));

const settings = { optimizer: 'adam' as const, epochs: 3, batch_size: 16, lr: 0.003, momentum: 0.9, weight_decay: 0 };
const arch = vggArch(0.0625, 4);

async function weightsOf(task: TrainTask) {
  return Object.fromEntries(await Promise.all(Object.entries(task.variables).map(async ([k, v]) => [k, Array.from(await v.data())])));
}

describe('training loop', () => {
  it('an interrupted run resumes from its partial checkpoint and ends where an uninterrupted one does', async () => {
    const trainSet = toyDataset(48, 1), val = toyDataset(16, 2);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resume-'));
    const quiet = () => {};
    // Uninterrupted.
    const a = annTask(AnnVgg.create(arch, new Rng(5)), 'rate', 0);
    await train(a, { settings, train: trainSet, val, rng: new Rng(9), checkpoint: path.join(dir, 'a.ckpt'), meta: {}, log: quiet });
    // Interrupted during epoch 3, then resumed by a fresh process-like run with a fresh model.
    const b = annTask(AnnVgg.create(arch, new Rng(5)), 'rate', 0);
    let calls = 0;
    const crashing: TrainTask = { ...b, loss: (x, y, r) => { if (++calls === 7) throw new Error('power cut'); return b.loss(x, y, r); } };
    await expect(train(crashing, { settings, train: trainSet, val, rng: new Rng(9), checkpoint: path.join(dir, 'b.ckpt'), meta: {}, log: quiet })).rejects.toThrow('power cut');
    expect(fs.existsSync(path.join(dir, 'b.ckpt'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'b.ckpt.partial'))).toBe(true);
    expect(() => loadAnn(path.join(dir, 'b.ckpt.partial'))).toThrow(`${path.join(dir, 'b.ckpt.partial')}: the saved state of an unfinished training run, not a trained model`);
    const c = annTask(AnnVgg.create(arch, new Rng(77)), 'rate', 0);
    const lines: string[] = [];
    const r = await train(c, { settings, train: trainSet, val, rng: new Rng(9), checkpoint: path.join(dir, 'b.ckpt'), meta: {}, log: (l) => lines.push(l) });
    expect(r.resumed_from_epoch).toBe(2);
    expect(lines[0]).toMatch(/resuming after epoch 2\/3/);
    expect(r.epochs).toHaveLength(3);
    const wa = await weightsOf(a), wc = await weightsOf(c);
    for (const k of Object.keys(wa)) expect(maxAbsDiff(wa[k], wc[k]), k).toBeLessThan(1e-4);
    expect(fs.existsSync(path.join(dir, 'b.ckpt.partial'))).toBe(false);
    // The final checkpoint records the settings, seed and data size that made it.
    const final = loadCheckpoint<{ training: { settings: unknown; seed: number; train_size: number } }>(path.join(dir, 'b.ckpt')).meta.training;
    expect(final).toMatchObject({ settings, seed: 9, train_size: 48 });
  });

  it('eval_every validates every N epochs and after the last; skipping validations leaves the weights as they are', async () => {
    const trainSet = toyDataset(32, 1), val = toyDataset(8, 2);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'every-'));
    const run = async (every: number | undefined) => {
      const task = annTask(AnnVgg.create(arch, new Rng(5)), 'rate', 0);
      let evaluations = 0;
      const counted: TrainTask = { ...task, evaluate: (ds) => { evaluations++; return task.evaluate(ds); } };
      const lines: string[] = [];
      const r = await train(counted, { settings: { ...settings, epochs: 4, eval_every: every }, train: trainSet, val, rng: new Rng(9), checkpoint: path.join(dir, `${every}.ckpt`), meta: {}, log: (l) => lines.push(l) });
      return { r, evaluations, lines, weights: await weightsOf(task) };
    };
    const all = await run(undefined), some = await run(3);
    expect(all.evaluations).toBe(4);
    expect(some.evaluations).toBe(2);
    expect(some.r.epochs.map((e) => e.val_accuracy === null)).toEqual([true, true, false, false]);
    expect(some.lines.find((l) => /epoch 1\/4 done/.test(l))).toMatch(/val — lr/);
    expect(some.r.val_accuracy).toBe(some.r.epochs[3].val_accuracy);
    for (const k of Object.keys(all.weights)) expect(some.weights[k], k).toEqual(all.weights[k]);
  });

  it('a partial written under other settings, edited by hand or not a partial at all is refused, naming what differs and what to do', async () => {
    const trainSet = toyDataset(32, 1), val = toyDataset(8, 2);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stale-'));
    const ck = path.join(dir, 'x.ckpt');
    const partial = `${ck}.partial`;
    const quiet = () => {};
    const t = annTask(AnnVgg.create(arch, new Rng(5)), 'rate', 0);
    let calls = 0;
    const crashing: TrainTask = { ...t, loss: (x, y, r) => { if (++calls === 3) throw new Error('power cut'); return t.loss(x, y, r); } };
    await expect(train(crashing, { settings, train: trainSet, val, rng: new Rng(9), checkpoint: ck, meta: { encoder: 'rate' }, log: quiet })).rejects.toThrow('power cut');
    expect(fs.existsSync(partial)).toBe(true);
    const fresh = () => annTask(AnnVgg.create(arch, new Rng(5)), 'rate', 0);
    // Another learning rate, seed, encoder or epoch count: refused, each named.
    await expect(train(fresh(), { settings: { ...settings, lr: 0.01 }, train: trainSet, val, rng: new Rng(9), checkpoint: ck, meta: { encoder: 'rate' }, log: quiet }))
      .rejects.toThrow(`${partial}: written under other settings than this run's (settings.lr: 0.003 → 0.01); delete it to start this training over (rm ${partial}), or restore those settings to resume it`);
    await expect(train(fresh(), { settings, train: trainSet, val, rng: new Rng(10), checkpoint: ck, meta: { encoder: 'rate' }, log: quiet })).rejects.toThrow('seed: 9 → 10');
    await expect(train(fresh(), { settings, train: trainSet, val, rng: new Rng(9), checkpoint: ck, meta: { encoder: 'signed' }, log: quiet })).rejects.toThrow('meta.encoder: "rate" → "signed"');
    await expect(train(fresh(), { settings: { ...settings, epochs: 1 }, train: trainSet, val, rng: new Rng(9), checkpoint: ck, meta: { encoder: 'rate' }, log: quiet })).rejects.toThrow('settings.epochs: 3 → 1');
    expect(fs.existsSync(partial)).toBe(true);
    // A header edited by hand (the epoch) fails the checksum, with the same advice.
    const bytes = fs.readFileSync(partial);
    const edited = Buffer.from(bytes.toString('latin1').replace('"epoch":0', '"epoch":1'), 'latin1');
    expect(edited.equals(bytes)).toBe(false);
    fs.writeFileSync(partial, edited);
    await expect(train(fresh(), { settings, train: trainSet, val, rng: new Rng(9), checkpoint: ck, meta: { encoder: 'rate' }, log: quiet }))
      .rejects.toThrow(`${partial}: not a valid spikelens checkpoint (checksum mismatch: corrupted or edited); it is the saved state of an interrupted run: delete it to start this training over (rm ${partial})`);
    // A final checkpoint copied to the partial's path.
    await saveCheckpoint(partial, t.variables, { kind: 'ann', arch });
    await expect(train(fresh(), { settings, train: trainSet, val, rng: new Rng(9), checkpoint: ck, meta: { encoder: 'rate' }, log: quiet }))
      .rejects.toThrow(`${partial}: not a resumable partial checkpoint`);
  });

  it('a non-finite loss stops with a message naming the epoch, batch and what to change', async () => {
    const t = annTask(AnnVgg.create(arch, new Rng(5)), 'rate', 0);
    const nan: TrainTask = { ...t, loss: (x, y, r) => { const o = t.loss(x, y, r); return { loss: tf.mul(o.loss, NaN) as tf.Scalar, logits: o.logits }; } };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nan-'));
    const p = train(nan, { settings, train: toyDataset(32, 1), val: toyDataset(8, 2), rng: new Rng(1), checkpoint: path.join(dir, 'x.ckpt'), meta: {}, log: () => {} });
    await expect(p).rejects.toThrow(TrainingError);
    await expect(p).rejects.toThrow('train-ann: the loss became NaN at epoch 1, batch 1 (lr 0.003); lower the learning rate in params.yaml');
  });

  it('the ANN learns the toy task; folding its batch norms keeps its predictions', async () => {
    const trainSet = toyDataset(64, 3), val = toyDataset(32, 4);
    const ann = AnnVgg.create(arch, new Rng(5));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fold-'));
    const r = await train(annTask(ann, 'rate', 0), { settings: { ...settings, epochs: 6 }, train: trainSet, val, rng: new Rng(2), checkpoint: path.join(dir, 'bn.ckpt'), meta: {}, log: () => {} });
    expect(r.val_accuracy).toBeGreaterThanOrEqual(0.9);
    const folded = ann.folded();
    expect(folded.norms).toBeNull();
    const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const before = ann.forward(x, { training: false }).logits.dataSync();
    const after = folded.forward(x, { training: false }).logits.dataSync();
    expect(maxAbsDiff(before, after)).toBeLessThan(1e-3 * Math.max(1, ...Array.from(before).map(Math.abs)));
    // And it survives a checkpoint round trip.
    const f = path.join(dir, 'ann.ckpt');
    await saveCheckpoint(f, folded.namedVariables(), { kind: 'ann', arch, biases: true });
    const loaded = loadAnn(f).model;
    expect(await annAccuracy(loaded, val, 'rate')).toBe(await annAccuracy(folded, val, 'rate'));
  });
});
