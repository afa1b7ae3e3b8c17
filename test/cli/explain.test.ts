/**
 * The explain command end to end: a tiny random SNN checkpoint and small PNG/JPEG files in a temp
 * folder, the CLI run with tsx, the PNG grid it writes, and its one-line errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { vggArch } from '../../lib/model/vgg';
import { Rng } from '../../lib/random';
import { SPIKING_LAYERS, SpikingVgg, type SpikingVggConfig } from '../../lib/snn/network';
import { saveCheckpoint } from '../../lib/train/checkpoint';
import { useBackend } from '../helpers/tf';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'explain-'));
const ckpt = path.join(dir, 'snn.ckpt');
const tsx = path.resolve('node_modules/.bin/tsx');

function explain(args: string[]) {
  const r = spawnSync(tsx, ['lib/cli/explain.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** stderr of a failed run: exactly one line, `explain: error: …`. */
function oneLineError(err: string): string {
  const lines = err.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^explain: error: /);
  return lines[0];
}

beforeAll(async () => {
  await useBackend('node');
  const config: SpikingVggConfig = {
    arch: vggArch(0.0625, 3), timesteps: 4, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 0.5),
    order: 'integrate-then-fire', reset: 'subtract', bntt: true,
  };
  const net = SpikingVgg.create(config, new Rng(1));
  await saveCheckpoint(ckpt, net.namedVariables(), { kind: 'snn-surrogate', arch: config.arch, snn: config, classNames: ['cat', 'dog', 'bird'] });
  net.dispose();
  // 40×25 RGBA PNG (alpha to be dropped) and a 30×30 JPEG.
  const png = new PNG({ width: 40, height: 25 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) % 256;
  fs.writeFileSync(path.join(dir, 'scene.png'), PNG.sync.write(png));
  const rgba = Buffer.alloc(30 * 30 * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 11) % 256;
  fs.writeFileSync(path.join(dir, 'scene.jpg'), jpeg.encode({ data: rgba, width: 30, height: 30 }, 90).data);
  const grey = new PNG({ width: 16, height: 20, colorType: 0 });
  for (let i = 0; i < grey.data.length; i++) grey.data[i] = i % 4 === 3 ? 255 : (Math.floor(i / 4) * 7) % 256;
  fs.writeFileSync(path.join(dir, 'grey.png'), PNG.sync.write(grey, { colorType: 0 }));
  fs.writeFileSync(path.join(dir, 'notes.png'), 'not an image');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('explain CLI', () => {
  it('writes a PNG grid of SAM overlays (rows = layers, columns = input + sampled steps) and prints the prediction', () => {
    const out = path.join(dir, 'out', 'grid.png');
    const r = explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--out', out, '--layers', '4,6,8', '--sample', '2']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/resized 40x25 → 48x32 \(longer side 40/);
    expect(r.out).toMatch(/^predicted class: [0-2] \((cat|dog|bird)\), p = 0\.\d{3}$/m);
    expect(r.out).toMatch(new RegExp(`^wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    const grid = PNG.sync.read(fs.readFileSync(out));
    // Tiles of 48×32 at scale 3 (≈128 px), three rows and three columns plus labels, gaps and the colour bar.
    expect(grid.width).toBeGreaterThan(3 * 144);
    expect(grid.height).toBeGreaterThan(3 * 96 + 10);
    expect(r.out).toMatch(/^the model knows only these 3 classes and names one of them whatever the image shows: cat, dog, bird$/m);
  });

  it('reads JPEG and greyscale PNG, takes --class and --steps', () => {
    const out = path.join(dir, 'jpeg.png');
    const r = explain(['--image', path.join(dir, 'scene.jpg'), '--checkpoint', ckpt, '--out', out, '--layers', 'conv2', '--steps', '3', '--sample', '3', '--class', '1', '--variant', 'reference', '--gamma', '0.3']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^class 1 \(dog\): p = 0\.\d{3}$/m);
    expect(PNG.sync.read(fs.readFileSync(out)).width).toBeGreaterThan(0);
    const grey = explain(['--image', path.join(dir, 'grey.png'), '--checkpoint', ckpt, '--out', out, '--layers', '1', '--sample', '1']);
    expect(grey.code).toBe(0);
    expect(grey.err).toMatch(/resized 16x20 → 16x16/);
    // --size sets the longer side the network sees.
    const big = explain(['--image', path.join(dir, 'grey.png'), '--checkpoint', ckpt, '--out', out, '--layers', '1', '--sample', '1', '--size', '64']);
    expect(big.err).toMatch(/resized 16x20 → 48x64 \(longer side 64/);
  });

  it('--class adds a class-specific SNN Grad-CAM row per layer; the paper variant skips its always-empty t = 1', () => {
    const plain = path.join(dir, 'plain.png'), withClass = path.join(dir, 'class.png');
    expect(explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--out', plain, '--layers', '4', '--sample', '10']).code).toBe(0);
    const r = explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--out', withClass, '--layers', '4', '--sample', '10', '--class', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^class 2 \(bird\): p = 0\.\d{3}$/m);
    const a = PNG.sync.read(fs.readFileSync(plain)), b = PNG.sync.read(fs.readFileSync(withClass));
    expect(b.height).toBeGreaterThan(a.height + 90); // one more 96-px row
    // T = 4, paper variant: columns input + t = 2, 3, 4, not t = 1 (tiles 48 px wide at scale 3).
    expect(a.width).toBeLessThan(5 * 144);
  });

  it('--methods draws any registered method (a row per method and layer) and names the registered ones on a typo', () => {
    const sam = path.join(dir, 'sam.png'), both = path.join(dir, 'sam-rate.png');
    expect(explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--out', sam, '--layers', '4', '--sample', '3']).code).toBe(0);
    const r = explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--out', both, '--layers', '4', '--sample', '3', '--methods', 'sam,rate']);
    expect(r.code).toBe(0);
    const a = PNG.sync.read(fs.readFileSync(sam)), b = PNG.sync.read(fs.readFileSync(both));
    expect(b.height).toBeGreaterThan(a.height + 90); // one more 96-px row: the firing-rate map
    // The prediction does not depend on which methods are drawn (the same spikes).
    expect(r.out.match(/^predicted class: .*$/m)?.[0]).toBe(explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--out', sam, '--layers', '4', '--sample', '3']).out.match(/^predicted class: .*$/m)?.[0]);
    const bad = explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--out', sam, '--methods', 'sam,lrp']);
    expect(bad.code).toBe(1);
    expect(oneLineError(bad.err)).toMatch(/--methods: 'lrp' is not a registered explanation method; registered: sam, snn-gradcam, rate/);
  });

  it('explains a PyTorch state_dict (safetensors, SpikingJelly layout) given how its neurons run', () => {
    const model = path.resolve('test/fixtures/torch/spikingjelly-vgg.safetensors');
    const out = path.join(dir, 'torch.png');
    const r = explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', model, '--out', out, '--layers', '4', '--steps', '8', '--reset', 'zero', '--sample', '4']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/PyTorch VGG11 SNN, channels 4\/8\/16\/16\/32\/32\/32\/32, 3 classes, λ = 1, θ = 1, zero reset, T = 8/);
    expect(r.out).toMatch(/^predicted class: [0-2], p = 0\.\d{3}$/m);
    expect(PNG.sync.read(fs.readFileSync(out)).width).toBeGreaterThan(100);
    const misuse = explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--reset', 'zero']);
    expect(misuse.code).toBe(1);
    expect(oneLineError(misuse.err)).toMatch(/--reset and --padding describe a PyTorch \.safetensors model/);
  });

  it('refuses a bad --out before any work, an oversized image from its header, and a .partial checkpoint', () => {
    const jpgOut = explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--out', path.join(dir, 'x.jpg')]);
    expect(jpgOut.code).toBe(1);
    expect(oneLineError(jpgOut.err)).toMatch(/--out: '.*x\.jpg' must end in \.png/);
    fs.mkdirSync(path.join(dir, 'folder.png'), { recursive: true });
    const folder = explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--out', path.join(dir, 'folder.png')]);
    expect(folder.code).toBe(1);
    expect(oneLineError(folder.err)).toMatch(/is a folder; give a file name like/);
    // A PNG whose header claims 10000×8000 pixels (80 MP) and holds no image data: refused unread.
    const header = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
    header.writeUInt32BE(13, 8);
    header.write('IHDR', 12, 'ascii');
    header.writeUInt32BE(10000, 16);
    header.writeUInt32BE(8000, 20);
    fs.writeFileSync(path.join(dir, 'huge.png'), header);
    const huge = explain(['--image', path.join(dir, 'huge.png'), '--checkpoint', ckpt]);
    expect(huge.code).toBe(1);
    expect(oneLineError(huge.err)).toMatch(/huge\.png: 10000×8000 is 80\.0 megapixels, over the limit of 40 \(--max-megapixels\)/);
    fs.copyFileSync(ckpt, `${ckpt}.partial`);
    const partial = explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', `${ckpt}.partial`, '--out', path.join(dir, 'p.png')]);
    expect(partial.code).toBe(1);
    expect(oneLineError(partial.err)).toMatch(/snn\.ckpt\.partial: the saved state of an unfinished training run/);
  });

  it('a missing image, an unsupported file and a bad layer list each give one line and exit code 1', () => {
    const missing = explain(['--image', path.join(dir, 'nope.png'), '--checkpoint', ckpt]);
    expect(missing.code).toBe(1);
    expect(oneLineError(missing.err)).toMatch(/image not found: .*nope\.png$/);
    const unsupported = explain(['--image', path.join(dir, 'notes.png'), '--checkpoint', ckpt]);
    expect(unsupported.code).toBe(1);
    expect(oneLineError(unsupported.err)).toMatch(/notes\.png: unsupported or unreadable image \(expected a PNG or JPEG header\)/);
    const layers = explain(['--image', path.join(dir, 'scene.png'), '--checkpoint', ckpt, '--layers', '4,9']);
    expect(layers.code).toBe(1);
    expect(oneLineError(layers.err)).toMatch(/--layers: '9' is not a conv layer; use numbers 1..8/);
  });
});
