import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeJpegRgb, readTinyImageNet, readTinyImageNetClasses } from '../../lib/data/tiny-imagenet';
import { boxOf, itemOf } from '../../lib/data/dataset';
import { buildSplit } from '../../lib/data/build';
import { loadParams } from '../../lib/params';
import { grayJpeg, rgbJpeg } from './jpeg-fixtures';

// Class order in wnids.txt is deliberately not sorted: labels must follow the file.
const WNIDS = ['n03000003', 'n01000001', 'n02000002'];
const NAMES = ['third thing', 'first thing, alias', 'second thing'];
/** Distinct colour of image n of class c, so each decoded image can be told apart. */
const colour = (c: number, n: number): [number, number, number] => [40 + 60 * c, 30 + 15 * n, 200 - 50 * c];
const GREY_LEVEL = 90;

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

/**
 * A Tiny-ImageNet tree: 3 classes × 3 train images (n = 0, 1, 10: numeric order ≠ string order),
 * image n01000001_1 greyscale, box of n02000002_0 degenerate; 6 val images listed out of order.
 */
function makeTree(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tin-'));
  roots.push(root);
  const dir = path.join(root, 'tiny-imagenet-200');
  fs.mkdirSync(path.join(dir, 'val', 'images'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'wnids.txt'), WNIDS.join('\n') + '\n');
  const words = ['n00000009\tentity', ...WNIDS.map((w, i) => `${w}\t${NAMES[i]}`), 'n09999999\tsomething else'];
  fs.writeFileSync(path.join(dir, 'words.txt'), words.join('\r\n') + '\r\n');
  WNIDS.forEach((w, c) => {
    const imgDir = path.join(dir, 'train', w, 'images');
    fs.mkdirSync(imgDir, { recursive: true });
    const rows: string[] = [];
    for (const n of [10, 0, 1]) {
      const file = `${w}_${n}.JPEG`;
      const grey = c === 1 && n === 1;
      fs.writeFileSync(path.join(imgDir, file), grey ? grayJpeg(64, 64, () => GREY_LEVEL) : rgbJpeg(64, 64, colour(c, n)));
      const box = c === 2 && n === 0 ? [30, 12, 30, 40] : [n, c, 40 + n, 50 + c];
      rows.push([file, ...box].join('\t'));
    }
    fs.writeFileSync(path.join(dir, 'train', w, `${w}_boxes.txt`), rows.join('\n') + '\n');
  });
  const val: string[] = [];
  for (const n of [3, 0, 5, 1, 4, 2]) {
    const c = n % 3;
    fs.writeFileSync(path.join(dir, 'val', 'images', `val_${n}.JPEG`), rgbJpeg(64, 64, colour(c, 5)));
    val.push([`val_${n}.JPEG`, WNIDS[c], 1, 2, 3 + n, 60].join('\t'));
  }
  fs.writeFileSync(path.join(dir, 'val', 'val_annotations.txt'), val.join('\n') + '\n');
  return dir;
}

/** Mean of each channel of image i. */
function meanRgb(img: Uint8Array): number[] {
  const s = [0, 0, 0];
  for (let i = 0; i < img.length; i++) s[i % 3] += img[i];
  return s.map((v) => v / (img.length / 3));
}

