/** The chance level of box scores: the share of the image a box covers, by hand. */
import { describe, expect, it } from 'vitest';
import { boxAreaShare } from '../../lib/metrics/box-area';

describe('boxAreaShare', () => {
  it('counts inclusive pixels', () => {
    expect(boxAreaShare({ x0: 0, y0: 0, x1: 1, y1: 2 }, 4, 4)).toBe(6 / 16);
    expect(boxAreaShare({ x0: 3, y0: 3, x1: 3, y1: 3 }, 4, 8)).toBe(1 / 32);
    expect(boxAreaShare({ x0: 0, y0: 0, x1: 7, y1: 3 }, 4, 8)).toBe(1);
  });
  it('refuses empty boxes and boxes outside the image', () => {
    expect(() => boxAreaShare({ x0: 2, y0: 0, x1: 1, y1: 0 }, 4, 4)).toThrow('is empty or reaches outside the 4×4 image');
    expect(() => boxAreaShare({ x0: 0, y0: 0, x1: 4, y1: 0 }, 4, 4)).toThrow('outside');
  });
});
