/**
 * Built-in scene sets, the default data when no Tiny-ImageNet is at hand: real object images
 * from npm placed at a random scale and position on a larger canvas, so every image has a known
 * ground-truth box for localization metrics.
 *
 * - `mnist-scenes`: an MNIST digit on black, with clutter (fragments of digits of other classes,
 *   kept off the target's box) and gaussian noise; box = tight bounds of the placed digit's ink.
 * - `pets-scenes`: a CIFAR-10 cat or dog photo pasted onto a textured background (smooth colour
 *   noise, stripes, or a blurred crop of another photo); box = the pasted rectangle.
 *
 * Train scenes draw only on the sources' own training split and val scenes on their test split,
 * clutter and backgrounds included, so no source image is shared between train and val.
 * Deterministic: scene i depends only on (rng seed, i) and the options.
 */
import type { Rng } from '../random';
import { allocateDataset, setAnnotation, type Box, type Dataset, type DataSplit } from './dataset';
import { addNoise, boxBlur, crop, inkBounds, paste, raster, resizeBilinear, toRaster, toRgbBytes, type Raster } from './raster';
import { loadMnist, loadPets, type ObjectImages } from './sources';

/** The built-in scene sets. */
export type SceneSource = 'mnist-scenes' | 'pets-scenes';
export const SCENE_SOURCES: readonly SceneSource[] = ['mnist-scenes', 'pets-scenes'];

