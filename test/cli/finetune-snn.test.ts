/**
 * The finetune-snn stage end to end on a toy data set (smoke profile): a T = 2 network taken on to
 * T = 4 and trained one epoch, and the one-line error for a pretrained network that params.yaml
 * no longer describes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { saveDataset } from '../../lib/data/dataset';
import type { EncoderSpec } from '../../lib/data/encode';
import { datasetNormalisation, encoderMeta, encoderSpecFor } from '../../lib/data/normalisation';
import { loadParams } from '../../lib/params';
import { Rng } from '../../lib/random';
import { SpikingVgg } from '../../lib/snn/network';
import { saveCheckpoint } from '../../lib/train/checkpoint';
import { snnConfigFromParams } from '../../lib/train/snn-config';
import { loadSnn } from '../../lib/train/store';
import { toyDataset } from '../helpers/toy';
import { useBackend } from '../helpers/tf';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-'));
const tsx = path.resolve('node_modules/.bin/tsx');
const params = path.join(dir, 'params.yaml');
const data = path.join(dir, 'prepared');

/** The smoke profile with an ALIF second SNN, as profile fine-tune has (ALIF is integrate-then-fire only). */
const paramsAlif = path.join(dir, 'params-alif.yaml');

function finetune(from: string, out: string, extra: string[] = [], paramsFile = params) {
  const r = spawnSync(tsx, ['lib/cli/finetune-snn.ts', '--params', paramsFile, '--data', data, '--from', from, '--out', out, '--metrics', `${out}.json`, ...extra], { encoding: 'utf8' });
  return { code: r.status, err: r.stderr };
}

/** A train-snn-like checkpoint of the smoke profile's network at T = 2, optionally another width. */
async function pretrained(file: string, width?: number, encoder: EncoderSpec = encoderSpecFor('signed', 'dataset', toyDataset(16, 1)), paramsFile = params): Promise<void> {
  const p = loadParams(paramsFile);
  if (width) p.snn.width = width;
  const config = { ...snnConfigFromParams(p, 4), timesteps: 2 };
  const net = SpikingVgg.create(config, new Rng(3));
  await saveCheckpoint(file, net.namedVariables(), { kind: 'snn-surrogate', arch: config.arch, snn: config, classNames: ['top-left', 'top-right', 'bottom-left', 'bottom-right'], ...encoderMeta(encoder), image_size: [32, 32] });
  net.dispose();
}

beforeAll(async () => {
  await useBackend('node');
  fs.writeFileSync(params, fs.readFileSync('params.yaml', 'utf8').replace(/^profile: default$/m, 'profile: smoke'));
  const alif = YAML.parse(fs.readFileSync(params, 'utf8'));
  Object.assign(alif.profiles.smoke.snn, { order: 'integrate-then-fire' });
  Object.assign(alif.profiles.smoke.second_snn, { neuron: 'alif' });
  fs.writeFileSync(paramsAlif, YAML.stringify(alif));
  fs.mkdirSync(data);
  saveDataset(path.join(data, 'train.bin'), toyDataset(16, 1));
  saveDataset(path.join(data, 'val.bin'), toyDataset(8, 2));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('finetune-snn', () => {
  it('takes a T = 2 network on to snn.timesteps (4) and trains it; the metrics say both T', async () => {
    const from = path.join(dir, 'pre.ckpt'), out = path.join(dir, 'snn.ckpt');
    await pretrained(from);
    const r = finetune(from, out);
    expect(r.code, r.err).toBe(0);
    const { model, meta } = loadSnn(out);
    expect(model.config.timesteps).toBe(4);
    // The encoder (with the training set's statistics) carries over to the fine-tuned checkpoint.
    expect(meta.input_normalisation).toEqual(datasetNormalisation(toyDataset(16, 1)));
    expect(model.bntt?.[0].timesteps).toBe(4);
    expect(meta.pretrained_timesteps).toBe(2);
    const m = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'));
    expect(m).toMatchObject({ profile: 'smoke', timesteps: 4, pretrained_timesteps: 2 });
    expect(m.epochs).toHaveLength(1);
    expect(m.val_accuracy).toBeGreaterThanOrEqual(0);
    model.dispose();
  }, 120_000);

  it('--network second: the same pretrained network with second_snn\'s neuron (alif) at its T (2), trained second_snn.epochs', async () => {
    const from = path.join(dir, 'pre2.ckpt'), out = path.join(dir, 'snn2.ckpt');
    await pretrained(from, undefined, undefined, paramsAlif);
    const r = finetune(from, out, ['--network', 'second'], paramsAlif);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/finetune-snn2: .*→ T = 2, alif/);
    const { model, meta } = loadSnn(out);
    expect(model.config.timesteps).toBe(2);
    expect(model.config.neuron).toEqual({ kind: 'alif', adaptation: 0.2, decay: 0.9 });
    expect(meta.pretrained_timesteps).toBe(2);
    const m = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8'));
    expect(m).toMatchObject({ profile: 'smoke', timesteps: 2, neuron: 'alif' });
    expect(m.epochs).toHaveLength(1);
    model.dispose();
    // The default's second network is LIF (fire-then-integrate, as its first).
    const fromFti = path.join(dir, 'pre3.ckpt');
    await pretrained(fromFti);
    const lif = finetune(fromFti, path.join(dir, 'snn2-lif.ckpt'), ['--network', 'second']);
    expect(lif.code, lif.err).toBe(0);
    expect(lif.err).toMatch(/finetune-snn2: .*→ T = 2, lif/);
    const bad = finetune(from, path.join(dir, 'never2.ckpt'), ['--network', 'third']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--network must be first or second, got 'third'/);
  }, 120_000);

  it('refuses a pretrained network params.yaml no longer describes, in one line naming the file and the key', async () => {
    const from = path.join(dir, 'wide.ckpt');
    await pretrained(from, 0.125);
    const r = finetune(from, path.join(dir, 'never.ckpt'));
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n').filter((l) => l.includes('error'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^finetune-snn: error: .*wide\.ckpt: trained with other settings than params\.yaml asks for \(arch\.channels/);
    expect(lines[0]).toMatch(/rerun train-snn/);
    expect(fs.existsSync(path.join(dir, 'never.ckpt'))).toBe(false);
  }, 120_000);

  it('refuses a pretrained network trained on another input normalisation, naming both', async () => {
    const from = path.join(dir, 'imagenet.ckpt');
    await pretrained(from, undefined, 'signed');
    const r = finetune(from, path.join(dir, 'never3.ckpt'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/imagenet\.ckpt: trained on signed \(ImageNet statistics\) input, params\.yaml asks for signed \(mean [0-9.]+, std [0-9.]+\); rerun train-snn/);
    expect(fs.existsSync(path.join(dir, 'never3.ckpt'))).toBe(false);
  }, 120_000);
});
