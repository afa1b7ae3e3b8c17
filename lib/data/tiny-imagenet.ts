/**
 * Reads a local `tiny-imagenet-200/` folder in its on-disk format:
 *   wnids.txt                          class ids, one a line; their order defines the labels (not sorted)
 *   words.txt                          `<wnid>\t<names>` for all ImageNet synsets
 *   train/<wnid>/<wnid>_boxes.txt      `<file>\tx0\ty0\tx1\ty1` per training image
 *   train/<wnid>/images/<file>         JPEGs
 *   val/val_annotations.txt            `<file>\t<wnid>\tx0\ty0\tx1\ty1`
 *   val/images/<file>                  JPEGs
 * Boxes are inclusive pixel coordinates; degenerate ones are kept and flagged. Single-channel
 * JPEGs become grey RGB. The whole listing is checked before any image is decoded: a class listed
 * twice, an annotation naming a class not in wnids.txt, a kept class without images, a box
 * outside its image, or images whose size differs from the others' each stop the read with one
 * error naming the file (and line); class folders under train/ that wnids.txt does not list are
 * skipped with one counted warning. A missing or corrupt image stops the read naming the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { allocateDataset, setAnnotation, type Box, type Dataset, type DataSplit } from './dataset';
import { imageSize } from './image-size';

/** What to read. */
export interface TinyImageNetOptions {
  /** Keep the first N classes in wnids.txt order (0 or absent = all). */
  classes?: number;
  /** At most this many images per class, the lowest-numbered first (0 or absent = all). */
  limit?: number;
  /** Called now and then with images decoded so far and the total to decode. */
  onProgress?: (done: number, total: number) => void;
  /** Where warnings go (default: stderr, prefixed `tiny-imagenet: warning:`). */
  onWarning?: (message: string) => void;
}

