/**
 * Raster rendering of heat maps (paper Figs. 2, 4, 6): matplotlib's 'jet' colour map, the
 * authors' overlay (map resized bilinearly to the image, alpha 0.5), grids of overlays with
 * row and column labels in a built-in bitmap font, and red box outlines. Output is PNG bytes
 * (pngjs), so figures render the same everywhere with no fonts or browser.
 */
import { PNG } from 'pngjs';
import { assertHeatMap, upsample, type HeatMap } from '../explain/heatmap';
import type { Box } from '../metrics/box';

/** An 8-bit RGB image, row-major, 3 bytes per pixel: `data[(y * width + x) * 3 + channel]`. */
export interface RgbImage {
  height: number;
  width: number;
  data: Uint8Array;
}

/** An RGB colour, each channel 0..255. */
export type Rgb = readonly [number, number, number];

/** matplotlib's `jet` segment data: (x, value) knots per channel, linear in between. */
const JET: Record<'red' | 'green' | 'blue', readonly (readonly [number, number])[]> = {
  red: [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]],
  green: [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]],
  blue: [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]],
};

/**
 * matplotlib's `_create_lookup_table` for N = 256, step for step in float64 (knots scaled by
 * N - 1, sample i at `255 · (i · (1/255))`, first knot ≥ the sample), then `(lut · 255)` truncated
 * to bytes as `cm.jet(v, bytes=True)` does: the same rounding gives the same bytes.
 */
const JET_LUT: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  const channels = [JET.red, JET.green, JET.blue];
  for (let i = 0; i < 256; i++) {
    const xi = i === 255 ? 255 : 255 * (i * (1 / 255));
    channels.forEach((knots, c) => {
      let value: number;
      if (i === 0) value = knots[0][1];
      else if (i === 255) value = knots[knots.length - 1][1];
      else {
        let k = 0;
        while (knots[k][0] * 255 < xi) k++;
        const x0 = knots[k - 1][0] * 255;
        const distance = (xi - x0) / (knots[k][0] * 255 - x0);
        value = distance * (knots[k][1] - knots[k - 1][1]) + knots[k - 1][1];
      }
      lut[i * 3 + c] = Math.floor(Math.min(Math.max(value, 0), 1) * 255);
    });
  }
  return lut;
})();

/** `jet(v)` for v in [0, 1] (clamped; NaN → 0) exactly as matplotlib: entry `min(⌊256·v⌋, 255)` of the table. 0 → dark blue, 1 → dark red. */
export function jet(v: number): Rgb {
  const i = Number.isNaN(v) ? 0 : Math.min(Math.max(Math.floor(v * 256), 0), 255);
  return [JET_LUT[i * 3], JET_LUT[i * 3 + 1], JET_LUT[i * 3 + 2]];
}

/** A map normalised to [0, 1] painted with `jet`. */
export function colorize(map: HeatMap): RgbImage {
  assertHeatMap(map, 'colorize');
  const out = blank(map.height, map.width);
  for (let i = 0; i < map.data.length; i++) out.data.set(jet(map.data[i]), i * 3);
  return out;
}

/**
 * Builds an RgbImage from pixel values: bytes 0..255 (Uint8Array) or floats 0..1 (Float32Array,
 * clamped), with 1 (grey) or 3 (RGB) channels interleaved row-major.
 */
export function rgbImage(pixels: Uint8Array | Uint8ClampedArray | Float32Array, height: number, width: number, channels: 1 | 3): RgbImage {
  if (pixels.length !== height * width * channels) {
    throw new Error(`rgbImage: ${height}×${width}×${channels} image needs ${height * width * channels} values, got ${pixels.length}`);
  }
  const toByte = pixels instanceof Float32Array ? (v: number) => Math.round(Math.min(Math.max(v, 0), 1) * 255) : (v: number) => v;
  const out = blank(height, width);
  for (let p = 0; p < height * width; p++) {
    for (let c = 0; c < 3; c++) out.data[p * 3 + c] = toByte(pixels[p * channels + (channels === 3 ? c : 0)]);
  }
  return out;
}

/**
 * The authors' overlay: `out = α·jet(M) + (1 - α)·image` per channel (α = 0.5), with the map,
 * normalised to [0, 1], resized bilinearly to the image first when sizes differ.
 */
