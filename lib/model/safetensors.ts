/**
 * Reading the safetensors format (what `safetensors.torch.save_file(model.state_dict(), …)`
 * writes): an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
 * and byte range, then the raw little-endian data. Floating-point tensors (F32, F16, BF16, F64)
 * are returned as Float32Array; integer tensors (e.g. BatchNorm's `num_batches_tracked`) are
 * listed but carry no data. Every problem is one error naming the file.
 */

/** One tensor of a state_dict. */
export interface StateTensor {
  dtype: string;
  shape: number[];
  /** The values as float32 (null for integer and boolean tensors, which spikelens does not use). */
  data: Float32Array | null;
}

const FLOAT_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const OTHER_BYTES: Record<string, number> = { I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, U16: 2, U32: 4, U64: 8 };

/** IEEE half → float. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Parses safetensors bytes; `file` names the source in errors. Metadata values are returned as given (strings). */
export function readSafetensors(bytes: Uint8Array, file: string): { tensors: Map<string, StateTensor>; metadata: Record<string, string> } {
  const bad = (why: string): never => { throw new Error(`${file}: not a valid safetensors file (${why})`); };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8) bad('shorter than its 8-byte header length');
  const n = Number(buf.readBigUInt64LE(0));
  if (n < 2 || 8 + n > buf.length) bad(`header length ${n} does not fit the ${buf.length}-byte file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  } catch {
    return bad('unreadable JSON header');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad('the header is not a JSON object');
  const data = buf.subarray(8 + n);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors = new Map<string, StateTensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const where = `tensor '${name}'`;
    if (typeof e.dtype !== 'string') bad(`${where} has no dtype`);
    const dtype = e.dtype as string;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) bad(`${where} has no valid shape`);
    const shape = e.shape as number[];
    if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) bad(`${where} has no data_offsets`);
    const [begin, end] = e.data_offsets as number[];
    if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && begin <= end && end <= data.length)) bad(`${where}: byte range ${begin}..${end} lies outside the ${data.length} data bytes`);
    const count = shape.reduce((a, d) => a * d, 1);
    const size = FLOAT_BYTES[dtype] ?? OTHER_BYTES[dtype];
    if (size === undefined) bad(`${where} has unknown dtype ${dtype}`);
    if (count * size !== end - begin) bad(`${where}: ${dtype} [${shape.join(', ')}] needs ${count * size} bytes, its range holds ${end - begin}`);
    let values: Float32Array | null = null;
    if (dtype in FLOAT_BYTES) {
      values = new Float32Array(count);
      const view = new DataView(data.buffer, data.byteOffset + begin, end - begin);
      for (let i = 0; i < count; i++) {
        values[i] = dtype === 'F32' ? view.getFloat32(4 * i, true)
          : dtype === 'F64' ? view.getFloat64(8 * i, true)
            : dtype === 'F16' ? halfToFloat(view.getUint16(2 * i, true))
              : new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0]; // BF16: the top half of a float32
      }
    }
    tensors.set(name, { dtype, shape, data: values });
  }
  return { tensors, metadata };
}
