/**
 * The README's library snippet ("Using the library") type-checks with the project's settings and
 * runs as written: extracted from README.md, run from a folder laid out like the project (a tiny
 * trained-shape checkpoint and data set under data/), it writes a PNG that decodes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { allocateDataset, saveDataset, setAnnotation } from '../lib/data/dataset';
import { vggArch } from '../lib/model/vgg';
import { Rng } from '../lib/random';
import { SPIKING_LAYERS, SpikingVgg, type SpikingVggConfig } from '../lib/snn/network';
import { saveCheckpoint } from '../lib/train/checkpoint';
import { useBackend } from './helpers/tf';

const ROOT = path.resolve(__dirname, '..');

/** The first ```ts block after the "## Using the library" heading. */
function snippet(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using the library'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README.md: no ```ts block under "## Using the library"');
  return m[1];
}

describe('README library snippet', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snippet-'));
  beforeAll(async () => {
    await useBackend('node');
    const config: SpikingVggConfig = { arch: vggArch(0.0625, 3), timesteps: 4, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 1), order: 'integrate-then-fire', reset: 'subtract', bntt: true };
    const net = SpikingVgg.create(config, new Rng(1));
    await saveCheckpoint(path.join(dir, 'data/checkpoints/snn.ckpt'), net.namedVariables(), { kind: 'snn-surrogate', arch: config.arch, snn: config, classNames: ['a', 'b', 'c'], encoder: 'signed' });
    net.dispose();
    const ds = allocateDataset('scenes', ['a', 'b', 'c'], 64, 64, 4);
    for (let i = 0; i < ds.images.length; i++) ds.images[i] = (i * 31) % 256;
    for (let i = 0; i < 4; i++) setAnnotation(ds, i, i % 3, { x0: 4, y0: 4, x1: 40, y1: 40 });
    saveDataset(path.join(dir, 'data/prepared/val.bin'), ds);
  });

  it('type-checks under the project\'s compiler settings', () => {
    // Beside lib/ so that './lib/index' resolves as in the README; *.tmp.ts is git-ignored.
    const file = path.join(ROOT, `readme-snippet-${process.pid}.tmp.ts`);
    const config = path.join(ROOT, `tsconfig.snippet-${process.pid}.tmp.json`);
    fs.writeFileSync(file, snippet());
    fs.writeFileSync(config, JSON.stringify({ extends: './tsconfig.json', include: [path.basename(file)] }));
    try {
      const r = spawnSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', config], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    } finally {
      fs.rmSync(file, { force: true });
      fs.rmSync(config, { force: true });
    }
  });

  it('runs as written and writes my-sam.png', () => {
    const code = snippet().replace("'./lib/index'", JSON.stringify(path.join(ROOT, 'lib/index')));
    fs.writeFileSync(path.join(dir, 'my-sam.ts'), code);
    const r = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['my-sam.ts'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const png = PNG.sync.read(fs.readFileSync(path.join(dir, 'my-sam.png')));
    expect([png.width, png.height]).toEqual([64, 64]);
  });
});
