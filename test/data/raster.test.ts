import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { boxBlur, crop, inkBounds, paste, raster, resizeBilinear, toRaster, toRgbBytes } from '../../lib/data/raster';
import { maxAbsDiff, useBackend, values } from '../helpers/tf';

beforeAll(() => useBackend('wasm'));

describe('raster helpers', () => {
  it('resizeBilinear matches tf.image.resizeBilinear with half-pixel centres (up and down)', () => {
    const src = toRaster(values(7 * 5 * 3, 11), 7, 5, 3);
    for (const [w, h] of [[7, 5], [16, 11], [3, 2], [40, 40]]) {
      const ours = resizeBilinear(src, w, h);
      const ref = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(src.data, [5, 7, 3]), [h, w], false, true).dataSync());
      expect(maxAbsDiff(ours.data, ref)).toBeLessThan(1e-5);
    }
  });

  it('boxBlur keeps flat images flat and averages a spike over its window', () => {
    const flat = toRaster(new Array(8 * 8).fill(7), 8, 8, 1);
    expect(maxAbsDiff(boxBlur(flat, 2).data, flat.data)).toBeLessThan(1e-6);
    const spike = raster(9, 9, 1);
    spike.data[4 * 9 + 4] = 25;
    const b = boxBlur(spike, 2);
    expect(b.data[4 * 9 + 4]).toBeCloseTo(1, 6); // 25 / (5·5)
    expect(b.data[2 * 9 + 2]).toBeCloseTo(1, 6);
    expect(b.data[1 * 9 + 4]).toBe(0);
  });

  it('crop, paste (clipped; max vs over), ink bounds, byte conversion', () => {
    const src = toRaster(Array.from({ length: 16 }, (_, i) => i), 4, 4, 1);
    expect(Array.from(crop(src, { x0: 1, y0: 2, x1: 2, y1: 5 }).data)).toEqual([9, 10, 13, 14]);
    const dst = toRaster(new Array(9).fill(5), 3, 3, 1);
    // Only the source's bottom-left pixel lands on the 3×3 image; max keeps 5 over 1.
    paste(dst, toRaster([1, 1, 9, 1], 2, 2, 1), 2, -1, 'max');
    expect(Array.from(dst.data)).toEqual([5, 5, 9, 5, 5, 5, 5, 5, 5]);
    paste(dst, toRaster([1, 1, 9, 1], 2, 2, 1), -1, 1, 'max');
    expect(Array.from(dst.data)).toEqual([5, 5, 9, 5, 5, 5, 5, 5, 5]);
    paste(dst, toRaster([1], 1, 1, 1), 0, 0, 'over');
    expect(dst.data[0]).toBe(1);
    expect(inkBounds(dst, 9)).toEqual({ x0: 2, y0: 0, x1: 2, y1: 0 });
    expect(inkBounds(dst, 10)).toBeNull();
    const out = new Uint8Array(6);
    toRgbBytes(toRaster([-3, 127.5], 2, 1, 1), out);
    expect(Array.from(out)).toEqual([0, 0, 0, 128, 128, 128]);
    toRgbBytes(toRaster([300, 1.4, 2.6, 0, 0, 0], 2, 1, 3), out);
    expect(Array.from(out.subarray(0, 3))).toEqual([255, 1, 3]);
  });
});