export function overlay(image: RgbImage, map: HeatMap, alpha = 0.5): RgbImage {
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`overlay: alpha must lie in [0, 1], got ${alpha}`);
  const sized = map.height === image.height && map.width === image.width ? map : upsample(map, image.height, image.width);
  const colours = colorize(sized);
  const out = blank(image.height, image.width);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.round(alpha * colours.data[i] + (1 - alpha) * image.data[i]);
  return out;
}

/** A copy of `image` with the 1-px outline of `box` (inclusive pixel coordinates, clipped to the image) drawn in `colour` (default red). */
export function outlineBox(image: RgbImage, box: Box, colour: Rgb = [255, 0, 0]): RgbImage {
  const out = { ...image, data: image.data.slice() };
  // Clip the spans; setPixel drops the sides that lie outside the image.
  for (let x = Math.max(box.x0, 0); x <= Math.min(box.x1, image.width - 1); x++) {
    setPixel(out, x, box.y0, colour);
    setPixel(out, x, box.y1, colour);
  }
  for (let y = Math.max(box.y0, 0); y <= Math.min(box.y1, image.height - 1); y++) {
    setPixel(out, box.x0, y, colour);
    setPixel(out, box.x1, y, colour);
  }
  return out;
}

/** A grid of equally sized tiles (paper Fig. 4 layout: rows = layers or methods, columns = time-steps). */
export interface GridOptions {
  /** Tiles by row, all of one size; `null` leaves a cell blank. */
  tiles: (RgbImage | null)[][];
  /** One label per row, drawn left of the row. */
  rowLabels?: string[];
  /** One label per column, drawn above the column. */
  columnLabels?: string[];
  /** A line of text above everything. */
  title?: string;
  /** Integer nearest-neighbour magnification of each tile (default 2: 64-px tiles become 128 px). */
  scale?: number;
  /** Pixels between tiles and around the grid (default 2). */
  gap?: number;
  /** Magnification of the 5×7 bitmap font (default 2: 16-px lines). */
  fontScale?: number;
}

