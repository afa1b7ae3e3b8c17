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
  } finally {
    fs.closeSync(fd);
  }
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
