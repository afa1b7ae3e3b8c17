import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { buildSplit } from '../../lib/data/build';
import { classCounts, loadDataset } from '../../lib/data/dataset';
import { loadParams } from '../../lib/params';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prepare-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const tsx = path.resolve('node_modules/.bin/tsx');
function prepare(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(tsx, ['lib/cli/prepare.ts', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('prepare stage', () => {
  it('writes train.bin, val.bin, meta.json and the preview for the profile in SPIKELENS_PROFILE', () => {
    const out = path.join(dir, 'prepared'), preview = path.join(dir, 'fig', 'preview.png');
    const r = prepare(['--out', out, '--preview', preview], { SPIKELENS_PROFILE: 'smoke' });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^prepare: profile smoke, mnist-scenes, 64×64, seed 42$/m);
    expect(r.out).toMatch(/prepare: train\.bin: 64 images/);
    expect(r.out).toMatch(/prepare: wrote .*\{train\.bin,val\.bin,meta\.json\}/);
    expect(fs.readdirSync(path.dirname(out)).filter((f) => /\.(tmp|old)$/.test(f))).toEqual([]);
    const p = loadParams('params.yaml', 'smoke');
    const train = loadDataset(path.join(out, 'train.bin')), val = loadDataset(path.join(out, 'val.bin'));
    expect([train.size, val.size, train.height, train.width]).toEqual([p.data.train_size, p.data.val_size, 64, 64]);
    // The stage's output is exactly what the library builds from the same params.
    expect(Buffer.from(val.images).equals(Buffer.from(buildSplit(p.data, p.seed, 'val').images))).toBe(true);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ source: 'mnist-scenes', profile: 'smoke', seed: 42, height: 64, width: 64, classNames: train.classNames });
    expect(meta.splits.train).toMatchObject({ file: 'train.bin', size: 64, bytes: fs.statSync(path.join(out, 'train.bin')).size, classCounts: classCounts(train) });
    const png = PNG.sync.read(fs.readFileSync(preview));
    expect([png.width, png.height]).toEqual([4 * 128 + 5 * 4, 4 * 128 + 5 * 4]);
  });

  it('errors are one line, exit code 1, no stack trace', () => {
    const missing = prepare(['--params', path.join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`prepare: error: ${path.join(dir, 'nope.yaml')}: cannot read the params file (run from the project root, or pass its path)\n`);
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, fs.readFileSync('params.yaml', 'utf8').replace("tiny_imagenet_dir: ''", `tiny_imagenet_dir: ${dir}/no-such-folder`).replace('source: mnist-scenes', 'source: tiny-imagenet'));
    const r = prepare(['--params', bad, '--out', path.join(dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`prepare: error: ${dir}/no-such-folder: Tiny-ImageNet folder not found\n`);
    const arg = prepare(['--frobnicate']);
    expect(arg.code).toBe(1);
    expect(arg.err).toMatch(/^prepare: error: unknown argument '--frobnicate'\nusage: /);
  });
});
