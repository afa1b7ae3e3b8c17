/**
 * Box-based localization against annotated object boxes (Tiny-ImageNet boxes, composed
 * scenes): the pointing game (Zhang et al. 2016) and the share of the map's energy inside the box.
 * The map must be at the box's resolution (upsample a layer's map to the image size first).
 */
import { assertHeatMap, valueRange, type HeatMap } from '../explain/heatmap';
import type { Box } from '../data/dataset';

export type { Box };

/**
 * Pointing game: a hit when the map's maximum lies inside the box (ties count: the maximum inside
 * equals the global one). A constant map (e.g. a silent step) points nowhere and is a miss.
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
  const { x0, y0, x1, y1 } = box;
  const desc = `box {x0: ${x0}, y0: ${y0}, x1: ${x1}, y1: ${y1}}`;
  if (![x0, y0, x1, y1].every(Number.isInteger)) throw new Error(`${what}: ${desc} must have integer pixel coordinates`);
  if (x1 < x0 || y1 < y0) throw new Error(`${what}: ${desc} is empty (x1 < x0 or y1 < y0)`);
  if (x0 < 0 || y0 < 0 || x1 >= map.width || y1 >= map.height) {
    throw new Error(`${what}: ${desc} reaches outside the ${map.height}×${map.width} map; give the box at the map's resolution`);
  }
}
