/**
 * Reading one user image for `explain` safely: the size is read from the file's header and checked
 * against a pixel limit before anything is decoded (a 5000×4000 PNG would otherwise grow past
 * 18 GB in tensors), and large images are shrunk to the model's scale by area averaging before any
 * tensor work, so memory stays near the decoded image's own size.
 */
import * as fs from 'fs';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { imageSize } from '../data/image-size';

export { imageSize };

/** Default pixel limit of `explain` (megapixels): a 40-MP photo decodes in well under 2 GB. */
export const DEFAULT_MAX_MEGAPIXELS = 40;

/** An 8-bit RGB image, row-major. */
export interface RgbBytes { width: number; height: number; data: Uint8Array }

/**
 * Reads a PNG or JPEG as RGB after checking its header size against `maxMegapixels`. Errors are one
 * line naming the file: missing, not PNG/JPEG, too large (with its size), corrupt.
 */
export function readImage(file: string, maxMegapixels = DEFAULT_MAX_MEGAPIXELS): RgbBytes {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new Error(`image not found: ${file}`);
  }
  const size = imageSize(bytes);
  if (!size) throw new Error(`${file}: unsupported or unreadable image (expected a PNG or JPEG header)`);
  const mp = (size.width * size.height) / 1e6;
  if (size.width < 1 || size.height < 1) throw new Error(`${file}: the header gives an empty image (${size.width}×${size.height})`);
  if (mp > maxMegapixels) {
    throw new Error(`${file}: ${size.width}×${size.height} is ${mp.toFixed(1)} megapixels, over the limit of ${maxMegapixels} (--max-megapixels); shrink the image first`);
  }
  if (size.format === 'jpeg') {
    try {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: maxMegapixels, maxMemoryUsageInMB: 2048 });
      return { width: img.width, height: img.height, data: img.data };
    } catch (e) {
      throw new Error(`${file}: corrupt or unreadable JPEG (${String((e as Error).message ?? e).split('\n')[0]})`);
    }
  }
  let png: PNG;
  try {
    png = PNG.sync.read(bytes); // always 8-bit RGBA out: grey and palette images are expanded
  } catch (e) {
    throw new Error(`${file}: corrupt or unreadable PNG (${String((e as Error).message ?? e).split('\n')[0]})`);
  }
  const data = new Uint8Array(png.width * png.height * 3);
  for (let p = 0; p < png.width * png.height; p++) data.set(png.data.subarray(p * 4, p * 4 + 3), p * 3);
  return { width: png.width, height: png.height, data };
}

/**
 * The size the network sees: the image scaled (aspect kept) so that its longer side is
 * `longSide`, each side rounded to a multiple of 16 (VGG11 pools four times), at least 16.
 */
export function modelSize(width: number, height: number, longSide: number): { width: number; height: number } {
  const s = longSide / Math.max(width, height);
  const round16 = (v: number) => Math.max(16, Math.round(v / 16) * 16);
  return { width: round16(width * s), height: round16(height * s) };
}

/**
 * Resamples RGB bytes to `width`×`height` by area averaging (each output pixel is the mean of the
 * input pixels it covers, fractional edges weighted); enlarging gives
 * neighbour-like boxes (each output pixel takes the input pixels it overlaps). Memory: the output plus one row of accumulators.
 */
export function resampleArea(src: RgbBytes, width: number, height: number): RgbBytes {
  const out = new Uint8Array(width * height * 3);
  const sx = src.width / width, sy = src.height / height;
  const acc = new Float64Array(width * 3);
  for (let oy = 0; oy < height; oy++) {
    acc.fill(0);
    const y0 = oy * sy, y1 = (oy + 1) * sy;
    let wy = 0;
    for (let y = Math.floor(y0); y < Math.min(src.height, Math.ceil(y1)); y++) {
      const fy = Math.min(y + 1, y1) - Math.max(y, y0);
      if (fy <= 0) continue;
      wy += fy;
      for (let ox = 0; ox < width; ox++) {
        const x0 = ox * sx, x1 = (ox + 1) * sx;
        for (let x = Math.floor(x0); x < Math.min(src.width, Math.ceil(x1)); x++) {
          const f = fy * (Math.min(x + 1, x1) - Math.max(x, x0));
          if (f <= 0) continue;
          const i = (y * src.width + x) * 3;
          acc[ox * 3] += f * src.data[i];
          acc[ox * 3 + 1] += f * src.data[i + 1];
          acc[ox * 3 + 2] += f * src.data[i + 2];
        }
      }
    }
    for (let ox = 0; ox < width; ox++) {
      const wx = Math.min((ox + 1) * sx, src.width) - ox * sx;
      const w = wy * wx;
      for (let c = 0; c < 3; c++) out[(oy * width + ox) * 3 + c] = Math.round(acc[ox * 3 + c] / w);
    }
  }
  return { width, height, data: out };
}

/** Simple appearance statistics of RGB bytes: mean brightness (0..255) and the share of dark pixels (every channel < 32). */
export interface ImageStats { mean: number; dark: number }

/** Statistics of RGB bytes: one image, or many laid out one after another (a data set's `images`). */
export function imageStats(data: Uint8Array): ImageStats {
  let sum = 0, dark = 0;
  const n = data.length / 3;
  for (let p = 0; p < n; p++) {
    const r = data[3 * p], g = data[3 * p + 1], b = data[3 * p + 2];
    sum += r + g + b;
    if (r < 32 && g < 32 && b < 32) dark++;
  }
  return { mean: n ? sum / (3 * n) : 0, dark: n ? dark / n : 0 };
}

/**
 * A loud warning when an image looks nothing like the training images (e.g. a photo against
 * digits on black): dark-pixel shares more than 0.4 apart or mean brightness more than 60 apart.
 * A heuristic, not a guarantee: it catches the obvious mismatch, not subtle ones. Null when alike.
 */
export function unlikeTraining(image: ImageStats, training: ImageStats): string | null {
  const darkGap = Math.abs(image.dark - training.dark), meanGap = Math.abs(image.mean - training.mean);
  if (darkGap <= 0.4 && meanGap <= 60) return null;
  return `this image looks unlike the training images (dark pixels ${Math.round(100 * image.dark)} % vs ${Math.round(100 * training.dark)} %, mean brightness ${Math.round(image.mean)} vs ${Math.round(training.mean)} of 255)`;
}
