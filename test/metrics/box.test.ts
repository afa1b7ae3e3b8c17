/** Box-based localization: pointing game and energy share, on a 4×4 map by hand. */
import { describe, expect, it } from 'vitest';
import { heatMap, upsample } from '../../lib/explain/heatmap';
import { contentCells, peakLocation, pointingGame, pointingGameOnGrid, energyInBox, type Box } from '../../lib/metrics/box';

// Row-major 4×4; the peak 9 is at column 2, row 1.
const m = heatMap(Float32Array.from([
  0, 1, 0, 0,
  0, 2, 9, 0,
  0, 3, 4, 0,
  0, 0, 0, 1,
]), 4, 4);

describe('pointing game', () => {
  it('hits when the maximum lies in the box (inclusive coordinates)', () => {
    expect(pointingGame(m, { x0: 1, y0: 1, x1: 2, y1: 2 })).toBe(true);
    expect(pointingGame(m, { x0: 2, y0: 1, x1: 2, y1: 1 })).toBe(true); // one-pixel box on the peak
    expect(pointingGame(m, { x0: 0, y0: 2, x1: 3, y1: 3 })).toBe(false);
  });
  it('on a layer grid: hits when a cell holding the maximum overlaps the box (image pixels)', () => {
    // 2×2 grid on an 8×8 image: cells of 4×4 pixels; the maximum is cell (row 0, column 1) = pixels x 4..7, y 0..3.
    const grid = heatMap(Float32Array.of(1, 5, 2, 0), 2, 2);
    expect(pointingGameOnGrid(grid, { x0: 4, y0: 0, x1: 7, y1: 3 }, 8, 8)).toBe(true);
    // One pixel of overlap is enough: the box x 2..4 reaches into the cell's column 4.
    expect(pointingGameOnGrid(grid, { x0: 2, y0: 3, x1: 4, y1: 5 }, 8, 8)).toBe(true);
    // Upsampled, the same map peaks near the cell's centre, outside that box: a miss there.
    expect(pointingGame(upsample(grid, 8, 8), { x0: 2, y0: 3, x1: 4, y1: 5 })).toBe(false);
    expect(pointingGameOnGrid(grid, { x0: 0, y0: 0, x1: 3, y1: 7 }, 8, 8)).toBe(false);
    // Ties: any maximal cell counts; a constant grid is a miss.
    expect(pointingGameOnGrid(heatMap(Float32Array.of(5, 0, 0, 5), 2, 2), { x0: 0, y0: 4, x1: 0, y1: 4 }, 8, 8)).toBe(false);
    expect(pointingGameOnGrid(heatMap(Float32Array.of(5, 0, 0, 5), 2, 2), { x0: 5, y0: 5, x1: 5, y1: 5 }, 8, 8)).toBe(true);
    expect(pointingGameOnGrid(heatMap(new Float32Array(4), 2, 2), { x0: 0, y0: 0, x1: 7, y1: 7 }, 8, 8)).toBe(false);
    expect(() => pointingGameOnGrid(grid, { x0: 0, y0: 0, x1: 1, y1: 1 }, 9, 8)).toThrow('does not tile a 9×8 image');
    expect(() => pointingGameOnGrid(grid, { x0: 0, y0: 0, x1: 8, y1: 1 }, 8, 8)).toThrow('reaches outside the 8×8 image');
  });
  it('ties count as hits, a constant map is a miss', () => {
    const tie = heatMap(Float32Array.of(5, 0, 0, 5), 2, 2);
    expect(pointingGame(tie, { x0: 1, y0: 1, x1: 1, y1: 1 })).toBe(true);
    expect(pointingGame(heatMap(new Float32Array(4), 2, 2), { x0: 0, y0: 0, x1: 1, y1: 1 })).toBe(false);
  });
});

describe('energy in box', () => {
  it('is the share of the map total inside the box', () => {
    // Total 20; the 2×2 centre holds 2 + 9 + 3 + 4 = 18.
    expect(energyInBox(m, { x0: 1, y0: 1, x1: 2, y1: 2 })).toBeCloseTo(0.9, 7);
    expect(energyInBox(m, { x0: 0, y0: 0, x1: 3, y1: 3 })).toBe(1);
    expect(energyInBox(heatMap(new Float32Array(4), 2, 2), { x0: 0, y0: 0, x1: 0, y1: 0 })).toBe(0);
  });
  it('refuses negative maps and bad boxes with the box in the message', () => {
    expect(() => energyInBox(heatMap(Float32Array.of(1, -1), 1, 2), { x0: 0, y0: 0, x1: 0, y1: 0 })).toThrow('value -1 at pixel (0, 1) is negative');
    const bad: [Box, string][] = [
      [{ x0: 2, y0: 0, x1: 1, y1: 0 }, 'is empty'],
      [{ x0: 0, y0: 0, x1: 4, y1: 3 }, 'reaches outside the 4×4 map'],
      [{ x0: 0.5, y0: 0, x1: 1, y1: 1 }, 'integer pixel coordinates'],
    ];
    for (const [box, msg] of bad) expect(() => pointingGame(m, box)).toThrow(msg);
  });
});

describe('peakLocation: where a layer map\'s maximum lies', () => {
  // A 4×4 grid over an 8×8 image (2×2-pixel cells); the box covers cells (1..2, 1..2).
  const box: Box = { x0: 2, y0: 2, x1: 5, y1: 5 };
  const none = new Uint8Array(16);
  const grid = (peakCell: number, second = -1) => heatMap(Float32Array.from({ length: 16 }, (_, i) => (i === peakCell || i === second ? 5 : 1)), 4, 4);

  it('box, content, ring, background, none', () => {
    expect(peakLocation(grid(5), box, none, 8, 8)).toBe('box');
    expect(peakLocation(grid(0), box, none, 8, 8)).toBe('ring');
    const content = new Uint8Array(16); content[0] = 1;
    expect(peakLocation(grid(0), box, content, 8, 8)).toBe('content');
    // A 6×6 grid has an interior outside a box in its corner.
    const big = heatMap(Float32Array.from({ length: 36 }, (_, i) => (i === 4 * 6 + 4 ? 3 : 0)), 6, 6);
    expect(peakLocation(big, { x0: 0, y0: 0, x1: 0, y1: 0 }, new Uint8Array(36), 6, 6)).toBe('background');
    expect(peakLocation(heatMap(new Float32Array(16).fill(2), 4, 4), box, none, 8, 8)).toBe('none');
  });

  it('agrees with pointingGameOnGrid on hits: a tie between the box and elsewhere is a hit', () => {
    for (let c = 0; c < 16; c++) {
      const m = grid(c, 15);
      expect(peakLocation(m, box, none, 8, 8) === 'box').toBe(pointingGameOnGrid(m, box, 8, 8));
    }
    expect(peakLocation(grid(0, 5), box, none, 8, 8)).toBe('box');
  });

  it('contentCells marks the cells with a pixel at or above the threshold, in any channel', () => {
    const px = new Uint8Array(8 * 8 * 3);
    px[(1 * 8 + 7) * 3 + 2] = 64; // pixel (row 1, col 7), blue → cell (0, 3)
    px[(6 * 8 + 0) * 3] = 63; // below the threshold
    const c = contentCells(px, 8, 8, 4, 4, 64);
    expect(Array.from(c)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => contentCells(px, 8, 8, 3, 3, 64)).toThrow(/does not tile/);
    expect(() => peakLocation(grid(0), box, new Uint8Array(4), 8, 8)).toThrow(/4 content flags for a 4×4 map/);
  });
});
