import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  allocateDataset, assertSameClasses, batches, loadSplits, boxOf, classCounts, encodeDataset, itemOf, labelsTensor, loadDataset, saveDataset, setAnnotation, subset, toTensor,
  type Dataset,
} from '../../lib/data/dataset';
import { Rng } from '../../lib/random';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('wasm'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ds-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** n images of 4×6 whose pixels encode (image, position), labels i % 3, box i-dependent; image 2's box degenerate. */
function sample(n = 7): Dataset {
  const ds = allocateDataset('sample', ['a', 'b', 'c'], 4, 6, n);
  for (let i = 0; i < ds.images.length; i++) ds.images[i] = (i * 7 + 3) % 256;
  for (let i = 0; i < n; i++) setAnnotation(ds, i, i % 3, i === 2 ? { x0: 3, y0: 1, x1: 3, y1: 0 } : { x0: i % 4, y0: 0, x1: 5, y1: 3 });
  return ds;
}

function expectSame(a: Dataset, b: Dataset) {
  expect({ ...b, images: null, labels: null, boxes: null, degenerate: null }).toEqual({ ...a, images: null, labels: null, boxes: null, degenerate: null });
  expect(Buffer.from(b.images).equals(Buffer.from(a.images))).toBe(true);
  expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
  expect(Array.from(b.boxes)).toEqual(Array.from(a.boxes));
  expect(Array.from(b.degenerate)).toEqual(Array.from(a.degenerate));
}

describe('data set files', () => {
  it('round trip keeps every array, the names and the degenerate flags', () => {
    const ds = sample();
    expect(Array.from(ds.degenerate)).toEqual([0, 0, 1, 0, 0, 0, 0]);
    const file = path.join(dir, 'sub', 'train.bin');
    const bytes = saveDataset(file, ds);
    expect(fs.statSync(file).size).toBe(bytes);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['train.bin']); // no temp file left behind
    expectSame(ds, loadDataset(file));
    const empty = allocateDataset('empty', ['x'], 8, 8, 0);
    saveDataset(path.join(dir, 'empty.bin'), empty);
    expectSame(empty, loadDataset(path.join(dir, 'empty.bin')));
  });

  it('the same data set gives byte-identical files', () => {
    expect(encodeDataset(sample()).equals(encodeDataset(sample()))).toBe(true);
  });

  it('a truncated file is one clear error naming the file', () => {
    const file = path.join(dir, 'cut.bin');
    const full = encodeDataset(sample());
    fs.writeFileSync(file, full.subarray(0, full.length - 10));
    expect(() => loadDataset(file)).toThrow(`${file}: truncated: expected ${full.length} bytes, found ${full.length - 10}`);
    fs.writeFileSync(file, full.subarray(0, 30));
    expect(() => loadDataset(file)).toThrow(new RegExp(`^${file}: truncated: header needs`));
  });

  it('corruption, wrong magic, wrong version, extra bytes and a missing file are named', () => {
    const file = path.join(dir, 'bad.bin');
    const full = encodeDataset(sample());
    const flipped = Buffer.from(full);
    flipped[flipped.length - 40] ^= 0xff;
    fs.writeFileSync(file, flipped);
    expect(() => loadDataset(file)).toThrow(`${file}: checksum mismatch: the file is corrupt`);
    fs.writeFileSync(file, Buffer.concat([full, Buffer.from([0])]));
    expect(() => loadDataset(file)).toThrow(`${file}: expected ${full.length} bytes, found ${full.length + 1} (trailing data)`);
    fs.writeFileSync(file, Buffer.from('PK\x03\x04 a zip file, not a data set'));
    expect(() => loadDataset(file)).toThrow(`${file}: not a spikelens data set file`);
    fs.writeFileSync(file, Buffer.from(full.toString('latin1').replace('"version":1', '"version":9'), 'latin1'));
    expect(() => loadDataset(file)).toThrow(`${file}: format version 9, this spikelens reads version 1`);
    expect(() => loadDataset(path.join(dir, 'none.bin'))).toThrow(`${path.join(dir, 'none.bin')}: cannot read the data set`);
  });

  it('a label outside the class list is rejected on save and on load', () => {
    const ds = sample();
    ds.labels[1] = 3;
    expect(() => saveDataset(path.join(dir, 'x.bin'), ds)).toThrow('sample: image 1 has label 3, outside 0..2');
  });
});

