/** The chance level of box scores: the share of the image a box covers, by hand. */
import { describe, expect, it } from 'vitest';
import { boxAreaShare, gridPointingChance } from '../../lib/metrics/box-area';

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

describe('gridPointingChance', () => {
  it('is the share of the grid cells that overlap the box', () => {
    // 4×4 grid of 2×2-pixel cells on an 8×8 image; box x 1..2, y 0..0 touches cells (0,0) and (0,1).
    expect(gridPointingChance({ x0: 1, y0: 0, x1: 2, y1: 0 }, 4, 4, 8, 8)).toBe(2 / 16);
    // A box inside one cell: one cell; the whole image: every cell.
    expect(gridPointingChance({ x0: 4, y0: 4, x1: 5, y1: 5 }, 4, 4, 8, 8)).toBe(1 / 16);
    expect(gridPointingChance({ x0: 0, y0: 0, x1: 7, y1: 7 }, 4, 4, 8, 8)).toBe(1);
    // On the image's own grid it is the box's area share.
    expect(gridPointingChance({ x0: 1, y0: 2, x1: 3, y1: 3 }, 8, 8, 8, 8)).toBe(boxAreaShare({ x0: 1, y0: 2, x1: 3, y1: 3 }, 8, 8));
    expect(() => gridPointingChance({ x0: 0, y0: 0, x1: 1, y1: 1 }, 3, 4, 8, 8)).toThrow('does not tile');
  });
});
