/**
 * Heat-map utilities shared by SAM, Grad-CAM, the metrics and the renderer. A heat map is one
 * 2-D map (one image, one step, channels already summed) held as a plain row-major
 * Float32Array, so metrics and plots need no tensors and nothing to dispose.
 */

/** One 2-D map, row-major: `data[y * width + x]`. */
export interface HeatMap {
  height: number;
  width: number;
  data: Float32Array;
}

/** The authors' normalisation epsilon: `(m - min) / (max(m - min) + 1e-3)`. */
export const NORMALISE_EPS = 1e-3;

/** Wraps `data` as a HeatMap, checking that it holds `height × width` values (no copy). */
export function heatMap(data: Float32Array, height: number, width: number): HeatMap {
  return assertHeatMap({ height, width, data }, 'heatMap');
}

/**
 * Throws one clear line unless `m` is a non-empty map whose data length is height × width.
 * `what` names the map in the message (e.g. `localizationError: M_3`).
 */
export function assertHeatMap(m: HeatMap, what: string): HeatMap {
  if (!Number.isInteger(m.height) || !Number.isInteger(m.width) || m.height < 1 || m.width < 1) {
    throw new Error(`${what}: empty heat map (${m.height}×${m.width}); a map needs at least one pixel`);
  }
  if (m.data.length !== m.height * m.width) {
    throw new Error(`${what}: ${m.height}×${m.width} map holds ${m.data.length} values, expected ${m.height * m.width}`);
  }
  return m;
}

/** Throws one clear line unless `a` and `b` are valid maps of the same height and width. */
export function assertSameShape(a: HeatMap, b: HeatMap, what: string, names: [string, string] = ['a', 'b']): void {
  assertHeatMap(a, `${what}: ${names[0]}`);
  assertHeatMap(b, `${what}: ${names[1]}`);
  if (a.height !== b.height || a.width !== b.width) {
    throw new Error(`${what}: ${names[0]} is ${a.height}×${a.width} but ${names[1]} is ${b.height}×${b.width}; upsample both to one size first`);
  }
}

/** Smallest and largest value of a map. */
export function valueRange(m: HeatMap): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of m.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * Min-max normalisation as in the authors' code: `(m - min) / (max(m - min) + eps)`, eps = 1e-3.
 * The result lies in [0, 1); a constant map (e.g. a silent step) becomes all zeros, not NaN.
 */
export function normalise(m: HeatMap, eps = NORMALISE_EPS): HeatMap {
  const { min: lo, max: hi } = valueRange(assertHeatMap(m, 'normalise'));
  const scale = 1 / (hi - lo + eps);
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (m.data[i] - lo) * scale;
  return { height: m.height, width: m.width, data: out };
}

/**
 * Bilinear resize to `height × width` with half-pixel centres (OpenCV's `cv2.resize`, PyTorch
 * `align_corners=False`, tfjs `halfPixelCenters=true`): output pixel centre `(y + 0.5)·h/H - 0.5`
 * is sampled from the input, clamped at the borders. Same size returns a copy.
 */
export function upsample(m: HeatMap, height: number, width: number): HeatMap {
  assertHeatMap(m, 'upsample');
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`upsample: target size ${height}×${width} must be positive integers`);
  }
  const out = new Float32Array(height * width);
  const ys = axisWeights(m.height, height);
  const xs = axisWeights(m.width, width);
  for (let y = 0; y < height; y++) {
    const r0 = ys.lo[y] * m.width;
    const r1 = ys.hi[y] * m.width;
    const wy = ys.w[y];
    for (let x = 0; x < width; x++) {
      const x0 = xs.lo[x];
      const x1 = xs.hi[x];
      const wx = xs.w[x];
      const top = m.data[r0 + x0] * (1 - wx) + m.data[r0 + x1] * wx;
      const bottom = m.data[r1 + x0] * (1 - wx) + m.data[r1 + x1] * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return { height, width, data: out };
}

/** For each output index along one axis: the two input indices and the weight of the upper one. */
function axisWeights(inSize: number, outSize: number): { lo: Int32Array; hi: Int32Array; w: Float32Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  const ratio = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const src = Math.min(Math.max((i + 0.5) * ratio - 0.5, 0), inSize - 1);
    lo[i] = Math.floor(src);
    hi[i] = Math.min(lo[i] + 1, inSize - 1);
    w[i] = src - lo[i];
  }
  return { lo, hi, w };
}

/**
 * Throws one clear line unless every value of `m` lies in [0, 1]: the metrics defined on
 * normalised maps (variance, L1, cross-entropy) refuse raw maps instead of giving silent nonsense.
 */
export function assertUnitRange(m: HeatMap, what: string): HeatMap {
  assertHeatMap(m, what);
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i];
    if (!(v >= 0 && v <= 1)) {
      throw new Error(`${what}: value ${v} at pixel (${Math.floor(i / m.width)}, ${i % m.width}) is outside [0, 1]; normalise() the map first`);
    }
  }
  return m;
}

/**
 * Min-max normalisation whose ε scales with the map's range: (m − min) / ((max − min)(1 + 1e-3)).
 * The authors' fixed ε = 1e-3 suits SAM (raw values around 1) but flattens Grad-CAM maps, whose
 * raw values here are 1e-9..1e-2: every map would come out near zero whatever its shape. A
 * constant map gives all zeros.
 */
export function scaleFreeNormalise(m: HeatMap): HeatMap {
  const { min, max } = valueRange(m);
  if (!(max > min)) return { height: m.height, width: m.width, data: new Float32Array(m.data.length) };
  return normalise(m, NORMALISE_EPS * (max - min));
}

/** Pixel-wise mean of maps of one size (an SNN's time-average). */
export function meanMap(maps: readonly HeatMap[]): HeatMap {
  if (maps.length === 0) throw new Error('meanMap: no maps');
  const { height, width } = maps[0];
  const out = new Float32Array(height * width);
  for (const m of maps) for (let i = 0; i < out.length; i++) out[i] += m.data[i] / maps.length;
  return { height, width, data: out };
}
