/**
 * Atomic file writes: write a temp file beside the target, fsync, rename. A reader (or a later
 * pipeline stage) sees either the old file or the whole new one, never half of it.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Writes `data` to `file` atomically, creating parent folders. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    // writeSync may write less than asked for large buffers: loop until all bytes are out.
    for (let off = 0; off < bytes.length;) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
  } catch (e) {
    // A full disk or a failing device: leave no half-written temporary file behind.
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new Error(`${file}: could not write (${e instanceof Error ? e.message : String(e)}); the previous file, if any, is unchanged`);
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes pretty JSON atomically (numbers as written; NaN/Infinity are rejected, naming the file). */
export function writeJsonAtomic(file: string, value: unknown): void {
  const text = JSON.stringify(value, (k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`${file}: refusing to write non-finite number at key '${k}'`);
    return v;
  }, 2);
  writeFileAtomic(file, `${text}\n`);
}

/** Reads and parses a JSON file, naming the file in any error. */
export function readJson<T = unknown>(file: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file}: cannot read (does the stage that writes it need to run first?)`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Replaces folder `dir` with what `fill(tmp)` writes into a fresh temporary folder beside it: the
 * old folder is swapped out only after `fill` succeeded, so a failing run leaves `dir` as it was
 * (never new train.bin beside old val.bin), and the temporary folder is removed on error.
 */
export function replaceFolderAtomic(dir: string, fill: (tmp: string) => void): void {
  const abs = path.resolve(dir);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const stamp = `${process.pid}.${Date.now().toString(36)}`;
  const tmp = `${abs}.${stamp}.tmp`;
  fs.mkdirSync(tmp);
  try {
    fill(tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = `${abs}.${stamp}.old`;
  const had = fs.existsSync(abs);
  if (had) fs.renameSync(abs, old);
  try {
    fs.renameSync(tmp, abs);
  } catch (e) {
    if (had) fs.renameSync(old, abs);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (had) fs.rmSync(old, { recursive: true, force: true });
}
