import { beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { composeItems, composePair, compositesToTensor } from '../../lib/data/compose';
import { allocateDataset, itemOf, setAnnotation } from '../../lib/data/dataset';
import { previewPng } from '../../lib/data/preview';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('wasm'));

/** Two 64×64 images: image 0 all 10s, image 1 all 200s, with different boxes; box 1 degenerate. */
function pair() {
  const ds = allocateDataset('pair', ['a', 'b'], 64, 64, 2);
  ds.images.fill(10, 0, 64 * 64 * 3);
  ds.images.fill(200, 64 * 64 * 3);
  setAnnotation(ds, 0, 1, { x0: 5, y0: 6, x1: 30, y1: 40 });
  setAnnotation(ds, 1, 0, { x0: 2, y0: 3, x1: 2, y1: 50 });
  return ds;
}

const at = (img: Uint8Array, width: number, x: number, y: number) => img[(y * width + x) * 3];

describe('two-image composer', () => {
  it('side by side: 64×128, left = first, right = second, second box shifted right', () => {
    const c = composePair(pair(), 0, 1, 'side-by-side');
    expect([c.height, c.width, c.image.length]).toEqual([64, 128, 64 * 128 * 3]);
    expect([at(c.image, 128, 63, 0), at(c.image, 128, 64, 0), at(c.image, 128, 0, 63), at(c.image, 128, 127, 63)]).toEqual([10, 200, 10, 200]);
    expect(c.labels).toEqual([1, 0]);
    expect(c.boxes).toEqual([{ x0: 5, y0: 6, x1: 30, y1: 40 }, { x0: 66, y0: 3, x1: 66, y1: 50 }]);
    expect(c.degenerate).toEqual([false, true]);
  });

  it('stacked: 128×64, top = first, bottom = second, second box shifted down', () => {
    const c = composePair(pair(), 1, 0, 'stacked');
    expect([c.height, c.width]).toEqual([128, 64]);
    expect([at(c.image, 64, 0, 63), at(c.image, 64, 0, 64), at(c.image, 64, 63, 127)]).toEqual([200, 10, 10]);
    expect(c.labels).toEqual([0, 1]);
    expect(c.boxes).toEqual([{ x0: 2, y0: 3, x1: 2, y1: 50 }, { x0: 5, y0: 70, x1: 30, y1: 104 }]);
  });

  it('refuses images that do not line up; batches composites into one tensor', () => {
    const a = itemOf(pair(), 0);
    const tall = { ...a, height: 32, image: a.image.subarray(0, 32 * 64 * 3) };
    expect(() => composeItems(a, tall, 'side-by-side')).toThrow('compose side-by-side: images of 64×64 and 32×64 do not line up');
    expect(composeItems(a, tall, 'stacked').height).toBe(96);
    const ds = pair();
    const x = compositesToTensor([composePair(ds, 0, 1, 'side-by-side'), composePair(ds, 1, 0, 'side-by-side')]);
    expect(x.shape).toEqual([2, 64, 128, 3]);
    const v = x.dataSync();
    expect(v[0]).toBeCloseTo(10 / 255, 6);
    expect(v[64 * 128 * 3]).toBeCloseTo(200 / 255, 6);
    x.dispose();
  });
});

describe('preview', () => {
  it('draws each box as a red outline around its inclusive pixels', () => {
    const c = composePair(pair(), 0, 1, 'side-by-side');
    const png = PNG.sync.read(previewPng([{ image: c.image, height: c.height, width: c.width, boxes: c.boxes }], { scale: 2, gap: 4 }));
    expect([png.width, png.height]).toEqual([128 * 2 + 8, 64 * 2 + 8]);
    const rgb = (x: number, y: number) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
    const red = [255, 0, 0];
    // Box 0 spans pixels 5..30 → output 4 + 10 .. 4 + 61 (scale 2, gap 4).
    expect(rgb(4 + 10, 4 + 12)).toEqual(red);
    expect(rgb(4 + 61, 4 + 81)).toEqual(red);
    expect(rgb(4 + 20, 4 + 30)).toEqual([10, 10, 10]); // inside: the image
    expect(rgb(4 + 9, 4 + 30)).toEqual([10, 10, 10]); // just outside the left edge
    expect(rgb(4 + 132, 4 + 6)).toEqual(red); // degenerate box 1 still drawn (a line)
    expect(rgb(0, 0)).toEqual([48, 48, 48]); // gap
  });
});