describe('Tiny-ImageNet reader', () => {
  it('reads class order from wnids.txt (not sorted) and names from words.txt', () => {
    const dir = makeTree();
    expect(readTinyImageNetClasses(dir)).toEqual({ wnids: WNIDS, names: NAMES });
  });

  it('train: labels in wnids order, images in numeric order, boxes as written, degenerate flagged', () => {
    const dir = makeTree();
    const ds = readTinyImageNet(dir, 'train');
    expect(ds.size).toBe(9);
    expect([ds.height, ds.width]).toEqual([64, 64]);
    expect(ds.classNames).toEqual(NAMES);
    expect(Array.from(ds.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const order = [0, 1, 10];
    for (let i = 0; i < 9; i++) {
      const c = Math.floor(i / 3), n = order[i % 3];
      const it = itemOf(ds, i);
      const want = c === 1 && n === 1 ? [GREY_LEVEL, GREY_LEVEL, GREY_LEVEL] : colour(c, n);
      meanRgb(it.image).forEach((m, k) => expect(Math.abs(m - want[k])).toBeLessThan(4));
      if (c === 2 && n === 0) {
        expect(it.box).toEqual({ x0: 30, y0: 12, x1: 30, y1: 40 });
        expect(it.degenerate).toBe(true);
      } else {
        expect(it.box).toEqual({ x0: n, y0: c, x1: 40 + n, y1: 50 + c });
        expect(it.degenerate).toBe(false);
      }
    }
  });

  it('a single-channel JPEG becomes grey RGB (hand-made baseline greyscale JPEG)', () => {
    const bytes = grayJpeg(16, 8, (bx) => (bx === 0 ? 20 : 230));
    const img = decodeJpegRgb(bytes, 'grey.JPEG');
    expect([img.width, img.height, img.data.length]).toEqual([16, 8, 16 * 8 * 3]);
    for (let p = 0; p < 16 * 8; p++) {
      const want = p % 16 < 8 ? 20 : 230;
      expect([img.data[p * 3], img.data[p * 3 + 1], img.data[p * 3 + 2]]).toEqual([want, want, want]);
    }
  });

  it('val: labels from the annotations, file-number order, boxes kept', () => {
    const dir = makeTree();
    const ds = readTinyImageNet(dir, 'val');
    expect(ds.size).toBe(6);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2, 0, 1, 2]);
    for (let n = 0; n < 6; n++) {
      expect(boxOf(ds, n)).toEqual({ x0: 1, y0: 2, x1: 3 + n, y1: 60 });
      meanRgb(itemOf(ds, n).image).forEach((m, k) => expect(Math.abs(m - colour(n % 3, 5)[k])).toBeLessThan(4));
    }
  });

  it('classes keeps the first N in wnids order; limit caps images per class', () => {
    const dir = makeTree();
    const ds = readTinyImageNet(dir, 'train', { classes: 2, limit: 2 });
    expect(ds.classNames).toEqual(NAMES.slice(0, 2));
    expect(Array.from(ds.labels)).toEqual([0, 0, 1, 1]);
    meanRgb(itemOf(ds, 1).image).forEach((m, k) => expect(Math.abs(m - colour(0, 1)[k])).toBeLessThan(4));
    const val = readTinyImageNet(dir, 'val', { classes: 1, limit: 1 });
    expect(val.size).toBe(1);
    expect(boxOf(val, 0).x1).toBe(3); // val_0
    const seen: number[][] = [];
    readTinyImageNet(dir, 'train', { onProgress: (d, t) => seen.push([d, t]) });
    expect(seen.at(-1)).toEqual([9, 9]);
  });

  it('a missing image stops with an error naming it', () => {
    const dir = makeTree();
    const gone = path.join(dir, 'train', WNIDS[1], 'images', `${WNIDS[1]}_10.JPEG`);
    fs.rmSync(gone);
    expect(() => readTinyImageNet(dir, 'train')).toThrow(`${gone}: missing image (listed in ${path.join(dir, 'train', WNIDS[1], `${WNIDS[1]}_boxes.txt`)}:1)`);
  });

  it('a corrupt or truncated image stops with an error naming it', () => {
    const dir = makeTree();
    const bad = path.join(dir, 'val', 'images', 'val_4.JPEG');
    fs.writeFileSync(bad, 'definitely not a JPEG');
    expect(() => readTinyImageNet(dir, 'val')).toThrow(`${bad}: corrupt or unreadable JPEG`);
    const full = rgbJpeg(64, 64, [1, 2, 3]);
    fs.writeFileSync(bad, full.subarray(0, Math.floor(full.length / 2)));
    expect(() => readTinyImageNet(dir, 'val')).toThrow(`${bad}: corrupt or unreadable JPEG`);
  });

  it('bad folders and listings are named', () => {
    expect(() => readTinyImageNetClasses('/nonexistent/tiny')).toThrow('/nonexistent/tiny: Tiny-ImageNet folder not found');
    const dir = makeTree();
    const list = path.join(dir, 'val', 'val_annotations.txt');
    fs.appendFileSync(list, 'val_9.JPEG\tn01000001\t1\t2\n');
    expect(() => readTinyImageNet(dir, 'val')).toThrow(`${list}:7: expected 6 tab-separated fields`);
    fs.writeFileSync(path.join(dir, 'wnids.txt'), `${WNIDS.join('\n')}\nn04000004\n`);
    expect(() => readTinyImageNetClasses(dir)).toThrow(`${path.join(dir, 'words.txt')}: no entry for class n04000004`);
    const small = makeTree();
    fs.writeFileSync(path.join(small, 'val', 'images', 'val_2.JPEG'), rgbJpeg(32, 64, [9, 9, 9]));
    expect(() => readTinyImageNet(small, 'val')).toThrow(/val_2\.JPEG: image is 32×64, expected 64×64 like the other 5 images$/);
  });

  it('the odd-sized image is named even when it is the first one read', () => {
    const dir = makeTree();
    // val_0 is read first (file-number order); the other five are 64×64.
    fs.writeFileSync(path.join(dir, 'val', 'images', 'val_0.JPEG'), rgbJpeg(48, 64, [9, 9, 9]));
    expect(() => readTinyImageNet(dir, 'val')).toThrow(/val_0\.JPEG: image is 48×64, expected 64×64 like the other 5 images$/);
  });

  it('the whole annotation set is checked up front: boxes outside the image, unknown or repeated classes, empty classes', () => {
    const list = (d: string) => path.join(d, 'val', 'val_annotations.txt');
    const outside = makeTree();
    fs.writeFileSync(list(outside), fs.readFileSync(list(outside), 'utf8').replace(/^val_5\.JPEG\t(\S+)\t.*$/m, 'val_5.JPEG\t$1\t1\t2\t64\t60'));
    expect(() => readTinyImageNet(outside, 'val')).toThrow(`${list(outside)}:3: box 1,2,64,60 of val_5.JPEG lies outside its 64×64 image (inclusive pixel coordinates 0..63, 0..63)`);
    const unknown = makeTree();
    fs.appendFileSync(list(unknown), 'val_0.JPEG\tn09999999\t1\t2\t3\t4\n');
    expect(() => readTinyImageNet(unknown, 'val')).toThrow(`${list(unknown)}:7: class n09999999 is not in ${path.join(unknown, 'wnids.txt')}`);
    const twice = makeTree();
    fs.writeFileSync(path.join(twice, 'wnids.txt'), `${WNIDS.join('\n')}\n${WNIDS[0]}\n`);
    expect(() => readTinyImageNetClasses(twice)).toThrow(`${path.join(twice, 'wnids.txt')}:4: class ${WNIDS[0]} is listed twice (first on line 1)`);
    const empty = makeTree();
    fs.writeFileSync(list(empty), fs.readFileSync(list(empty), 'utf8').split('\n').filter((l) => !l.includes(WNIDS[2])).join('\n'));
    expect(() => readTinyImageNet(empty, 'val')).toThrow(`${list(empty)}: no validation images for 1 kept class(es): ${WNIDS[2]}`);
    const noTrain = makeTree();
    fs.writeFileSync(path.join(noTrain, 'train', WNIDS[1], `${WNIDS[1]}_boxes.txt`), '\n');
    expect(() => readTinyImageNet(noTrain, 'train')).toThrow(`lists no images for class ${WNIDS[1]} (label 1)`);
  });

  it('class folders that wnids.txt does not list are skipped with one counted warning', () => {
    const dir = makeTree();
    fs.mkdirSync(path.join(dir, 'train', 'n07777777', 'images'), { recursive: true });
    const warnings: string[] = [];
    const ds = readTinyImageNet(dir, 'train', { onWarning: (m) => warnings.push(m) });
    expect(ds.classNames).toEqual(NAMES);
    expect(warnings).toEqual([`1 class folder(s) under ${path.join(dir, 'train')} are not in wnids.txt and are skipped: n07777777`]);
  });

  it('buildSplit cuts Tiny-ImageNet to classes and size, balanced and seeded', () => {
    const dir = makeTree();
    const base = loadParams('params.yaml', 'default');
    const data = { ...base.data, source: 'tiny-imagenet' as const, tiny_imagenet_dir: dir, classes: 2, train_size: 3, val_size: 0 };
    const a = buildSplit(data, 1, 'train');
    expect(a.size).toBe(3);
    expect(a.classNames).toEqual(NAMES.slice(0, 2));
    expect(Array.from(buildSplit(data, 1, 'train').images)).toEqual(Array.from(a.images));
    expect(buildSplit(data, 1, 'val').size).toBe(4); // all val images of the 2 kept classes
    expect(() => buildSplit({ ...data, image_size: 32 }, 1, 'train')).toThrow('data.image_size: 32, but the Tiny-ImageNet images are 64×64');
    expect(() => buildSplit({ ...data, classes: 5 }, 1, 'train')).toThrow(`data.classes: 5 exceeds the 3 classes in ${dir}`);
  });
});
