/**
 * A quick look at prepared data: a PNG grid of images, enlarged with nearest-neighbour
 * sampling, each ground-truth box outlined in red, so box errors show at a glance.
 */
import { PNG } from 'pngjs';
import { itemOf, type Box, type Dataset } from './dataset';

/** An RGB uint8 image and the boxes to outline on it. */
export interface PreviewTile { image: Uint8Array; height: number; width: number; boxes: Box[] }

/** Layout of a preview grid. */
export interface PreviewOptions {
  /** Tiles per row (default: a near-square grid). */
  columns?: number;
  /** Integer enlargement per pixel (default 2). */
  scale?: number;
  /** Gap between tiles in output pixels (default 4). */
  gap?: number;
}

const RED = [255, 0, 0] as const;
const GAP_GREY = 48;

/** Renders tiles into one PNG (bytes). Tiles may differ in size; each cell fits the largest. */
export function previewPng(tiles: PreviewTile[], opts: PreviewOptions = {}): Buffer {
  if (!tiles.length) throw new RangeError('previewPng: no tiles');
  const scale = opts.scale ?? 2, gap = opts.gap ?? 4;
  const cols = opts.columns ?? Math.ceil(Math.sqrt(tiles.length));
  const rows = Math.ceil(tiles.length / cols);
  const cellW = Math.max(...tiles.map((t) => t.width)) * scale, cellH = Math.max(...tiles.map((t) => t.height)) * scale;
  const png = new PNG({ width: cols * cellW + (cols + 1) * gap, height: rows * cellH + (rows + 1) * gap });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([GAP_GREY, GAP_GREY, GAP_GREY, 255], i);
  const put = (x: number, y: number, rgb: ArrayLike<number>) => {
    const o = (y * png.width + x) * 4;
    png.data[o] = rgb[0]; png.data[o + 1] = rgb[1]; png.data[o + 2] = rgb[2];
  };
  tiles.forEach((t, i) => {
    const ox = gap + (i % cols) * (cellW + gap), oy = gap + Math.floor(i / cols) * (cellH + gap);
    for (let y = 0; y < t.height * scale; y++) {
      for (let x = 0; x < t.width * scale; x++) {
        const s = (Math.floor(y / scale) * t.width + Math.floor(x / scale)) * 3;
        put(ox + x, oy + y, t.image.subarray(s, s + 3));
      }
    }
    for (const b of t.boxes) {
      // Outline the outer edge of the inclusive box: pixels x0..x1 span x0·s .. (x1+1)·s − 1.
      const x0 = Math.max(0, b.x0) * scale, y0 = Math.max(0, b.y0) * scale;
      const x1 = Math.min(t.width, b.x1 + 1) * scale - 1, y1 = Math.min(t.height, b.y1 + 1) * scale - 1;
      if (x1 < x0 || y1 < y0) continue;
      for (let x = x0; x <= x1; x++) { put(ox + x, oy + y0, RED); put(ox + x, oy + y1, RED); }
      for (let y = y0; y <= y1; y++) { put(ox + x0, oy + y, RED); put(ox + x1, oy + y, RED); }
    }
  });
  return PNG.sync.write(png);
}

/** A preview grid of the first `count` images of a data set with their boxes. */
export function datasetPreviewPng(ds: Dataset, count = 16, opts: PreviewOptions = {}): Buffer {
  const tiles = Array.from({ length: Math.min(count, ds.size) }, (_, i) => {
    const it = itemOf(ds, i);
    return { image: it.image, height: it.height, width: it.width, boxes: [it.box] };
  });
  return previewPng(tiles, opts);
}
