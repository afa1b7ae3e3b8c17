/**
 * JPEG fixtures for the data tests. jpeg-js only encodes 3-component JPEGs, and Tiny-ImageNet has
 * single-channel ones, so `grayJpeg` writes a baseline 1-component JPEG by hand: every 8×8 block
 * is flat (DC coefficient only), quantisation table all ones, one 4-bit Huffman code per DC
 * size category and a 1-bit end-of-block AC code. Flat blocks decode back exactly.
 */
import * as jpeg from 'jpeg-js';

/** A baseline greyscale JPEG; `valueAt(bx, by)` is the grey level (0..255) of 8×8 block (bx, by). */
export function grayJpeg(width: number, height: number, valueAt: (bx: number, by: number) => number): Uint8Array {
  const out: number[] = [];
  const u16 = (v: number) => out.push(v >> 8, v & 0xff);
  const segment = (marker: number, body: number[]) => { out.push(0xff, marker); u16(body.length + 2); out.push(...body); };
  out.push(0xff, 0xd8); // SOI
  segment(0xdb, [0x00, ...new Array(64).fill(1)]); // DQT: table 0, 8-bit, all ones
  segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]); // SOF0, one component
  const dcBits = new Array(16).fill(0); dcBits[3] = 12; // twelve 4-bit codes: categories 0..11
  segment(0xc4, [0x00, ...dcBits, ...Array.from({ length: 12 }, (_, i) => i)]);
  const acBits = new Array(16).fill(0); acBits[0] = 1; // one 1-bit code: EOB (0x00)
  segment(0xc4, [0x10, ...acBits, 0x00]);
  segment(0xda, [1, 1, 0x00, 0, 63, 0]); // SOS
  let acc = 0, nbits = 0;
  const bytes: number[] = [];
  const put = (value: number, len: number) => {
    for (let i = len - 1; i >= 0; i--) {
      acc = (acc << 1) | ((value >> i) & 1);
      if (++nbits === 8) { bytes.push(acc); if (acc === 0xff) bytes.push(0x00); acc = 0; nbits = 0; }
    }
  };
  let prev = 0;
  for (let by = 0; by < Math.ceil(height / 8); by++) {
    for (let bx = 0; bx < Math.ceil(width / 8); bx++) {
      const dc = 8 * (Math.round(valueAt(bx, by)) - 128); // flat block: F(0,0) = 8·(v − 128)
      const diff = dc - prev;
      prev = dc;
      const cat = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      put(cat, 4);
      if (cat) put(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
      put(0, 1); // EOB
    }
  }
  if (nbits) put(0x7f, 8 - nbits); // pad with ones
  out.push(...bytes, 0xff, 0xd9); // EOI
  return Uint8Array.from(out);
}

/** An RGB JPEG (jpeg-js, quality 95) filled with one colour, plus a 1-px white mark at (mx, my). */
export function rgbJpeg(width: number, height: number, rgb: [number, number, number], mark?: [number, number]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  if (mark) data.set([255, 255, 255, 255], (mark[1] * width + mark[0]) * 4);
  return new Uint8Array(jpeg.encode({ width, height, data }, 95).data);
}
