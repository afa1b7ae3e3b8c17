/**
 * Small raster operations on interleaved float images (row-major, `channels` values per pixel),
 * enough to compose scenes: bilinear resize, box blur, crop, max/opaque paste, ink bounds.
 */
import type { Box } from './dataset';

/** A float image: `data` holds height·width·channels values, row-major, channels interleaved. */
export interface Raster { data: Float32Array; width: number; height: number; channels: number }

/** A zero-filled raster. */
export function raster(width: number, height: number, channels: number): Raster {
  return { data: new Float32Array(width * height * channels), width, height, channels };
}

/** Wraps uint8 or float pixel values as a float raster (copying). */
export function toRaster(values: ArrayLike<number>, width: number, height: number, channels: number): Raster {
  if (values.length !== width * height * channels) throw new RangeError(`expected ${width * height * channels} values, got ${values.length}`);
  return { data: Float32Array.from(values), width, height, channels };
}

/**
 * Bilinear resize with half-pixel centres (like `tf.image.resizeBilinear` without align
 * corners), so a resized object keeps its position and shading; edges clamp.
 */
export function resizeBilinear(src: Raster, width: number, height: number): Raster {
  const { channels: c, width: sw, height: sh, data: s } = src;
  const out = raster(width, height, c);
  const fx = sw / width, fy = sh / height;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.max((y + 0.5) * fy - 0.5, 0), sh - 1);
    const y0 = Math.floor(sy), y1 = Math.min(y0 + 1, sh - 1), wy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.max((x + 0.5) * fx - 0.5, 0), sw - 1);
      const x0 = Math.floor(sx), x1 = Math.min(x0 + 1, sw - 1), wx = sx - x0;
      const o = (y * width + x) * c;
      const a = (y0 * sw + x0) * c, b = (y0 * sw + x1) * c, d = (y1 * sw + x0) * c, e = (y1 * sw + x1) * c;
      for (let k = 0; k < c; k++) {
        const top = s[a + k] + (s[b + k] - s[a + k]) * wx;
        const bot = s[d + k] + (s[e + k] - s[d + k]) * wx;
        out.data[o + k] = top + (bot - top) * wy;
      }
    }
  }
  return out;
}

/** Separable box blur of the given radius (edges clamp); radius 0 returns a copy. */
export function boxBlur(src: Raster, radius: number): Raster {
  const pass = (img: Raster, horizontal: boolean): Raster => {
    const { width: w, height: h, channels: c } = img;
    const out = raster(w, h, c);
    const n = 2 * radius + 1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c; k++) {
          let sum = 0;
          for (let d = -radius; d <= radius; d++) {
            const xx = horizontal ? Math.min(Math.max(x + d, 0), w - 1) : x;
            const yy = horizontal ? y : Math.min(Math.max(y + d, 0), h - 1);
            sum += img.data[(yy * w + xx) * c + k];
          }
          out.data[(y * w + x) * c + k] = sum / n;
        }
      }
    }
    return out;
  };
  return radius <= 0 ? { ...src, data: src.data.slice() } : pass(pass(src, true), false);
}

/** The sub-image of `src` inside `box` (inclusive coordinates, clipped to the image). */
export function crop(src: Raster, box: Box): Raster {
  const x0 = Math.max(0, box.x0), y0 = Math.max(0, box.y0);
  const x1 = Math.min(src.width - 1, box.x1), y1 = Math.min(src.height - 1, box.y1);
  const w = Math.max(0, x1 - x0 + 1), h = Math.max(0, y1 - y0 + 1), c = src.channels;
  const out = raster(w, h, c);
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * src.width + x0) * c;
    out.data.set(src.data.subarray(from, from + w * c), y * w * c);
  }
  return out;
}

/**
 * Draws `src` onto `dst` with its top-left corner at (x, y), clipping at the borders. `max` keeps
 * the brighter value (ink on black, so overlapping strokes stay visible); `over` replaces.
 */
export function paste(dst: Raster, src: Raster, x: number, y: number, mode: 'max' | 'over'): void {
  if (dst.channels !== src.channels) throw new RangeError(`paste: ${src.channels} channels onto ${dst.channels}`);
  const c = dst.channels;
  for (let sy = 0; sy < src.height; sy++) {
    const dy = y + sy;
    if (dy < 0 || dy >= dst.height) continue;
    for (let sx = 0; sx < src.width; sx++) {
      const dx = x + sx;
      if (dx < 0 || dx >= dst.width) continue;
      const s = (sy * src.width + sx) * c, d = (dy * dst.width + dx) * c;
      for (let k = 0; k < c; k++) {
        dst.data[d + k] = mode === 'max' ? Math.max(dst.data[d + k], src.data[s + k]) : src.data[s + k];
      }
    }
  }
}

/** Tight inclusive bounds of the pixels whose first channel is ≥ `threshold`, or null if none. */
export function inkBounds(src: Raster, threshold: number): Box | null {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      if (src.data[(y * src.width + x) * src.channels] >= threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Adds gaussian noise of standard deviation `std` to every value (one draw per value). */
export function addNoise(img: Raster, std: number, normal: () => number): void {
  if (std <= 0) return;
  for (let i = 0; i < img.data.length; i++) img.data[i] += std * normal();
}

/**
 * Writes a raster into RGB uint8 pixels (rounded, clamped to 0..255); a one-channel raster is
 * replicated to grey RGB.
 */
export function toRgbBytes(img: Raster, out: Uint8Array): void {
  const n = img.width * img.height;
  if (out.length !== n * 3) throw new RangeError(`expected room for ${n * 3} bytes, got ${out.length}`);
  if (img.channels !== 1 && img.channels !== 3) throw new RangeError(`toRgbBytes: ${img.channels} channels`);
  const clamp = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));
  for (let i = 0; i < n; i++) {
    if (img.channels === 1) {
      const v = clamp(img.data[i]);
      out[i * 3] = v; out[i * 3 + 1] = v; out[i * 3 + 2] = v;
    } else {
      for (let k = 0; k < 3; k++) out[i * 3 + k] = clamp(img.data[i * 3 + k]);
    }
  }
}