/** Lays tiles out in a grid (white background, `gap` px apart) with labels; returns the image. */
export function tileGrid(options: GridOptions): RgbImage {
  const { tiles, rowLabels = [], columnLabels = [], title } = options;
  const scale = options.scale ?? 2;
  const gap = options.gap ?? 2;
  const fs = options.fontScale ?? 2;
  for (const [name, v, min] of [['scale', scale, 1], ['gap', gap, 0], ['fontScale', fs, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`tileGrid: ${name} must be an integer ≥ ${min}, got ${v}`);
  }
  const rows = tiles.length;
  const cols = Math.max(0, ...tiles.map((r) => r.length));
  const first = tiles.flat().find((t): t is RgbImage => t !== null);
  if (!first) throw new Error('tileGrid: no tiles (every cell is empty)');
  tiles.forEach((r, i) => r.forEach((t, j) => {
    if (t && (t.height !== first.height || t.width !== first.width)) {
      throw new Error(`tileGrid: tile (${i}, ${j}) is ${t.height}×${t.width} but tile size is ${first.height}×${first.width}`);
    }
  }));
  if (rowLabels.length > rows) throw new Error(`tileGrid: ${rowLabels.length} row labels for ${rows} rows`);
  if (columnLabels.length > cols) throw new Error(`tileGrid: ${columnLabels.length} column labels for ${cols} columns`);

  const th = first.height * scale;
  const tw = first.width * scale;
  const line = GLYPH_H * fs + 2 * gap; // one text line plus spacing
  const labelW = rowLabels.length ? Math.max(...rowLabels.map((s) => textWidth(s, fs))) + gap : 0;
  const titleH = title ? line : 0;
  const headH = columnLabels.length ? line : 0;
  const left = gap + labelW;
  const top = gap + titleH + headH;
  const width = Math.max(left + cols * (tw + gap), title ? gap + textWidth(title, fs) + gap : 0);
  const height = top + rows * (th + gap);
  const out = blank(height, width, 255);

  if (title) drawText(out, title, gap, gap, fs);
  columnLabels.forEach((s, j) => {
    const x = left + j * (tw + gap) + Math.max(0, Math.floor((tw - textWidth(s, fs)) / 2));
    drawText(out, s, x, gap + titleH, fs);
  });
  rowLabels.forEach((s, i) => drawText(out, s, gap, top + i * (th + gap) + Math.floor((th - GLYPH_H * fs) / 2), fs));
  tiles.forEach((r, i) => r.forEach((t, j) => {
    if (t) blit(out, t, left + j * (tw + gap), top + i * (th + gap), scale);
  }));
  return out;
}

/** `tileGrid(options)` encoded as PNG bytes. */
export function tileGridPng(options: GridOptions): Uint8Array {
  return encodePng(tileGrid(options));
}

/** Encodes an RgbImage as PNG bytes (opaque RGBA). */
export function encodePng(image: RgbImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  for (let p = 0; p < image.width * image.height; p++) {
    png.data[p * 4] = image.data[p * 3];
    png.data[p * 4 + 1] = image.data[p * 3 + 1];
    png.data[p * 4 + 2] = image.data[p * 3 + 2];
    png.data[p * 4 + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png));
}

function blank(height: number, width: number, fill = 0): RgbImage {
  return { height, width, data: new Uint8Array(height * width * 3).fill(fill) };
}

function setPixel(img: RgbImage, x: number, y: number, c: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return; // text and outlines clip at the edge
  img.data.set(c, (y * img.width + x) * 3);
}

/** Copies `src` into `dst` at (x, y), each source pixel as a `scale × scale` block. */
function blit(dst: RgbImage, src: RgbImage, x: number, y: number, scale: number): void {
  for (let sy = 0; sy < src.height * scale; sy++) {
    for (let sx = 0; sx < src.width * scale; sx++) {
      const s = (Math.floor(sy / scale) * src.width + Math.floor(sx / scale)) * 3;
      dst.data.set(src.data.subarray(s, s + 3), ((y + sy) * dst.width + x + sx) * 3);
    }
  }
}

// ---- 5×7 bitmap font (8 rows with one for descenders); enough for labels like "conv4 t=12 γ=0.5".

const GLYPH_W = 5;
const GLYPH_H = 8;
const GLYPH_ADVANCE = GLYPH_W + 1;

/** Rows top to bottom, '#' = ink; rows not given are blank. */
const FONT_ROWS: Record<string, string> = {
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  a: '..... ..... .###. ....# .#### #...# .####',
  b: '#.... #.... #.##. ##..# #...# #...# ####.',
  c: '..... ..... .###. #.... #.... #...# .###.',
  d: '....# ....# .##.# #..## #...# #...# .####',
  e: '..... ..... .###. #...# ##### #.... .###.',
  f: '..##. .#..# .#... ###.. .#... .#... .#...',
  g: '..... ..... .#### #...# #...# .#### ....# .###.',
  h: '#.... #.... #.##. ##..# #...# #...# #...#',
  i: '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  j: '...#. ..... ..##. ...#. ...#. ...#. #..#. .##..',
  k: '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  l: '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  m: '..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#',
  n: '..... ..... #.##. ##..# #...# #...# #...#',
  o: '..... ..... .###. #...# #...# #...# .###.',
  p: '..... ..... ####. #...# #...# ####. #.... #....',
  q: '..... ..... .#### #...# #...# .#### ....# ....#',
  r: '..... ..... #.##. ##..# #.... #.... #....',
  s: '..... ..... .###. #.... .###. ....# ####.',
  t: '.#... .#... ###.. .#... .#... .#..# ..##.',
  u: '..... ..... #...# #...# #...# #..## .##.#',
  v: '..... ..... #...# #...# #...# .#.#. ..#..',
  w: '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  x: '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  y: '..... ..... #...# #...# #...# .#### ....# .###.',
  z: '..... ..... ##### ...#. ..#.. .#... #####',
  0: '.###. #...# #..## #.#.# ##..# #...# .###.',
  1: '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  2: '.###. #...# ....# ...#. ..#.. .#... #####',
  3: '##### ...#. ..#.. ...#. ....# #...# .###.',
  4: '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  5: '##### #.... ####. ....# ....# #...# .###.',
  6: '..##. .#... #.... ####. #...# #...# .###.',
  7: '##### ....# ...#. ..#.. .#... .#... .#...',
  8: '.###. #...# #...# .###. #...# #...# .###.',
  9: '.###. #...# #...# .#### ....# ...#. .##..',
  ' ': '',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  ',': '..... ..... ..... ..... ..... .##.. ..#.. .#...',
  ':': '..... .##.. .##.. ..... .##.. .##..',
  '-': '..... ..... ..... #####',
  '_': '..... ..... ..... ..... ..... ..... ..... #####',
  '=': '..... ..... ##### ..... #####',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#..',
  '/': '..... ....# ...#. ..#.. .#... #....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  'γ': '..... ..... #...# #...# .#.#. ..#.. ..#.. ..#..',
  'ε': '..... ..... .###. #.... ###.. #.... .###.',
  '×': '..... #...# .#.#. ..#.. .#.#. #...#',
};

/** Glyph bitmaps, GLYPH_H rows of GLYPH_W booleans; unknown characters draw as '?'. */
const FONT: Map<string, boolean[][]> = new Map(Object.entries(FONT_ROWS).map(([ch, rows]) => {
  const given = rows ? rows.split(' ') : [];
  return [ch, Array.from({ length: GLYPH_H }, (_, r) => Array.from({ length: GLYPH_W }, (_, c) => given[r]?.[c] === '#'))];
}));

/** Width in pixels of `text` drawn at `scale` (no trailing spacing). */
export function textWidth(text: string, scale: number): number {
  const n = [...text].length;
  return n ? (n * GLYPH_ADVANCE - 1) * scale : 0;
}

/** Draws `text` with its top-left corner at (x, y), in `colour` (default black), clipped to the image. */
export function drawText(img: RgbImage, text: string, x: number, y: number, scale = 1, colour: Rgb = [0, 0, 0]): void {
  [...text].forEach((ch, k) => {
    const glyph = FONT.get(ch) ?? (FONT.get('?') as boolean[][]);
    glyph.forEach((row, r) => row.forEach((ink, c) => {
      if (!ink) return;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) setPixel(img, x + (k * GLYPH_ADVANCE + c) * scale + dx, y + r * scale + dy, colour);
      }
    }));
  });
}

