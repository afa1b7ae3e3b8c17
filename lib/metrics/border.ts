/**
 * Border energy: how much of a heat map's energy sits in its outer ring, compared with the ring's
 * share of the area. A map that piles up along the border (e.g. the edge that zero padding forms
 * against a background that spikes) scores an energy share well above its area share; a spatially
 * uniform map scores exactly the area share.
 *
 * The ring of width `ring` is every pixel (y, x) with `min(y, x, height-1-y, width-1-x) < ring`,
 * i.e. the first and last `ring` rows and columns. On an 8×8 map, ring 1 is 28 of 64 pixels
 * (area share 0.4375); a ring at least half the shorter side covers the whole map.
 *
 * Plain arrays, no tfjs: maps are row-major `height × width`, `data[y * width + x]`, non-negative.
 */

/** Result of `borderEnergyShare`: both shares are in [0, 1]. */
export interface BorderShare {
  /** Σ of the map over the ring / Σ over the whole map; 0 for a map with no energy (all zeros). */
  energyShare: number;
  /** Ring pixels / all pixels: what a spatially uniform map scores. */
  areaShare: number;
}

/**
 * Share of a non-negative map's energy in its outer ring of `ring` pixels, and the ring's share of
 * the area. Throws on a size mismatch, a non-positive or non-integer size or ring, and on a
 * negative or non-finite value.
 */
export function borderEnergyShare(map: ArrayLike<number>, height: number, width: number, ring = 1): BorderShare {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new RangeError(`borderEnergyShare: height and width must be positive integers, got ${height}×${width}`);
  }
  if (!Number.isInteger(ring) || ring < 1) throw new RangeError(`borderEnergyShare: ring must be a positive integer, got ${ring}`);
  if (map.length !== height * width) {
    throw new RangeError(`borderEnergyShare: map holds ${map.length} values, expected ${height}×${width} = ${height * width}`);
  }
  let total = 0;
  let border = 0;
  let borderPixels = 0;
  for (let y = 0; y < height; y++) {
    const inRowBand = y < ring || y >= height - ring;
    for (let x = 0; x < width; x++) {
      const v = map[y * width + x];
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new RangeError(`borderEnergyShare: value ${v} at pixel (${y}, ${x}) is negative or not finite; energy needs a non-negative map`);
      }
      total += v;
      if (inRowBand || x < ring || x >= width - ring) {
        border += v;
        borderPixels++;
      }
    }
  }
  return { energyShare: total > 0 ? border / total : 0, areaShare: borderPixels / (height * width) };
}
