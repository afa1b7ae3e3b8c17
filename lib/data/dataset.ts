/**
 * The in-memory data set every stage shares, and its compact on-disk form.
 *
 * Images are uint8 NHWC RGB (what the sources hold, 4× smaller than float); tensors are made per
 * batch. One file per split: an 8-byte magic, a little-endian u32 header length, a JSON header
 * (version, shape, class names, section layout, sha256 of the payload), padding to 8 bytes, then
 * the payload: images (u8), labels (i32 LE), boxes (i32 LE, x0 y0 x1 y1), degenerate flags (u8).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../io/atomic';
import type { Rng } from '../random';

/** A prepared split: `train` (the source's training images) or `val` (its held-out images). */
export type DataSplit = 'train' | 'val';

/** An axis-aligned box in inclusive pixel coordinates (x0..x1 columns, y0..y1 rows). */
export interface Box { x0: number; y0: number; x1: number; y1: number }

/** A labelled image set with one ground-truth box per image; all images share one size. */
export interface Dataset {
  /** Source name, e.g. `mnist-scenes`, `tiny-imagenet`. */
  name: string;
  /** Class names, indexed by label. */
  classNames: string[];
  height: number;
  width: number;
  /** size·height·width·3 bytes, NHWC, RGB, 0..255. */
  images: Uint8Array;
  /** size labels in 0..classNames.length-1. */
  labels: Int32Array;
  /** size·4 values: x0, y0, x1, y1 (inclusive) per image. */
  boxes: Int32Array;
  /** size flags: 1 where the box is degenerate (x1 ≤ x0 or y1 ≤ y0), kept as the source gave it. */
  degenerate: Uint8Array;
  /** Number of images. */
  size: number;
}

/** One image of a data set (its pixels are a view into the data set, not a copy). */
export interface ImageItem {
  image: Uint8Array;
  height: number;
  width: number;
  label: number;
  box: Box;
  degenerate: boolean;
}

/** A zero-filled data set of `size` images, to be filled in place by a reader or generator. */
export function allocateDataset(name: string, classNames: string[], height: number, width: number, size: number): Dataset {
  return {
    name, classNames, height, width, size,
    images: new Uint8Array(size * height * width * 3),
    labels: new Int32Array(size),
    boxes: new Int32Array(size * 4),
    degenerate: new Uint8Array(size),
  };
}

/** True when a box has no extent by the data sets' rule (x1 ≤ x0 or y1 ≤ y0). */
export function isDegenerate(b: Box): boolean {
  return b.x1 <= b.x0 || b.y1 <= b.y0;
}

/** Stores label and box of image `i`, flagging a degenerate box. */
export function setAnnotation(ds: Dataset, i: number, label: number, box: Box): void {
  ds.labels[i] = label;
  ds.boxes.set([box.x0, box.y0, box.x1, box.y1], i * 4);
  ds.degenerate[i] = isDegenerate(box) ? 1 : 0;
}

/** The box of image `i`. */
export function boxOf(ds: Dataset, i: number): Box {
  const b = ds.boxes;
  return { x0: b[i * 4], y0: b[i * 4 + 1], x1: b[i * 4 + 2], y1: b[i * 4 + 3] };
}

/** Image `i` with its annotation; the pixels are a view into `ds.images`. */
export function itemOf(ds: Dataset, i: number): ImageItem {
  if (!Number.isInteger(i) || i < 0 || i >= ds.size) throw new RangeError(`${ds.name}: image index ${i} out of range 0..${ds.size - 1}`);
  const n = ds.height * ds.width * 3;
  return {
    image: ds.images.subarray(i * n, (i + 1) * n), height: ds.height, width: ds.width,
    label: ds.labels[i], box: boxOf(ds, i), degenerate: ds.degenerate[i] === 1,
  };
}

/** A new data set holding copies of the images at `indices`, in that order. */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const out = allocateDataset(ds.name, ds.classNames, ds.height, ds.width, indices.length);
  const n = ds.height * ds.width * 3;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    out.images.set(ds.images.subarray(i * n, (i + 1) * n), k * n);
    out.labels[k] = ds.labels[i];
    out.boxes.set(ds.boxes.subarray(i * 4, i * 4 + 4), k * 4);
    out.degenerate[k] = ds.degenerate[i];
  }
  return out;
}

/** Images per class (index = label). */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.classNames.length).fill(0);
  for (let i = 0; i < ds.size; i++) counts[ds.labels[i]]++;
  return counts;
}

// ---- batching and tensors

/**
 * Index batches covering the data set once: in order when `rng` is null, else a seeded shuffle.
 * The last batch may be short unless `dropLast`.
 */
