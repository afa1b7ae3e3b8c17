/**
 * Box-based localization against annotated object boxes (Tiny-ImageNet boxes, composed
 * scenes): the pointing game (Zhang et al. 2016) and the share of the map's energy inside the box.
 * The map must be at the box's resolution (upsample a layer's map to the image size first).
 */
import { assertHeatMap, valueRange, type HeatMap } from '../explain/heatmap';
import type { Box } from '../data/dataset';

export type { Box };

/**
 * Pointing game (Zhang et al. 2016): a hit when the map's maximum lies inside the box (ties count:
 * the maximum inside equals the global one). A constant map (e.g. a silent step) points nowhere and
 * is a miss.
 */
export function pointingGame(map: HeatMap, box: Box): boolean {
  assertBox(map, box, 'pointingGame');
  const { min, max } = valueRange(map);
  if (max === min) return false;
  let inside = -Infinity;
  forEachInBox(map, box, (v) => {
    if (v > inside) inside = v;
  });
  return inside === max;
}

/**
 * The pointing game at the map's own resolution: `map` is a layer's grid (h×w cells, each
 * covering an (H/h)×(W/w) block of the H×W image) and `box` is in image pixels; a hit when a cell
 * holding the map's maximum overlaps the box. The map only says which neuron is most active;
 * where inside its cell an upsampled copy peaks is interpolation, so a cell that overlaps the
 * object by a few pixels is a hit here and, upsampled, can be a strict miss. A constant map is a
 * miss.
 */
export function pointingGameOnGrid(map: HeatMap, box: Box, height: number, width: number): boolean {
  assertHeatMap(map, 'pointingGameOnGrid');
  const { sy, sx } = cellSize(map, height, width, 'pointingGameOnGrid');
  assertBoxWithin(box, height, width, 'pointingGameOnGrid', 'image');
  const { min, max } = valueRange(map);
  if (max === min) return false;
  for (let i = 0; i < map.data.length; i++) {
    if (map.data[i] !== max) continue;
    const cy = Math.floor(i / map.width), cx = i % map.width;
    if (cellOverlapsBox(cy, cx, sy, sx, box)) return true;
  }
  return false;
}

/** The block of image pixels one cell of an h×w grid covers in an H×W image (H, W multiples of h, w). */
export function cellSize(map: { height: number; width: number }, height: number, width: number, what: string): { sy: number; sx: number } {
  const sy = height / map.height, sx = width / map.width;
  if (!Number.isInteger(sy) || !Number.isInteger(sx) || sy < 1 || sx < 1) {
    throw new Error(`${what}: a ${map.height}×${map.width} grid does not tile a ${height}×${width} image (the image side must be a multiple of the grid's)`);
  }
  return { sy, sx };
}

/** Whether cell (cy, cx), covering sy×sx image pixels, shares a pixel with the box. */
export function cellOverlapsBox(cy: number, cx: number, sy: number, sx: number, box: Box): boolean {
  return cy * sy <= box.y1 && (cy + 1) * sy - 1 >= box.y0 && cx * sx <= box.x1 && (cx + 1) * sx - 1 >= box.x0;
}

/** Where a map's maximum lies on its layer's grid (`peakLocation`). */
export type PeakLocation = 'box' | 'content' | 'ring' | 'background' | 'none';
export const PEAK_LOCATIONS: readonly PeakLocation[] = ['box', 'content', 'ring', 'background', 'none'];

/**
 * Which cells of an h×w grid over image `i` of a data set hold image content: a pixel of the cell
 * reaches `threshold` (0..255, any channel). On scenes of objects on black, content outside the
 * object's box is clutter; on natural images nearly every cell has content.
 */
export function contentCells(pixels: Uint8Array, height: number, width: number, gridH: number, gridW: number, threshold: number): Uint8Array {
  if (pixels.length !== height * width * 3) throw new Error(`contentCells: expected ${height}×${width}×3 pixels, got ${pixels.length} values`);
  const { sy, sx } = cellSize({ height: gridH, width: gridW }, height, width, 'contentCells');
  const out = new Uint8Array(gridH * gridW);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      if (pixels[p] >= threshold || pixels[p + 1] >= threshold || pixels[p + 2] >= threshold) out[Math.floor(y / sy) * gridW + Math.floor(x / sx)] = 1;
    }
  }
  return out;
}

/**
 * Where a layer map's maximum lies (the pointing game's cell, classified): `box` when a maximal
 * cell overlaps the box (a pointing-game hit); else `content` when one holds image content outside
 * the box (`content`, from `contentCells`: clutter, another object); else `ring` when one is on the
 * grid's outer ring (where padding acts); else `background` (blank interior). `none`: a constant
 * map, which points nowhere. Tells a miss on other image content from an artefact of the border.
 */
export function peakLocation(map: HeatMap, box: Box, content: Uint8Array, height: number, width: number): PeakLocation {
  assertHeatMap(map, 'peakLocation');
  const { sy, sx } = cellSize(map, height, width, 'peakLocation');
  assertBoxWithin(box, height, width, 'peakLocation', 'image');
  if (content.length !== map.data.length) throw new Error(`peakLocation: ${content.length} content flags for a ${map.height}×${map.width} map`);
  const { min, max } = valueRange(map);
  if (max === min) return 'none';
  let onContent = false, onRing = false;
  for (let i = 0; i < map.data.length; i++) {
    if (map.data[i] !== max) continue;
    const cy = Math.floor(i / map.width), cx = i % map.width;
    if (cellOverlapsBox(cy, cx, sy, sx, box)) return 'box';
    if (content[i]) onContent = true;
    if (cy === 0 || cx === 0 || cy === map.height - 1 || cx === map.width - 1) onRing = true;
  }
  return onContent ? 'content' : onRing ? 'ring' : 'background';
}

/** Energy share `Σ_{ij∈box} m_ij / Σ_ij m_ij` of a non-negative map; 0 for a map with no energy. */
export function energyInBox(map: HeatMap, box: Box): number {
  assertBox(map, box, 'energyInBox');
  let total = 0;
  for (let i = 0; i < map.data.length; i++) {
    const v = map.data[i];
    if (!(v >= 0)) throw new Error(`energyInBox: value ${v} at pixel (${Math.floor(i / map.width)}, ${i % map.width}) is negative; energy needs a non-negative map`);
    total += v;
  }
  if (total === 0) return 0;
  let inside = 0;
  forEachInBox(map, box, (v) => {
    inside += v;
  });
  return inside / total;
}

function forEachInBox(map: HeatMap, box: Box, fn: (v: number) => void): void {
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) fn(map.data[y * map.width + x]);
  }
}

function assertBox(map: HeatMap, box: Box, what: string): void {
  assertHeatMap(map, what);
  assertBoxWithin(box, map.height, map.width, what, 'map');
}

function assertBoxWithin(box: Box, height: number, width: number, what: string, of: 'map' | 'image'): void {
  const { x0, y0, x1, y1 } = box;
  const desc = `box {x0: ${x0}, y0: ${y0}, x1: ${x1}, y1: ${y1}}`;
  if (![x0, y0, x1, y1].every(Number.isInteger)) throw new Error(`${what}: ${desc} must have integer pixel coordinates`);
  if (x1 < x0 || y1 < y0) throw new Error(`${what}: ${desc} is empty (x1 < x0 or y1 < y0)`);
  if (x0 < 0 || y0 < 0 || x1 >= width || y1 >= height) {
    throw new Error(`${what}: ${desc} reaches outside the ${height}×${width} ${of}${of === 'map' ? "; give the box at the map's resolution" : ''}`);
  }
}