/**
 * `image` with a horizontal jet colour bar below it (white margin), labelled `low` at its left end
 * and `high` at its right end: the legend of every overlay drawn with `overlay`/`colorize`.
 */
export function withColourBar(image: RgbImage, low = '0', high = '1', fontScale = 1): RgbImage {
  const gap = 4, barH = 10, textH = GLYPH_H * fontScale;
  const barW = Math.max(32, Math.min(image.width - 2 * gap, 256));
  const out = blank(image.height + gap + barH + gap + textH + gap, image.width, 255);
  out.data.set(image.data, 0);
  const top = image.height + gap, left = Math.floor((image.width - barW) / 2);
  for (let x = 0; x < barW; x++) {
    const c = jet(x / (barW - 1));
    for (let y = 0; y < barH; y++) setPixel(out, left + x, top + y, c);
  }
  drawText(out, low, left, top + barH + gap, fontScale);
  drawText(out, high, Math.max(left, left + barW - textWidth(high, fontScale)), top + barH + gap, fontScale);
  return out;
}

/** A copy of `tile` with `text` in its top-left corner, white on a black shadow (legible on jet colours). */
export function stamp(tile: RgbImage, text: string): RgbImage {
  const out = { ...tile, data: tile.data.slice() };
  drawText(out, text, 2, 2, 1, [0, 0, 0]);
  drawText(out, text, 1, 1, 1, [255, 255, 255]);
  return out;
}

/** A copy of `tile` with a 10-px black strip below it holding `text` in white (keeps the map itself uncovered). */
export function caption(tile: RgbImage, text: string): RgbImage {
  const strip = 10;
  const out: RgbImage = { height: tile.height + strip, width: tile.width, data: new Uint8Array((tile.height + strip) * tile.width * 3) };
  out.data.set(tile.data);
  drawText(out, text, 1, tile.height + 1, 1, [255, 255, 255]);
  return out;
}

/** Images stacked top to bottom on white, left-aligned, `gap` px apart. */
export function stackImages(images: readonly RgbImage[], gap = 8): RgbImage {
  const width = Math.max(...images.map((m) => m.width));
  const height = images.reduce((h, m) => h + m.height, 0) + gap * Math.max(0, images.length - 1);
  const out: RgbImage = { height, width, data: new Uint8Array(height * width * 3).fill(255) };
  let y0 = 0;
  for (const m of images) {
    for (let y = 0; y < m.height; y++) out.data.set(m.data.subarray(y * m.width * 3, (y + 1) * m.width * 3), ((y0 + y) * width) * 3);
    y0 += m.height + gap;
  }
  return out;
}
