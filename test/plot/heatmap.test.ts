/** Heat-map rendering: matplotlib's jet, the overlay arithmetic, grid geometry, PNG output. */
import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { heatMap } from '../../lib/explain/heatmap';
import { jet, colorize, overlay, outlineBox, tileGrid, tileGridPng, rgbImage, textWidth, type RgbImage } from '../../lib/plot/heatmap';

const grey = (h: number, w: number, v = 100): RgbImage => rgbImage(new Uint8Array(h * w).fill(v), h, w, 1);
const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('jet colour map', () => {
  it('matches matplotlib cm.jet(v, bytes=True) (values printed by matplotlib 3.x)', () => {
    const want: [number, number[]][] = [
      [0, [0, 0, 127]], // dark blue
      [0.1, [0, 0, 241]],
      [0.25, [0, 128, 255]],
      [0.35, [0, 228, 247]],
      [0.5, [124, 255, 121]],
      [0.66, [254, 237, 0]],
      [0.75, [255, 148, 0]],
      [0.9, [241, 7, 0]],
      [1, [127, 0, 0]], // dark red
      [0.004, [0, 0, 132]],
    ];
    for (const [v, rgb] of want) expect([...jet(v)], `jet(${v})`).toEqual(rgb);
  });
  it('clamps outside [0, 1]', () => {
    expect([...jet(-3)]).toEqual([0, 0, 127]);
    expect([...jet(7)]).toEqual([127, 0, 0]);
  });
});

describe('overlay', () => {
  it('is α·jet(M) + (1 - α)·image per channel, α = 0.5', () => {
    const img = rgbImage(Uint8Array.of(10, 20, 30, 200, 100, 50), 1, 2, 3);
    const out = overlay(img, heatMap(Float32Array.of(0, 1), 1, 2));
    // Pixel 0: jet(0) = (0, 0, 127) → (5, 10, 78.5 → 79); pixel 1: jet(1) = (127, 0, 0) → (163.5 → 164, 50, 25).
    expect(Array.from(out.data)).toEqual([5, 10, 79, 164, 50, 25]);
    expect(px(overlay(img, heatMap(Float32Array.of(0, 1), 1, 2), 1), 0, 0)).toEqual([0, 0, 127]);
  });
  it('resizes a coarser map bilinearly to the image first', () => {
    const out = overlay(grey(4, 4, 0), heatMap(Float32Array.of(0, 1, 0, 1), 2, 2), 1);
    // Column x = 1 samples source x = 0.25 → value 0.25 → jet(0.25).
    expect(px(out, 1, 0)).toEqual([...jet(0.25)]);
    expect(colorize(heatMap(Float32Array.of(1), 1, 1)).data[0]).toBe(127);
  });
});

describe('boxes and grids', () => {
  it('outlines a box in red, inclusive corners, leaving the inside alone', () => {
    const out = outlineBox(grey(5, 5), { x0: 1, y0: 1, x1: 3, y1: 3 });
    expect(px(out, 1, 1)).toEqual([255, 0, 0]);
    expect(px(out, 3, 2)).toEqual([255, 0, 0]);
    expect(px(out, 2, 2)).toEqual([100, 100, 100]);
    expect(px(out, 0, 0)).toEqual([100, 100, 100]);
    expect(px(outlineBox(grey(3, 3), { x0: -1, y0: 0, x1: 5, y1: 1 }), 0, 1)).toEqual([255, 0, 0]);
  });

  it('places tiles 2 px apart with room for labels', () => {
    const tiles = [[grey(8, 8), grey(8, 8), null], [grey(8, 8), null, grey(8, 8)]];
    const g = tileGrid({ tiles, scale: 2, gap: 2, fontScale: 1 });
    // 3 columns of 16 px + 4 gaps; 2 rows of 16 px + 3 gaps.
    expect([g.width, g.height]).toEqual([3 * 16 + 4 * 2, 2 * 16 + 3 * 2]);
    expect(px(g, 2, 2)).toEqual([100, 100, 100]); // first tile starts after the outer gap
    expect(px(g, 18, 2)).toEqual([255, 255, 255]); // the gap between tiles is white
    const labelled = tileGrid({ tiles, scale: 2, gap: 2, fontScale: 1, rowLabels: ['surr', 'conv'], columnLabels: ['t=0', 't=3', 't=6'], title: 'SAM' });
    const labelW = textWidth('surr', 1) + 2;
    expect(labelled.width).toBe(g.width + labelW);
    expect(labelled.height).toBe(g.height + 2 * (8 + 2 * 2)); // title line and column-label line, each 8 px + 2 gaps
    expect(() => tileGrid({ tiles: [[grey(8, 8), grey(4, 4)]] })).toThrow('tile (0, 1) is 4×4 but tile size is 8×8');
    expect(() => tileGrid({ tiles: [[null]] })).toThrow('no tiles');
  });

  it('writes a valid PNG that decodes to the grid', () => {
    const bytes = tileGridPng({ tiles: [[grey(4, 4)]], columnLabels: ['a'] });
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const png = PNG.sync.read(Buffer.from(bytes));
    const g = tileGrid({ tiles: [[grey(4, 4)]], columnLabels: ['a'] });
    expect([png.width, png.height]).toEqual([g.width, g.height]);
  });

  it('renders an example figure (SAM-like blobs over a gradient image) to the temp folder', () => {
    const h = 64;
    const img = rgbImage(Float32Array.from({ length: h * h * 3 }, (_, i) => ((i % 3) + Math.floor(i / 3 / h) / h) / 3), h, h, 3);
    const blob = (cx: number, cy: number, s: number) => heatMap(Float32Array.from({ length: 16 * 16 }, (_, i) => Math.exp(-(((i % 16) - cx) ** 2 + (Math.floor(i / 16) - cy) ** 2) / (2 * s * s))), 16, 16);
    const tiles = ['conv4', 'conv6', 'conv8'].map((_, r) => [0, 3, 6, 9].map((t) => outlineBox(overlay(img, blob(4 + t, 5 + r * 2, 1.5 + r)), { x0: 10, y0: 12, x1: 50, y1: 44 })));
    const bytes = tileGridPng({ tiles, rowLabels: ['conv4', 'conv6', 'conv8'], columnLabels: ['t=0', 't=3', 't=6', 't=9'], title: 'SAM, surrogate, γ=0.5' });
    const file = path.join(os.tmpdir(), 'spikelens-heatmap-grid.png');
    fs.writeFileSync(file, bytes);
    expect(fs.statSync(file).size).toBeGreaterThan(1000);
  });
});