export function* batches(ds: Dataset, batchSize: number, rng: Rng | null, dropLast = false): Generator<number[]> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const order = rng ? rng.permutation(ds.size) : Array.from({ length: ds.size }, (_, i) => i);
  for (let start = 0; start < order.length; start += batchSize) {
    const batch = order.slice(start, start + batchSize);
    if (dropLast && batch.length < batchSize) return;
    yield batch;
  }
}

/** uint8 RGB pixels of `count` images of `height`×`width` as a float 0..1 tensor [count, H, W, 3]. */
export function pixelsToTensor(pixels: Uint8Array, count: number, height: number, width: number): tf.Tensor4D {
  const n = count * height * width * 3;
  if (pixels.length !== n) throw new RangeError(`expected ${n} pixel values for ${count}×${height}×${width}×3, got ${pixels.length}`);
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = pixels[i] / 255;
  return tf.tensor4d(f, [count, height, width, 3]);
}

/** The images at `indices` as a float 0..1 tensor [B, H, W, 3] (caller disposes). */
export function toTensor(ds: Dataset, indices: ArrayLike<number>): tf.Tensor4D {
  const n = ds.height * ds.width * 3;
  const px = new Uint8Array(indices.length * n);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!(i >= 0 && i < ds.size)) throw new RangeError(`${ds.name}: image index ${i} out of range 0..${ds.size - 1}`);
    px.set(ds.images.subarray(i * n, (i + 1) * n), k * n);
  }
  return pixelsToTensor(px, indices.length, ds.height, ds.width);
}

/** The labels at `indices` as an int32 tensor [B] (caller disposes). */
export function labelsTensor(ds: Dataset, indices: ArrayLike<number>): tf.Tensor1D {
  const out = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = ds.labels[indices[k]];
  return tf.tensor1d(out, 'int32');
}

// ---- the file format

const MAGIC = 'SPKLDATA';
/** Version of the file format written by `saveDataset`; `loadDataset` reads exactly this one. */
export const DATASET_FORMAT_VERSION = 1;

interface Header {
  version: number;
  name: string;
  classNames: string[];
  size: number;
  height: number;
  width: number;
  channels: 3;
  /** Byte lengths of the payload sections, in payload order. */
  sections: { images: number; labels: number; boxes: number; degenerate: number };
  /** `sha256:<hex>` of the payload. */
  checksum: string;
}

const align8 = (n: number) => (n + 7) & ~7;

function sha256(bytes: Uint8Array): string {
  return `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`;
}

/** The serialised form of a data set (what `saveDataset` writes). */
export function encodeDataset(ds: Dataset): Buffer {
  const sections = { images: ds.images.length, labels: ds.size * 4, boxes: ds.size * 16, degenerate: ds.size };
  const payload = Buffer.alloc(sections.images + sections.labels + sections.boxes + sections.degenerate);
  let o = 0;
  payload.set(ds.images, o); o += sections.images;
  // Explicit little-endian writes keep the file portable across hosts.
  for (let i = 0; i < ds.size; i++, o += 4) payload.writeInt32LE(ds.labels[i], o);
  for (let i = 0; i < ds.size * 4; i++, o += 4) payload.writeInt32LE(ds.boxes[i], o);
  payload.set(ds.degenerate, o);
  const header: Header = {
    version: DATASET_FORMAT_VERSION, name: ds.name, classNames: ds.classNames, size: ds.size,
    height: ds.height, width: ds.width, channels: 3, sections, checksum: sha256(payload),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = align8(12 + json.length);
  const out = Buffer.alloc(start + payload.length, 0x20); // header padded with spaces
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  payload.copy(out, start);
  return out;
}

/** Writes a data set to `file` atomically (temp file + rename) and returns its byte size. */
export function saveDataset(file: string, ds: Dataset): number {
  checkConsistent(ds, ds.name);
  const bytes = encodeDataset(ds);
  writeFileAtomic(file, bytes);
  return bytes.length;
}

/**
 * Parses a serialised data set; `file` names the source in errors. Throws one line for a wrong
 * magic or version, a truncated or oversized file, a header that disagrees with itself, a
 * checksum mismatch or an out-of-range label.
 */
export function decodeDataset(buf: Uint8Array, file: string): Dataset {
  const fail = (what: string): never => { throw new Error(`${file}: ${what}`); };
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 12 || b.toString('latin1', 0, 8) !== MAGIC) fail('not a spikelens data set file (bad magic; re-run the prepare stage)');
  const jsonLen = b.readUInt32LE(8);
  if (12 + jsonLen > b.length) fail(`truncated: header needs ${12 + jsonLen} bytes, file has ${b.length}`);
  let h: Header;
  try {
    h = JSON.parse(b.toString('utf8', 12, 12 + jsonLen)) as Header;
  } catch {
    return fail('corrupt header (not valid JSON)');
  }
  if (h.version !== DATASET_FORMAT_VERSION) fail(`format version ${h.version}, this spikelens reads version ${DATASET_FORMAT_VERSION} (re-run the prepare stage)`);
  const intOk = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  if (!intOk(h.size) || !intOk(h.height) || !intOk(h.width) || h.channels !== 3 || !Array.isArray(h.classNames) || typeof h.checksum !== 'string' || !h.sections) {
    fail('corrupt header (missing or invalid fields)');
  }
  const want = { images: h.size * h.height * h.width * 3, labels: h.size * 4, boxes: h.size * 16, degenerate: h.size };
  for (const k of Object.keys(want) as (keyof typeof want)[]) {
    if (h.sections[k] !== want[k]) fail(`corrupt header: section ${k} has ${h.sections[k]} bytes, shape needs ${want[k]}`);
  }
  const start = align8(12 + jsonLen);
  const total = start + want.images + want.labels + want.boxes + want.degenerate;
  if (b.length < total) fail(`truncated: expected ${total} bytes, found ${b.length}`);
  if (b.length > total) fail(`expected ${total} bytes, found ${b.length} (trailing data)`);
  const payload = b.subarray(start, total);
  if (sha256(payload) !== h.checksum) fail('checksum mismatch: the file is corrupt');
  const ds = allocateDataset(String(h.name), h.classNames.map(String), h.height, h.width, h.size);
  let o = 0;
  ds.images.set(payload.subarray(o, o + want.images)); o += want.images;
  for (let i = 0; i < h.size; i++, o += 4) ds.labels[i] = payload.readInt32LE(o);
  for (let i = 0; i < h.size * 4; i++, o += 4) ds.boxes[i] = payload.readInt32LE(o);
  ds.degenerate.set(payload.subarray(o, o + want.degenerate));
  checkConsistent(ds, file);
  return ds;
}

