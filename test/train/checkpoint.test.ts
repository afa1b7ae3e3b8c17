import { describe, expect, it, beforeAll } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { assignCheckpoint, loadCheckpoint, saveCheckpoint } from '../../lib/train/checkpoint';
import { stepLr } from '../../lib/train/schedule';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('node'));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));

describe('checkpoints', () => {
  it('round-trip tensors and metadata; no temp file is left behind', async () => {
    const dir = tmp();
    const f = path.join(dir, 'm.ckpt');
    await saveCheckpoint(f, { a: tf.tensor2d([[1, 2], [3, 4]]), b: tf.scalar(7) }, { kind: 'test', n: 3 });
    const ck = loadCheckpoint(f);
    expect(ck.meta).toEqual({ kind: 'test', n: 3 });
    expect(ck.tensors.a.shape).toEqual([2, 2]);
    expect(Array.from(ck.tensors.a.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(ck.tensors.b.data)).toEqual([7]);
    expect(fs.readdirSync(dir)).toEqual(['m.ckpt']);
    const v = { a: tf.variable(tf.zeros([2, 2])), b: tf.variable(tf.scalar(0)) };
    assignCheckpoint(v, ck, f);
    expect(Array.from(v.a.dataSync())).toEqual([1, 2, 3, 4]);
  });

  it('refuses a truncated or corrupted file, naming it', async () => {
    const f = path.join(tmp(), 'm.ckpt');
    await saveCheckpoint(f, { a: tf.ones([100]) }, {});
    const buf = fs.readFileSync(f);
    fs.writeFileSync(f, buf.subarray(0, buf.length - 10));
    expect(() => loadCheckpoint(f)).toThrow(`${f}: not a valid spikelens checkpoint (data is 390 bytes, expected 400: truncated)`);
    const bad = Buffer.from(buf);
    bad[bad.length - 1] ^= 0xff;
    fs.writeFileSync(f, bad);
    expect(() => loadCheckpoint(f)).toThrow(/checksum mismatch: corrupted/);
    fs.writeFileSync(f, 'hello');
    expect(() => loadCheckpoint(f)).toThrow(/wrong magic bytes/);
    expect(() => loadCheckpoint(path.join(path.dirname(f), 'none.ckpt'))).toThrow(/none\.ckpt: checkpoint not found/);
  });

  it('a model that does not match the checkpoint is named key by key', async () => {
    const f = path.join(tmp(), 'm.ckpt');
    await saveCheckpoint(f, { conv1: tf.zeros([3, 3, 3, 8]) }, {});
    const ck = loadCheckpoint(f);
    expect(() => assignCheckpoint({ conv1: tf.variable(tf.zeros([3, 3, 3, 16])) }, ck, f)).toThrow(`${f}: tensor 'conv1' has shape [3,3,3,8], the model expects [3,3,3,16] (params changed since it was trained?)`);
    expect(() => assignCheckpoint({ conv2: tf.variable(tf.zeros([1])) }, ck, f)).toThrow(`${f}: has no tensor 'conv2'`);
  });
});

describe('learning-rate schedule: ÷10 at 50, 70 and 90 % of the epochs', () => {
  it('matches the paper for 90 epochs', () => {
    expect([0, 44, 45, 62, 63, 80, 81, 89].map((e) => +stepLr(0.1, e, 90).toExponential(3))).toEqual([0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 0.0001, 0.0001].map((v) => +v.toExponential(3)));
  });
  it('works for a handful of epochs', () => {
    expect([0, 1, 2, 3].map((e) => +stepLr(1, e, 4).toFixed(6))).toEqual([1, 1, 0.1, 0.01]);
  });
  it('takes other milestones (train_snn.lr_milestones): one drop after 6 of 8 epochs', () => {
    expect(Array.from({ length: 8 }, (_, e) => +stepLr(0.01, e, 8, [0.75]).toExponential(3))).toEqual([0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.001, 0.001]);
    expect(stepLr(0.01, 7, 8, [])).toBe(0.01);
  });
});