describe('train and validation sets agree', () => {
  it('loadSplits refuses a validation set with other classes or another image size, naming both files', () => {
    const d = fs.mkdtempSync(path.join(dir, 'splits-'));
    saveDataset(path.join(d, 'train.bin'), sample(6));
    saveDataset(path.join(d, 'val.bin'), sample(3));
    expect(loadSplits(d).val.size).toBe(3);
    const other = allocateDataset('sample', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], 4, 6, 2);
    saveDataset(path.join(d, 'val.bin'), other);
    expect(() => loadSplits(d)).toThrow(`${path.join(d, 'val.bin')}: its classes differ from ${path.join(d, 'train.bin')}'s (3 vs 10 classes); rebuild both with the prepare stage (dvc repro)`);
    const renamed = allocateDataset('sample', ['a', 'x', 'c'], 4, 6, 2);
    expect(() => assertSameClasses(sample(2), 'train.bin', renamed, 'val.bin')).toThrow("val.bin: its classes differ from train.bin's (label 1 is 'b' vs 'x')");
    const bigger = allocateDataset('sample', ['a', 'b', 'c'], 8, 6, 2);
    expect(() => assertSameClasses(sample(2), 'train.bin', bigger, 'val.bin')).toThrow("val.bin: images are 6x8, train.bin's are 6x4");
  });
});

describe('views, batches and tensors', () => {
  it('itemOf, boxOf, subset and classCounts', () => {
    const ds = sample();
    const it5 = itemOf(ds, 5);
    expect(it5.image).toEqual(ds.images.subarray(5 * 72, 6 * 72));
    expect([it5.label, it5.degenerate, it5.box]).toEqual([2, false, { x0: 1, y0: 0, x1: 5, y1: 3 }]);
    expect(itemOf(ds, 2).degenerate).toBe(true);
    expect(() => itemOf(ds, 7)).toThrow('sample: image index 7 out of range 0..6');
    const sub = subset(ds, [5, 2]);
    expect(sub.size).toBe(2);
    expect(Array.from(sub.images.subarray(0, 72))).toEqual(Array.from(it5.image));
    expect([boxOf(sub, 1), sub.degenerate[1]]).toEqual([boxOf(ds, 2), 1]);
    expect(classCounts(ds)).toEqual([3, 2, 2]);
  });

  it('batches cover every image once; seeded shuffles repeat; dropLast drops the short tail', () => {
    const ds = sample(10);
    expect([...batches(ds, 4, null)]).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const a = [...batches(ds, 4, new Rng(1))];
    expect(a.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a).toEqual([...batches(ds, 4, new Rng(1))]);
    expect(a.flat()).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...batches(ds, 4, null, true)].map((b) => b.length)).toEqual([4, 4]);
    expect(() => [...batches(ds, 0, null)]).toThrow('batch size must be a positive integer');
  });

  it('toTensor gives float 0..1 NHWC in index order; labelsTensor int32', () => {
    const ds = sample();
    const x = toTensor(ds, [3, 0]);
    expect(x.shape).toEqual([2, 4, 6, 3]);
    const v = x.dataSync();
    expect(v[0]).toBeCloseTo(ds.images[3 * 72] / 255, 6);
    expect(v[72 + 5]).toBeCloseTo(ds.images[5] / 255, 6);
    const y = labelsTensor(ds, [3, 0, 5]);
    expect([y.dtype, Array.from(y.dataSync())]).toEqual(['int32', [0, 0, 2]]);
    x.dispose(); y.dispose();
    expect(() => toTensor(ds, [9])).toThrow('sample: image index 9 out of range');
  });
});