/** Reads and validates a data set file written by `saveDataset`; errors name the file. */
export function loadDataset(file: string): Dataset {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    throw new Error(`${file}: cannot read the data set (run the prepare stage first)`);
  }
  return decodeDataset(buf, file);
}

function checkConsistent(ds: Dataset, where: string): void {
  const n = ds.size;
  if (ds.images.length !== n * ds.height * ds.width * 3 || ds.labels.length !== n || ds.boxes.length !== n * 4 || ds.degenerate.length !== n) {
    throw new Error(`${where}: array lengths do not match ${n} images of ${ds.height}×${ds.width}×3`);
  }
  for (let i = 0; i < n; i++) {
    if (ds.labels[i] < 0 || ds.labels[i] >= ds.classNames.length) throw new Error(`${where}: image ${i} has label ${ds.labels[i]}, outside 0..${ds.classNames.length - 1}`);
  }
}

/**
 * Throws unless `b` lists the same classes as `a` (names, in label order) and has the same image
 * size, naming both files: a model trained on one class list and evaluated on another would
 * report a meaningless accuracy with exit code 0.
 */
export function assertSameClasses(a: Pick<Dataset, 'classNames' | 'height' | 'width'>, fileA: string, b: Pick<Dataset, 'classNames' | 'height' | 'width'>, fileB: string): void {
  const na = a.classNames, nb = b.classNames;
  if (na.length !== nb.length || na.some((n, i) => n !== nb[i])) {
    const first = na.findIndex((n, i) => n !== nb[i]);
    const where = na.length !== nb.length ? `${na.length} vs ${nb.length} classes` : `label ${first} is '${na[first]}' vs '${nb[first]}'`;
    throw new Error(`${fileB}: its classes differ from ${fileA}'s (${where}); rebuild both with the prepare stage (dvc repro)`);
  }
  if (a.height !== b.height || a.width !== b.width) {
    throw new Error(`${fileB}: images are ${b.width}x${b.height}, ${fileA}'s are ${a.width}x${a.height}; rebuild both with the prepare stage (dvc repro)`);
  }
}

/** `<dir>/train.bin` and `<dir>/val.bin`, checked to share their class list and image size. */
export function loadSplits(dir: string): { train: Dataset; val: Dataset } {
  const trainFile = path.join(dir, 'train.bin'), valFile = path.join(dir, 'val.bin');
  const train = loadDataset(trainFile);
  const val = loadDataset(valFile);
  assertSameClasses(train, trainFile, val, valFile);
  return { train, val };
}
