/**
 * A tiny synthetic data set for model tests: 32×32 images of one bright square in a
 * class-specific quadrant (4 classes) on dim noise, with its box. Learnable in a few steps.
 */
import { allocateDataset, setAnnotation, type Dataset } from '../../lib/data/dataset';
import { Rng } from '../../lib/random';

export function toyDataset(size: number, seed: number, side = 32): Dataset {
  const ds = allocateDataset('toy', ['top-left', 'top-right', 'bottom-left', 'bottom-right'], side, side, size);
  const rng = new Rng(seed);
  const half = side / 2;
  for (let i = 0; i < size; i++) {
    const label = i % 4;
    const sq = Math.round(side * 0.3);
    const x0 = (label % 2) * half + rng.int(0, half - sq);
    const y0 = Math.floor(label / 2) * half + rng.int(0, half - sq);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const inside = x >= x0 && x < x0 + sq && y >= y0 && y < y0 + sq;
        const v = inside ? 230 + rng.int(0, 25) : rng.int(0, 40);
        for (let c = 0; c < 3; c++) ds.images[((i * side + y) * side + x) * 3 + c] = v;
      }
    }
    setAnnotation(ds, i, label, { x0, y0, x1: x0 + sq - 1, y1: y0 + sq - 1 });
  }
  return ds;
}
