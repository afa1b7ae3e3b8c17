import { describe, expect, it } from 'vitest';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { imageSize, imageStats, modelSize, resampleArea, unlikeTraining } from '../../lib/cli/image-input';

describe('image-input', () => {
  it('reads the size from PNG and JPEG headers without decoding', () => {
    const png = PNG.sync.write(new PNG({ width: 37, height: 21 }));
    expect(imageSize(png)).toEqual({ format: 'png', width: 37, height: 21 });
    const jpg = jpeg.encode({ data: Buffer.alloc(50 * 30 * 4, 128), width: 50, height: 30 }, 80).data;
    expect(imageSize(jpg)).toEqual({ format: 'jpeg', width: 50, height: 30 });
    expect(imageSize(Buffer.from('not an image'))).toBeNull();
  });

  it('modelSize keeps the aspect with sides in multiples of 16 and the longer side as asked', () => {
    expect(modelSize(5000, 4000, 64)).toEqual({ width: 64, height: 48 });
    expect(modelSize(720, 477, 64)).toEqual({ width: 64, height: 48 });
    expect(modelSize(10, 300, 64)).toEqual({ width: 16, height: 64 });
  });

  it('area resampling averages the pixels each output pixel covers', () => {
    // 4×2 image: left half 0, right half 200 (all channels) → 2×1: [0, 200]; → 1×1: 100.
    const data = new Uint8Array(4 * 2 * 3);
    for (let y = 0; y < 2; y++) for (let x = 2; x < 4; x++) data.fill(200, (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
    expect(Array.from(resampleArea({ width: 4, height: 2, data }, 2, 1).data)).toEqual([0, 0, 0, 200, 200, 200]);
    expect(Array.from(resampleArea({ width: 4, height: 2, data }, 1, 1).data)).toEqual([100, 100, 100]);
    // A non-integer factor (3 → 2): the middle pixel is split half and half.
    const row = new Uint8Array([0, 0, 0, 90, 90, 90, 180, 180, 180]);
    expect(Array.from(resampleArea({ width: 3, height: 1, data: row }, 2, 1).data)).toEqual([30, 30, 30, 150, 150, 150]);
  });

  it('flags an image unlike the training images (a bright photo against digits on black)', () => {
    const digits = new Uint8Array(100 * 3); // 90 black pixels, 10 white
    digits.fill(255, 0, 30);
    const photo = new Uint8Array(100 * 3).fill(140);
    const train = imageStats(digits);
    expect(train).toEqual({ mean: 25.5, dark: 0.9 });
    expect(unlikeTraining(imageStats(photo), train)).toBe('this image looks unlike the training images (dark pixels 0 % vs 90 %, mean brightness 140 vs 26 of 255)');
    expect(unlikeTraining(imageStats(digits), train)).toBeNull();
  });
});
