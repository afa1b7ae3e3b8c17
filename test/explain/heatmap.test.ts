/** Heat-map utilities: the authors' normalisation and half-pixel bilinear resizing, by hand. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { heatMap, normalise, upsample, assertUnitRange } from '../../lib/explain/heatmap';
import { maxAbsDiff, useBackend, values } from '../helpers/tf';

describe('heat-map utilities', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('normalise: (m - min) / (max(m - min) + 1e-3); a constant map becomes zeros, not NaN', () => {
    const m = normalise(heatMap(Float32Array.of(2, 3, 4, 6), 2, 2));
    expect(Array.from(m.data)).toEqual([0, 1 / 4.001, 2 / 4.001, 4 / 4.001].map((v) => expect.closeTo(v, 7)));
    expect(Array.from(normalise(heatMap(Float32Array.of(5, 5), 1, 2)).data)).toEqual([0, 0]);
  });

  it('upsample: 2×2 → 4×4 with half-pixel centres, clamped at the borders', () => {
    // Output x = 0..3 samples source x = -0.25 (→ 0), 0.25, 0.75, 1.25 (→ 1); same for y.
    const up = upsample(heatMap(Float32Array.of(0, 1, 2, 3), 2, 2), 4, 4);
    expect(Array.from(up.data)).toEqual([
      0, 0.25, 0.75, 1,
      0.5, 0.75, 1.25, 1.5,
      1.5, 1.75, 2.25, 2.5,
      2, 2.25, 2.75, 3,
    ]);
  });

  it('upsample matches tfjs resizeBilinear(halfPixelCenters) on odd sizes, up and down', () => {
    for (const [h, w, H, W] of [[4, 4, 16, 16], [3, 5, 7, 11], [16, 8, 64, 128], [9, 9, 4, 4]]) {
      const data = values(h * w, h * 31 + w);
      const want = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(data, [1, h, w, 1]), [H, W], false, true).dataSync());
      expect(maxAbsDiff(upsample(heatMap(data, h, w), H, W).data, want), `${h}×${w}→${H}×${W}`).toBeLessThan(1e-5);
    }
  });

  it('says what is wrong with a bad map', () => {
    expect(() => heatMap(new Float32Array(3), 2, 2)).toThrow('heatMap: 2×2 map holds 3 values, expected 4');
    expect(() => heatMap(new Float32Array(0), 0, 0)).toThrow('empty heat map');
    expect(() => upsample(heatMap(new Float32Array(4), 2, 2), 0, 3)).toThrow('target size 0×3');
    expect(() => assertUnitRange(heatMap(Float32Array.of(0, 1.5), 1, 2), 'f')).toThrow('f: value 1.5 at pixel (0, 1) is outside [0, 1]; normalise() the map first');
  });
});