/** How to build one split of a scene set (mirrors params `data` and `data.scenes`). */
export interface SceneOptions {
  /** `train` draws on the source's training split, `val` on its test split. */
  split: DataSplit;
  /** Number of scenes; 0 = one per source image of the kept classes. */
  size: number;
  /** Keep the first N classes (0 = all). */
  classes: number;
  /** Canvas side in pixels. */
  imageSize: number;
  /** Object scale range relative to the native size (28 px digits, 32 px photos). */
  scaleMin: number;
  scaleMax: number;
  /** Clutter fragments per scene (mnist-scenes; ignored by pets-scenes). */
  clutter: number;
  /** Std of additive gaussian pixel noise, on the 0..1 scale. */
  noise: number;
  rng: Rng;
  /** Called every 1000 scenes and at the end with scenes drawn so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Digit pixels at or above this value (of 255) count as ink for the box; bilinear halos below it do not. */
export const INK_THRESHOLD = 64;

/** Class names of a scene set (all of them, before `classes` is applied). */
export function sceneClassNames(source: SceneSource): string[] {
  return source === 'mnist-scenes' ? Array.from({ length: 10 }, (_, i) => String(i)) : ['dog', 'cat'];
}

/** Builds one split of a built-in scene set. */
export function buildScenes(source: SceneSource, o: SceneOptions): Dataset {
  const objects = (source === 'mnist-scenes' ? loadMnist : loadPets)(o.split === 'train' ? 'train' : 'test');
  const render = source === 'mnist-scenes' ? renderDigitScene : renderPetScene;
  return generate(source, objects, o, render);
}

type Render = (objects: ObjectImages, index: number, o: SceneOptions, rng: Rng) => { canvas: Raster; box: Box };

/**
 * The shared driver: exactly balanced labels in a seeded order, each scene's object taken from a
 * seeded per-class queue (cycled when more scenes than objects are asked for), each scene drawn
 * with its own forked stream.
 */
function generate(name: SceneSource, objects: ObjectImages, o: SceneOptions, render: Render): Dataset {
  const all = objects.classNames.length;
  if (!Number.isInteger(o.classes) || o.classes < 0 || o.classes > all) throw new RangeError(`${name}: classes must be 0..${all}, got ${o.classes}`);
  if (o.scaleMin <= 0 || o.scaleMin > o.scaleMax) throw new RangeError(`${name}: need 0 < scale_min ≤ scale_max, got ${o.scaleMin}..${o.scaleMax}`);
  const nClasses = o.classes || all;
  const pools: number[][] = Array.from({ length: nClasses }, () => []);
  for (let i = 0; i < objects.count; i++) if (objects.labels[i] < nClasses) pools[objects.labels[i]].push(i);
  for (let c = 0; c < nClasses; c++) {
    if (!pools[c].length) throw new Error(`${name}: the ${o.split} split has no images of class ${objects.classNames[c]}`);
    pools[c] = o.rng.fork(`pool/${c}`).shuffle(pools[c]);
  }
  const size = o.size || pools.reduce((a, p) => a + p.length, 0);
  const labels = o.rng.fork('labels').shuffle(Array.from({ length: size }, (_, i) => i % nClasses));
  const next = new Array<number>(nClasses).fill(0);
  const ds = allocateDataset(name, objects.classNames.slice(0, nClasses), o.imageSize, o.imageSize, size);
  const per = o.imageSize * o.imageSize * 3;
  for (let i = 0; i < size; i++) {
    const c = labels[i];
    const index = pools[c][next[c]++ % pools[c].length];
    const { canvas, box } = render(objects, index, o, o.rng.fork(i));
    toRgbBytes(canvas, ds.images.subarray(i * per, (i + 1) * per));
    setAnnotation(ds, i, c, box);
    if (o.onProgress && ((i + 1) % 1000 === 0 || i + 1 === size)) o.onProgress(i + 1, size);
  }
  return ds;
}

/** Object `index` of a source as a float raster. */
function objectRaster(objects: ObjectImages, index: number): Raster {
  const n = objects.width * objects.height * objects.channels;
  return toRaster(objects.pixels.subarray(index * n, (index + 1) * n), objects.width, objects.height, objects.channels);
}

/** Side in pixels of an object of native side `native` at a random scale, at most the canvas. */
function scaledSide(native: number, o: SceneOptions, rng: Rng): number {
  return Math.min(o.imageSize, Math.max(1, Math.round(native * rng.uniform(o.scaleMin, o.scaleMax))));
}

const overlaps = (a: Box, b: Box) => a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1;

function renderDigitScene(objects: ObjectImages, index: number, o: SceneOptions, rng: Rng): { canvas: Raster; box: Box } {
  const S = o.imageSize;
  const side = scaledSide(objects.width, o, rng);
  const digit = resizeBilinear(objectRaster(objects, index), side, side);
  const x = rng.int(0, S - side), y = rng.int(0, S - side);
  // − 0.5: the box must match the stored bytes, and a value ≥ 63.5 is written as 64.
  const ink = inkBounds(digit, INK_THRESHOLD - 0.5) ?? { x0: 0, y0: 0, x1: side - 1, y1: side - 1 };
  const box = { x0: x + ink.x0, y0: y + ink.y0, x1: x + ink.x1, y1: y + ink.y1 };
  const canvas = raster(S, S, 1);
  for (let k = 0; k < o.clutter; k++) {
    const frag = digitFragment(objects, objects.labels[index], o, rng);
    // Keep clutter off the target's box so the box holds only the target's ink; give up after
    // a few tries (a crowded canvas) rather than loop.
    let fx = 0, fy = 0;
    for (let t = 0; t < 20; t++) {
      fx = rng.int(0, S - frag.width);
      fy = rng.int(0, S - frag.height);
      if (!overlaps({ x0: fx, y0: fy, x1: fx + frag.width - 1, y1: fy + frag.height - 1 }, box)) break;
    }
    paste(canvas, frag, fx, fy, 'max');
  }
  paste(canvas, digit, x, y, 'max');
  addNoise(canvas, o.noise * 255, () => rng.normal());
  return { canvas, box };
}

/** A random piece (6..12 px of the native 28, under half a digit so it never reads as a whole one) of the inked part of a digit of another class, scaled like objects. */
function digitFragment(objects: ObjectImages, targetLabel: number, o: SceneOptions, rng: Rng): Raster {
  let j = rng.int(0, objects.count - 1);
  for (let t = 0; t < 10 && objects.labels[j] === targetLabel; t++) j = rng.int(0, objects.count - 1);
  const src = objectRaster(objects, j);
  const ink = inkBounds(src, INK_THRESHOLD) ?? { x0: 0, y0: 0, x1: src.width - 1, y1: src.height - 1 };
  const w = Math.min(rng.int(6, 12), ink.x1 - ink.x0 + 1), h = Math.min(rng.int(6, 12), ink.y1 - ink.y0 + 1);
  const cx = rng.int(ink.x0, ink.x1 - w + 1), cy = rng.int(ink.y0, ink.y1 - h + 1);
  const piece = crop(src, { x0: cx, y0: cy, x1: cx + w - 1, y1: cy + h - 1 });
  const s = rng.uniform(o.scaleMin, o.scaleMax);
  return resizeBilinear(piece, Math.min(o.imageSize, Math.max(1, Math.round(w * s))), Math.min(o.imageSize, Math.max(1, Math.round(h * s))));
}

function renderPetScene(objects: ObjectImages, index: number, o: SceneOptions, rng: Rng): { canvas: Raster; box: Box } {
  const S = o.imageSize;
  const canvas = background(objects, index, S, rng);
  const side = scaledSide(objects.width, o, rng);
  const photo = resizeBilinear(objectRaster(objects, index), side, side);
  const x = rng.int(0, S - side), y = rng.int(0, S - side);
  paste(canvas, photo, x, y, 'over');
  addNoise(canvas, o.noise * 255, () => rng.normal());
  return { canvas, box: { x0: x, y0: y, x1: x + side - 1, y1: y + side - 1 } };
}

/** A textured S×S RGB background: smooth colour noise, soft stripes, or a blurred crop of another photo. */
function background(objects: ObjectImages, exclude: number, S: number, rng: Rng): Raster {
  const colour = () => [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
  const kind = rng.int(0, 2);
  if (kind === 0) {
    const g = rng.int(2, 6);
    const grid = raster(g, g, 3);
    for (let i = 0; i < g * g; i++) grid.data.set(colour(), i * 3);
    return resizeBilinear(grid, S, S);
  }
  if (kind === 1) {
    const [a, b] = [colour(), colour()];
    const angle = rng.uniform(0, Math.PI), period = rng.uniform(6, 16);
    const cos = Math.cos(angle), sin = Math.sin(angle);
    const out = raster(S, S, 3);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const m = 0.5 + 0.5 * Math.sin((2 * Math.PI * (x * cos + y * sin)) / period);
        for (let k = 0; k < 3; k++) out.data[(y * S + x) * 3 + k] = a[k] + (b[k] - a[k]) * m;
      }
    }
    return out;
  }
  let j = rng.int(0, objects.count - 1);
  if (j === exclude) j = (j + 1) % objects.count;
  const side = rng.int(12, 20);
  const cx = rng.int(0, objects.width - side), cy = rng.int(0, objects.height - side);
  const piece = crop(objectRaster(objects, j), { x0: cx, y0: cy, x1: cx + side - 1, y1: cy + side - 1 });
  return boxBlur(resizeBilinear(piece, S, S), rng.int(2, 4));
}
