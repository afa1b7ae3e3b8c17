/**
 * The sam-horizon command end to end on a toy data set (smoke profile): a T = 2 network run for
 * 4 steps (BNTT statistics recomputed), curves with one interval per step, and one-line errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { saveDataset } from '../../lib/data/dataset';
import { encoderMeta, encoderSpecFor } from '../../lib/data/normalisation';
import type { HorizonReport } from '../../lib/metrics/horizon';
import { loadParams } from '../../lib/params';
import { Rng } from '../../lib/random';
import { SpikingVgg } from '../../lib/snn/network';
import { saveCheckpoint } from '../../lib/train/checkpoint';
import { snnConfigFromParams } from '../../lib/train/snn-config';
import { toyDataset } from '../helpers/toy';
import { useBackend } from '../helpers/tf';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sam-horizon-'));
const tsx = path.resolve('node_modules/.bin/tsx');
const params = path.join(dir, 'params.yaml');
const data = path.join(dir, 'prepared');

function horizon(extra: string[]) {
  const r = spawnSync(tsx, ['lib/cli/sam-horizon.ts', '--params', params, '--data', data, ...extra], { encoding: 'utf8' });
  return { code: r.status, err: r.stderr };
}

beforeAll(async () => {
  await useBackend('node');
  fs.writeFileSync(params, fs.readFileSync('params.yaml', 'utf8').replace(/^profile: default$/m, 'profile: smoke'));
  fs.mkdirSync(data);
  const train = toyDataset(16, 1);
  saveDataset(path.join(data, 'train.bin'), train);
  saveDataset(path.join(data, 'val.bin'), toyDataset(8, 2));
  const p = loadParams(params);
  const config = { ...snnConfigFromParams(p, 4), timesteps: 2 };
  const net = SpikingVgg.create(config, new Rng(3));
  await saveCheckpoint(path.join(dir, 'snn.ckpt'), net.namedVariables(), { kind: 'snn-surrogate', arch: config.arch, snn: config, classNames: ['top-left', 'top-right', 'bottom-left', 'bottom-right'], ...encoderMeta(encoderSpecFor('signed', 'dataset', train)), image_size: [32, 32] });
  net.dispose();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sam-horizon', () => {
  it('scores every run length 1…steps per layer, with intervals, and the accuracy after each step', () => {
    const out = path.join(dir, 'h.json');
    const r = horizon(['--checkpoints', path.join(dir, 'snn.ckpt'), '--steps', '4', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/snn\.ckpt \(trained at T = 2\) run for 4 steps on 4 images/);
    const h = JSON.parse(fs.readFileSync(out, 'utf8')) as HorizonReport;
    expect(h).toMatchObject({ generated_by: 'npm run sam-horizon', seed: 42, steps: 4, images: 4, gamma: 0.5, variant: 'paper', threshold: 0.6 });
    const [n] = h.networks;
    expect(n).toMatchObject({ trained_timesteps: 2, neuron: 'lif', order: 'fire-then-integrate', recalibrated: true }); // the default's order, which smoke inherits
    expect(n.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(n.layers)).toEqual(['conv4', 'conv6', 'conv8']);
    expect(n.accuracy_by_horizon).toHaveLength(4);
    for (const l of Object.values(n.layers)) {
      expect(l.by_step).toHaveLength(4);
      expect(l.by_horizon).toHaveLength(4);
      // SAM (paper variant) has no earlier spikes at step 1: its map is empty and points nowhere.
      expect(l.by_step[0].value).toBe(0);
      expect(l.by_horizon[0].value).toBe(0);
      for (const c of [...l.by_step, ...l.by_horizon]) {
        expect(c.n).toBe(4);
        expect(c.low).toBeLessThanOrEqual(c.value);
        expect(c.high).toBeGreaterThanOrEqual(c.value);
      }
      expect(l.longest_run_at_threshold.low).toBeLessThanOrEqual(l.longest_run_at_threshold.value);
    }
  }, 120_000);

  it('keeps a network\'s own statistics when it runs for the steps it was trained for', () => {
    const out = path.join(dir, 'h2.json');
    const r = horizon(['--checkpoints', path.join(dir, 'snn.ckpt'), '--steps', '2', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const h = JSON.parse(fs.readFileSync(out, 'utf8')) as HorizonReport;
    expect(h.networks[0].recalibrated).toBe(false);
    expect(h.networks[0].layers.conv6.by_horizon).toHaveLength(2);
  }, 120_000);

  it('refuses a missing checkpoint and a bad --steps in one line, writing nothing', () => {
    const out = path.join(dir, 'never.json');
    const missing = horizon(['--checkpoints', path.join(dir, 'nope.ckpt'), '--out', out]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/sam-horizon: error: .*nope\.ckpt: not found/);
    const bad = horizon(['--checkpoints', path.join(dir, 'snn.ckpt'), '--steps', '0', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--steps must be a positive integer, got '0'/);
    expect(fs.existsSync(out)).toBe(false);
  }, 120_000);
});
