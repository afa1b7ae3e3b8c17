import { describe, expect, it } from 'vitest';
import * as crypto from 'crypto';
import { buildScenes, INK_THRESHOLD, type SceneOptions, type SceneSource } from '../../lib/data/scenes';
import { classCounts, itemOf, type Dataset } from '../../lib/data/dataset';
import { loadMnist, loadPets, parseIdx } from '../../lib/data/sources';
import { Rng } from '../../lib/random';

const opts = (o: Partial<SceneOptions> = {}): SceneOptions => ({
  split: 'train', size: 60, classes: 0, imageSize: 64, scaleMin: 0.9, scaleMax: 1.6, clutter: 6, noise: 0.05, rng: new Rng(5), ...o,
});
const build = (src: SceneSource, o: Partial<SceneOptions> = {}) => buildScenes(src, opts(o));
const sha = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

/** Red channel of pixel (x, y) of image i. */
const px = (ds: Dataset, i: number, x: number, y: number) => ds.images[((i * ds.height + y) * ds.width + x) * 3];

describe('npm sources', () => {
  it('MNIST comes from the IDX files: 60k/10k 28×28 digits, labels 0..9', () => {
    const train = loadMnist('train'), test = loadMnist('test');
    expect([train.count, test.count, train.width, train.height, train.channels]).toEqual([60000, 10000, 28, 28, 1]);
    expect(Array.from(train.labels.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]); // MNIST's well-known first labels
    expect(Math.max(...train.labels)).toBe(9);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1]), 'short.idx', 1)).toThrow('short.idx: expected 13 bytes for dims 5, found 9');
    expect(() => parseIdx(new Uint8Array(16), 'zero.idx', 3)).toThrow('zero.idx: not an IDX file');
  });

  it('pets follow the package split (800 + 800 train, 200 + 200 test) and share no photo', () => {
    const train = loadPets('train'), test = loadPets('test');
    expect([train.count, test.count, train.width, train.channels]).toEqual([1600, 400, 32, 3]);
    expect(train.classNames).toEqual(['dog', 'cat']);
    expect(Array.from(classCount(train.labels, 2))).toEqual([800, 800]);
    const n = 32 * 32 * 3;
    const hashes = (s: typeof train) => new Set(Array.from({ length: s.count }, (_, i) => sha(s.pixels.subarray(i * n, (i + 1) * n))));
    const a = hashes(train), b = hashes(test);
    expect([...b].filter((h) => a.has(h))).toEqual([]);
  });
});

function classCount(labels: ArrayLike<number>, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
}

