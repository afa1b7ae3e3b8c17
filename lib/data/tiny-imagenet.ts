/**
 * Reads a local `tiny-imagenet-200/` folder in its on-disk format:
 *   wnids.txt                          class ids, one a line; their order defines the labels (not sorted)
 *   words.txt                          `<wnid>\t<names>` for all ImageNet synsets
 *   train/<wnid>/<wnid>_boxes.txt      `<file>\tx0\ty0\tx1\ty1` per training image
 *   train/<wnid>/images/<file>         JPEGs
 *   val/val_annotations.txt            `<file>\t<wnid>\tx0\ty0\tx1\ty1`
 *   val/images/<file>                  JPEGs
 * Boxes are inclusive pixel coordinates; degenerate ones are kept and flagged. Single-channel
 * JPEGs become grey RGB. A missing, corrupt or wrongly sized image stops the read with an error
 * naming the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { allocateDataset, setAnnotation, type Box, type Dataset, type DataSplit } from './dataset';

/** What to read. */
export interface TinyImageNetOptions {
  /** Keep the first N classes in wnids.txt order (0 or absent = all). */
  classes?: number;
  /** At most this many images per class, the lowest-numbered first (0 or absent = all). */
  limit?: number;
  /** Called now and then with images decoded so far and the total to decode. */
  onProgress?: (done: number, total: number) => void;
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
  const wnids = lines(readText(wnidsFile, 'the class list (is this a tiny-imagenet-200 folder?)')).map((l) => l.line.trim());
  if (!wnids.length) throw new Error(`${wnidsFile}: no class ids`);
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

interface Entry { file: string; label: number; box: Box; listedIn: string }

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
      return { file: path.join(dir, 'train', wnid, 'images', f[0].trim()), label, box: parseBox(f.slice(1), `${listFile}:${no}`), listedIn: listFile };
    });
    entries.sort(byFileNumber);
    out.push(...(limit ? entries.slice(0, limit) : entries));
  });
  return out;
}

function valEntries(dir: string, wnids: string[], limit: number): Entry[] {
  const listFile = path.join(dir, 'val', 'val_annotations.txt');
  const labelOf = new Map(wnids.map((w, i) => [w, i]));
  const all: Entry[] = [];
  for (const { line, no } of lines(readText(listFile, 'the validation annotations'))) {
    const f = line.split('\t');
    if (f.length !== 6) throw new Error(`${listFile}:${no}: expected 6 tab-separated fields (file, wnid, x0, y0, x1, y1), got ${f.length}`);
    const label = labelOf.get(f[1].trim());
    if (label === undefined) continue; // a class not kept (or not in wnids.txt)
    all.push({ file: path.join(dir, 'val', 'images', f[0].trim()), label, box: parseBox(f.slice(2), `${listFile}:${no}`), listedIn: listFile });
  }
  all.sort(byFileNumber);
  const taken = new Array<number>(wnids.length).fill(0);
  return all.filter((e) => !limit || taken[e.label]++ < limit);
}

/**
 * Reads one split into memory. Labels follow wnids.txt order; images keep the folder's own
 * numbering order (class by class for train, file number for val).
 */
export function readTinyImageNet(dir: string, split: DataSplit, opts: TinyImageNetOptions = {}): Dataset {
  const { wnids, names } = readTinyImageNetClasses(dir);
  const nClasses = opts.classes ? Math.min(opts.classes, wnids.length) : wnids.length;
  const kept = wnids.slice(0, nClasses);
  const entries = split === 'train' ? trainEntries(dir, kept, opts.limit ?? 0) : valEntries(dir, kept, opts.limit ?? 0);
  if (!entries.length) throw new Error(`${dir}: no ${split} images found for the kept classes`);
  let ds: Dataset | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(e.file);
    } catch {
      throw new Error(`${e.file}: missing image (listed in ${e.listedIn})`);
    }
    const img = decodeJpegRgb(bytes, e.file);
    // Every image must share the first one's size (64×64 in Tiny-ImageNet).
    ds ??= allocateDataset('tiny-imagenet', names.slice(0, nClasses), img.height, img.width, entries.length);
    if (img.width !== ds.width || img.height !== ds.height) throw new Error(`${e.file}: image is ${img.width}×${img.height}, expected ${ds.width}×${ds.height}`);
    ds.images.set(img.data, i * img.data.length);
    setAnnotation(ds, i, e.label, e.box);
    if (opts.onProgress && ((i + 1) % 2000 === 0 || i + 1 === entries.length)) opts.onProgress(i + 1, entries.length);
  }
  return ds as Dataset;
}
