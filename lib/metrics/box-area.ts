/**
 * What a map that knows nothing scores on a box: a uniform map puts `area share` of its energy in
 * the box, and a uniformly random point lands in it with that probability. Box scores (pointing
 * game, energy in the box) mean something only above it.
 */
import type { Box } from '../data/dataset';
import { cellOverlapsBox, cellSize } from './box';

/** `(x1 − x0 + 1)(y1 − y0 + 1) / (H·W)`: the share of an H×W image an inclusive-pixel box covers. */
export function boxAreaShare(box: Box, height: number, width: number): number {
  const { x0, y0, x1, y1 } = box;
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new Error(`boxAreaShare: image size ${height}×${width} must be positive integers`);
  }
  if (x1 < x0 || y1 < y0 || x0 < 0 || y0 < 0 || x1 >= width || y1 >= height) {
    throw new Error(`boxAreaShare: box {x0: ${x0}, y0: ${y0}, x1: ${x1}, y1: ${y1}} is empty or reaches outside the ${height}×${width} image`);
  }
  return ((x1 - x0 + 1) * (y1 - y0 + 1)) / (height * width);
}

/**
 * A random cell's hit rate in the pointing game on an h×w grid (`pointingGameOnGrid`): the share
 * of the grid's cells that overlap the box (given in pixels of the H×W image).
 */
export function gridPointingChance(box: Box, gridHeight: number, gridWidth: number, height: number, width: number): number {
  boxAreaShare(box, height, width);
  const { sy, sx } = cellSize({ height: gridHeight, width: gridWidth }, height, width, 'gridPointingChance');
  let n = 0;
  for (let cy = 0; cy < gridHeight; cy++) for (let cx = 0; cx < gridWidth; cx++) if (cellOverlapsBox(cy, cx, sy, sx, box)) n++;
  return n / (gridHeight * gridWidth);
}