describe('mnist-scenes', () => {
  it('is deterministic for a seed and differs across seeds and splits', () => {
    const a = build('mnist-scenes', { size: 20 }), b = build('mnist-scenes', { size: 20 });
    expect(sha(a.images)).toBe(sha(b.images));
    expect(Array.from(a.boxes)).toEqual(Array.from(b.boxes));
    expect(sha(build('mnist-scenes', { size: 20, rng: new Rng(6) }).images)).not.toBe(sha(a.images));
    expect(sha(build('mnist-scenes', { size: 20, split: 'val' }).images)).not.toBe(sha(a.images));
  });

  it('box = tight bounds of the digit ink (no clutter, no noise)', () => {
    const ds = build('mnist-scenes', { size: 40, clutter: 0, noise: 0 });
    for (let i = 0; i < ds.size; i++) {
      const { box, degenerate } = itemOf(ds, i);
      expect(degenerate).toBe(false);
      let inkOutside = 0;
      const edge = { top: 0, bottom: 0, left: 0, right: 0 };
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const ink = px(ds, i, x, y) >= INK_THRESHOLD;
          const inside = x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1;
          if (ink && !inside) inkOutside++;
          if (ink && inside) {
            if (y === box.y0) edge.top++;
            if (y === box.y1) edge.bottom++;
            if (x === box.x0) edge.left++;
            if (x === box.x1) edge.right++;
          }
        }
      }
      expect(inkOutside).toBe(0);
      expect(Math.min(edge.top, edge.bottom, edge.left, edge.right)).toBeGreaterThan(0); // tight on all four sides
      const long = Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1;
      expect(long).toBeGreaterThanOrEqual(Math.floor(20 * 0.9) - 2); // MNIST digits span 20 px on their longer side
      expect(long).toBeLessThanOrEqual(Math.round(20 * 1.6) + 2);
    }
  });

  it('with clutter and noise: boxes stay tight, clutter sits outside the box, values span the range', () => {
    const clean = build('mnist-scenes', { size: 30, noise: 0 });
    const bare = build('mnist-scenes', { size: 30, clutter: 0, noise: 0 });
    // Same seed: clutter draws come after the target's, so the target and its box are unchanged.
    expect(Array.from(clean.boxes)).toEqual(Array.from(bare.boxes));
    let extraInk = 0, insideChanged = 0;
    for (let i = 0; i < clean.size; i++) {
      const { box } = itemOf(clean, i);
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const inside = x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1;
          if (px(clean, i, x, y) !== px(bare, i, x, y)) (inside ? insideChanged++ : extraInk++);
        }
      }
    }
    expect(extraInk).toBeGreaterThan(30 * 6 * 10); // six fragments of ink per scene
    expect(insideChanged).toBeLessThan(extraInk * 0.02); // only when a crowded canvas forced overlap
    const noisy = build('mnist-scenes', { size: 30 });
    let lo = 255, hi = 0, sum = 0;
    for (const v of noisy.images) { lo = Math.min(lo, v); hi = Math.max(hi, v); sum += v; }
    expect([lo, hi]).toEqual([0, 255]);
    expect(sum / noisy.images.length).toBeGreaterThan(10);
    expect(sum / noisy.images.length).toBeLessThan(80);
    for (let i = 0; i < noisy.images.length; i += 3) expect(noisy.images[i + 1]).toBe(noisy.images[i]); // grey RGB
  });

  it('labels are balanced and classes keeps the first N digits', () => {
    const ds = build('mnist-scenes', { size: 103 });
    const counts = classCounts(ds);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    const three = build('mnist-scenes', { size: 30, classes: 3 });
    expect(three.classNames).toEqual(['0', '1', '2']);
    expect(classCounts(three)).toEqual([10, 10, 10]);
    expect(() => build('mnist-scenes', { classes: 11 })).toThrow('mnist-scenes: classes must be 0..10, got 11');
  });

  it('size 0 means one scene per source image of the kept classes', () => {
    const ds = build('mnist-scenes', { size: 0, classes: 1, split: 'val', clutter: 0 });
    expect(ds.size).toBe(classCount(loadMnist('test').labels, 10)[0]); // 980 zeros in MNIST's test set
  });

  it('objects scale with scale_min..scale_max and stay on the canvas', () => {
    const ds = build('mnist-scenes', { size: 40, clutter: 0, noise: 0, scaleMin: 2, scaleMax: 2.2 });
    for (let i = 0; i < ds.size; i++) {
      const { box } = itemOf(ds, i);
      expect(box.x0).toBeGreaterThanOrEqual(0);
      expect(box.y1).toBeLessThanOrEqual(63);
      // MNIST fits each digit's longer side to 20 px of its 28; at ×2 it must exceed 28.
      expect(Math.max(box.x1 - box.x0, box.y1 - box.y0) + 1).toBeGreaterThan(28);
    }
  });
});

describe('pets-scenes', () => {
  it('box = the pasted photo; val scenes use only the package\'s test photos', () => {
    // Scale exactly 1 and no noise: the box holds the photo's exact pixels.
    const ds = build('pets-scenes', { size: 40, split: 'val', scaleMin: 1, scaleMax: 1, noise: 0 });
    const n = 32 * 32 * 3;
    const index = (s: ReturnType<typeof loadPets>) => new Map(Array.from({ length: s.count }, (_, i) => [sha(s.pixels.subarray(i * n, (i + 1) * n)), s.labels[i]]));
    const test = index(loadPets('test')), train = index(loadPets('train'));
    for (let i = 0; i < ds.size; i++) {
      const { box, image, label } = itemOf(ds, i);
      expect([box.x1 - box.x0 + 1, box.y1 - box.y0 + 1]).toEqual([32, 32]);
      const photo = new Uint8Array(n);
      for (let y = 0; y < 32; y++) photo.set(image.subarray(((box.y0 + y) * 64 + box.x0) * 3, ((box.y0 + y) * 64 + box.x0 + 32) * 3), y * 32 * 3);
      const h = sha(photo);
      expect(test.get(h)).toBe(label);
      expect(train.has(h)).toBe(false);
    }
  });

  it('is deterministic, two balanced classes, colour, boxes within scale range', () => {
    const a = build('pets-scenes', { size: 50 });
    expect(sha(a.images)).toBe(sha(build('pets-scenes', { size: 50 }).images));
    expect(a.classNames).toEqual(['dog', 'cat']);
    expect(classCounts(a)).toEqual([25, 25]);
    let colourful = 0;
    for (let i = 0; i < a.images.length; i += 3) if (a.images[i] !== a.images[i + 1]) colourful++;
    expect(colourful).toBeGreaterThan(a.images.length / 3 / 2);
    for (let i = 0; i < a.size; i++) {
      const { box } = itemOf(a, i);
      const side = box.x1 - box.x0 + 1;
      expect(box.y1 - box.y0 + 1).toBe(side);
      expect(side).toBeGreaterThanOrEqual(Math.round(32 * 0.9));
      expect(side).toBeLessThanOrEqual(Math.round(32 * 1.6));
      expect(box.x0).toBeGreaterThanOrEqual(0);
      expect(box.x1).toBeLessThanOrEqual(63);
    }
  });
});
