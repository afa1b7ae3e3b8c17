/**
 * Checkpoints: named float32 tensors plus JSON metadata in one file, written atomically.
 *
 * Layout: "SLCKPT01" | uint32 header length | JSON header | raw little-endian float32 data.
 * The header lists each tensor's name, shape and offset and a SHA-256 over the metadata, the
 * tensor table and the data (`covers: 'header+data'`), so a truncated or corrupted file, or an
 * edited header (say an epoch count changed by hand), is refused with a message naming it, never
 * half-loaded. Files written before the header was covered (no `covers`) are checked on their data.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../io/atomic';

const MAGIC = 'SLCKPT01';

/** What a checkpoint holds once read. */
export interface Checkpoint<M = Record<string, unknown>> {
  meta: M;
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

interface Header {
  meta: unknown;
  tensors: Array<{ name: string; shape: number[]; offset: number; length: number }>;
  sha256: string;
  /** What sha256 covers; absent in files written before it covered the header. */
  covers?: 'header+data';
}

/** SHA-256 of the metadata and tensor table (as JSON) followed by the data. */
function digest(meta: unknown, tensors: Header['tensors'], payload: Uint8Array): string {
  return createHash('sha256').update(JSON.stringify({ meta, tensors })).update(payload).digest('hex');
}

/** Writes `tensors` (read back from the backend) and `meta` to `file` atomically. */
export async function saveCheckpoint(file: string, tensors: Record<string, tf.Tensor>, meta: unknown): Promise<void> {
  const entries: Header['tensors'] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const data = (await t.data()) as Float32Array;
    const copy = new Float32Array(data);
    entries.push({ name, shape: t.shape, offset, length: copy.length });
    chunks.push(copy);
    offset += copy.length;
  }
  const payload = Buffer.alloc(offset * 4);
  let pos = 0;
  for (const c of chunks) {
    Buffer.from(c.buffer, c.byteOffset, c.byteLength).copy(payload, pos);
    pos += c.byteLength;
  }
  // Round-trip meta through JSON first so the digest sees exactly what the reader will parse.
  const stored = JSON.parse(JSON.stringify(meta ?? null)) as unknown;
  const header: Header = { meta: stored, tensors: entries, sha256: digest(stored, entries, payload), covers: 'header+data' };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  writeFileAtomic(file, Buffer.concat([Buffer.from(MAGIC, 'ascii'), len, json, payload]));
}

/** Reads and verifies a checkpoint; every problem names the file. */
export function loadCheckpoint<M = Record<string, unknown>>(file: string): Checkpoint<M> {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    throw new Error(`${file}: checkpoint not found (run the stage that trains it first)`);
  }
  const bad = (why: string): never => { throw new Error(`${file}: not a valid spikelens checkpoint (${why})`); };
  if (buf.length < 12 || buf.subarray(0, 8).toString('ascii') !== MAGIC) bad('wrong magic bytes');
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(12, 12 + hlen).toString('utf8')) as Header;
  } catch {
    return bad('unreadable header');
  }
  const payload = buf.subarray(12 + hlen);
  const total = header.tensors.reduce((a, t) => a + t.length, 0);
  if (payload.length !== total * 4) bad(`data is ${payload.length} bytes, expected ${total * 4}: truncated`);
  const sum = header.covers === 'header+data' ? digest(header.meta, header.tensors, payload) : createHash('sha256').update(payload).digest('hex');
  if (sum !== header.sha256) bad('checksum mismatch: corrupted or edited');
  const aligned = new Float32Array(total);
  Buffer.from(aligned.buffer).set(payload);
  const tensors: Checkpoint['tensors'] = {};
  for (const t of header.tensors) tensors[t.name] = { shape: t.shape, data: aligned.subarray(t.offset, t.offset + t.length) };
  return { meta: header.meta as M, tensors };
}

/** Copies checkpoint tensors into `vars` by name; a missing name or a shape mismatch is an error naming both. */
export function assignCheckpoint(vars: Record<string, tf.Variable>, ckpt: Checkpoint<unknown>, file: string): void {
  for (const [name, v] of Object.entries(vars)) {
    const t = ckpt.tensors[name];
    if (!t) throw new Error(`${file}: has no tensor '${name}' (was it written by a different model?)`);
    if (t.shape.join('x') !== v.shape.join('x')) {
      throw new Error(`${file}: tensor '${name}' has shape [${t.shape}], the model expects [${v.shape}] (params changed since it was trained?)`);
    }
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
  }
}
