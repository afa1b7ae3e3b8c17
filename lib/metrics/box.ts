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