/** Class ids in label order and their human-readable names. */
export interface TinyImageNetClasses { wnids: string[]; names: string[] }

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file}: cannot read ${what}`);
  }
}

/** Non-empty lines with their 1-based line numbers (CRLF tolerated). */
function lines(text: string): { line: string; no: number }[] {
  return text.split('\n').map((l, i) => ({ line: l.replace(/\r$/, ''), no: i + 1 })).filter((l) => l.line.trim() !== '');
}

/** Label order (wnids.txt as written) and names (words.txt), for a folder. */
export function readTinyImageNetClasses(dir: string): TinyImageNetClasses {
  const wnidsFile = path.join(dir, 'wnids.txt');
  if (!fs.existsSync(dir)) throw new Error(`${dir}: Tiny-ImageNet folder not found`);
  const listed = lines(readText(wnidsFile, 'the class list (is this a tiny-imagenet-200 folder?)'));
  const wnids = listed.map((l) => l.line.trim());
  if (!wnids.length) throw new Error(`${wnidsFile}: no class ids`);
  listed.forEach(({ no }, i) => {
    const first = wnids.indexOf(wnids[i]);
    if (first !== i) throw new Error(`${wnidsFile}:${no}: class ${wnids[i]} is listed twice (first on line ${listed[first].no})`);
  });
  const wordsFile = path.join(dir, 'words.txt');
  const words = new Map<string, string>();
  for (const { line } of lines(readText(wordsFile, 'the class names'))) {
    const tab = line.indexOf('\t');
    if (tab > 0) words.set(line.slice(0, tab).trim(), line.slice(tab + 1).trim());
  }
  const names = wnids.map((w) => {
    const name = words.get(w);
    if (name === undefined) throw new Error(`${wordsFile}: no entry for class ${w} (listed in wnids.txt)`);
    return name;
  });
  return { wnids, names };
}

/** Decodes a JPEG to RGB bytes (grey JPEGs replicated to RGB); errors name `file`. */
export function decodeJpegRgb(bytes: Uint8Array, file: string): { width: number; height: number; data: Uint8Array } {
  try {
    // jpeg-js throws on a truncated file (no EOI or cut markers) even in its default tolerant
    // mode, which only skips blocks past the image's MCU grid; the resolution cap stops bombs.
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 16 });
    return { width: img.width, height: img.height, data: img.data };
  } catch (e) {
    throw new Error(`${file}: corrupt or unreadable JPEG (${String((e as Error).message ?? e).split('\n')[0]})`);
  }
}

interface Entry { file: string; label: number; box: Box; listedIn: string; line: number }

function parseBox(fields: string[], where: string): Box {
  const v = fields.map((f) => Number(f));
  if (v.some((n) => !Number.isInteger(n))) throw new Error(`${where}: box coordinates must be integers, got '${fields.join(' ')}'`);
  return { x0: v[0], y0: v[1], x1: v[2], y1: v[3] };
}

/** The number in a file name like `n01443537_12.JPEG` or `val_7.JPEG`, for natural ordering. */
const fileNumber = (name: string) => Number(/_(\d+)\.[^.]+$/.exec(name)?.[1] ?? NaN);
const byFileNumber = (a: Entry, b: Entry) => fileNumber(path.basename(a.file)) - fileNumber(path.basename(b.file)) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

function trainEntries(dir: string, wnids: string[], limit: number): Entry[] {
  const out: Entry[] = [];
  wnids.forEach((wnid, label) => {
    const listFile = path.join(dir, 'train', wnid, `${wnid}_boxes.txt`);
    const entries = lines(readText(listFile, `the boxes of class ${wnid}`)).map(({ line, no }) => {
      const f = line.split('\t');
      if (f.length !== 5) throw new Error(`${listFile}:${no}: expected 5 tab-separated fields (file, x0, y0, x1, y1), got ${f.length}`);
      return { file: path.join(dir, 'train', wnid, 'images', f[0].trim()), label, box: parseBox(f.slice(1), `${listFile}:${no}`), listedIn: listFile, line: no };
    });
    if (!entries.length) throw new Error(`${listFile}: lists no images for class ${wnid} (label ${label})`);
    entries.sort(byFileNumber);
    out.push(...(limit ? entries.slice(0, limit) : entries));
  });
  return out;
}

function valEntries(dir: string, kept: string[], all: readonly string[], limit: number): Entry[] {
  const listFile = path.join(dir, 'val', 'val_annotations.txt');
  const labelOf = new Map(kept.map((w, i) => [w, i]));
  const known = new Set(all);
  const entries: Entry[] = [];
  for (const { line, no } of lines(readText(listFile, 'the validation annotations'))) {
    const f = line.split('\t');
    if (f.length !== 6) throw new Error(`${listFile}:${no}: expected 6 tab-separated fields (file, wnid, x0, y0, x1, y1), got ${f.length}`);
    const wnid = f[1].trim();
    if (!known.has(wnid)) throw new Error(`${listFile}:${no}: class ${wnid} is not in ${path.join(dir, 'wnids.txt')}`);
    const label = labelOf.get(wnid);
    if (label === undefined) continue; // a class beyond data.classes
    entries.push({ file: path.join(dir, 'val', 'images', f[0].trim()), label, box: parseBox(f.slice(2), `${listFile}:${no}`), listedIn: listFile, line: no });
  }
  const counts = new Array<number>(kept.length).fill(0);
  for (const e of entries) counts[e.label]++;
  const empty = kept.filter((_, i) => counts[i] === 0);
  if (empty.length) throw new Error(`${listFile}: no validation images for ${empty.length} kept class(es): ${empty.slice(0, 5).join(', ')}${empty.length > 5 ? ', …' : ''}`);
  entries.sort(byFileNumber);
  const taken = new Array<number>(kept.length).fill(0);
  return entries.filter((e) => !limit || taken[e.label]++ < limit);
}

/** Class folders under train/ that wnids.txt does not list (skipped, with one warning). */
function unlistedTrainFolders(dir: string, wnids: readonly string[]): string[] {
  const trainDir = path.join(dir, 'train');
  if (!fs.existsSync(trainDir)) return [];
  const known = new Set(wnids);
  return fs.readdirSync(trainDir, { withFileTypes: true }).filter((d) => d.isDirectory() && !known.has(d.name)).map((d) => d.name).sort();
}

/**
 * Every entry's image size from its JPEG header (cheap: no decoding) and the common size; images
 * of another size are named, the most common size counting as the expected one (so an odd first
 * image cannot make every other image look wrong). Then every box must lie inside its image.
 */
function checkSizesAndBoxes(entries: readonly Entry[]): { width: number; height: number } {
  const sizes = entries.map((e) => {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(e.file);
    } catch {
      throw new Error(`${e.file}: missing image (listed in ${e.listedIn}:${e.line})`);
    }
    const size = imageSize(bytes);
    if (!size || size.format !== 'jpeg') throw new Error(`${e.file}: corrupt or unreadable JPEG (no JPEG frame header; listed in ${e.listedIn}:${e.line})`);
    return size;
  });
  const tally = new Map<string, number>();
  for (const s of sizes) tally.set(`${s.width}x${s.height}`, (tally.get(`${s.width}x${s.height}`) ?? 0) + 1);
  const common = [...tally].sort((a, b) => b[1] - a[1])[0][0];
  const [width, height] = common.split('x').map(Number);
  const odd = entries.filter((_, i) => sizes[i].width !== width || sizes[i].height !== height);
  if (odd.length) {
    const show = odd.slice(0, 3).map((e) => { const s = sizes[entries.indexOf(e)]; return `${e.file} (${s.width}×${s.height})`; });
    throw new Error(odd.length === 1 ? `${show[0].replace(/ \((\d+)×(\d+)\)$/, ': image is $1×$2')}, expected ${width}×${height} like the other ${entries.length - 1} images` : `${odd.length} images are not ${width}×${height} like the other ${entries.length - odd.length}: ${show.join(', ')}${odd.length > 3 ? ', …' : ''}`);
  }
  for (const e of entries) {
    const { x0, y0, x1, y1 } = e.box;
    if (Math.min(x0, y0, x1, y1) < 0 || Math.max(x0, x1) >= width || Math.max(y0, y1) >= height) {
      throw new Error(`${e.listedIn}:${e.line}: box ${x0},${y0},${x1},${y1} of ${path.basename(e.file)} lies outside its ${width}×${height} image (inclusive pixel coordinates 0..${width - 1}, 0..${height - 1})`);
    }
  }
  return { width, height };
}

/**
 * Reads one split into memory. Labels follow wnids.txt order; images keep the folder's own
 * numbering order (class by class for train, file number for val).
 */
export function readTinyImageNet(dir: string, split: DataSplit, opts: TinyImageNetOptions = {}): Dataset {
  const { wnids, names } = readTinyImageNetClasses(dir);
  const warn = opts.onWarning ?? ((m: string) => console.error(`tiny-imagenet: warning: ${m}`));
  const nClasses = opts.classes ? Math.min(opts.classes, wnids.length) : wnids.length;
  const kept = wnids.slice(0, nClasses);
  if (split === 'train') {
    const extra = unlistedTrainFolders(dir, wnids);
    if (extra.length) warn(`${extra.length} class folder(s) under ${path.join(dir, 'train')} are not in wnids.txt and are skipped: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  }
  const entries = split === 'train' ? trainEntries(dir, kept, opts.limit ?? 0) : valEntries(dir, kept, wnids, opts.limit ?? 0);
  if (!entries.length) throw new Error(`${dir}: no ${split} images found for the kept classes`);
  const { width, height } = checkSizesAndBoxes(entries);
  const ds = allocateDataset('tiny-imagenet', names.slice(0, nClasses), height, width, entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const img = decodeJpegRgb(fs.readFileSync(e.file), e.file);
    if (img.width !== width || img.height !== height) throw new Error(`${e.file}: decodes to ${img.width}×${img.height}, its header says ${width}×${height}`);
    ds.images.set(img.data, i * img.data.length);
    setAnnotation(ds, i, e.label, e.box);
    if (opts.onProgress && ((i + 1) % 2000 === 0 || i + 1 === entries.length)) opts.onProgress(i + 1, entries.length);
  }
  return ds;
}
