/**
 * Two-image composites for the multi-object experiment (paper Fig. 6c): two images side by side
 * (H × 2W) or stacked (2H × W), keeping both labels and both boxes in the composite's
 * coordinates. The SNN accepts any multiple-of-16 size, so 64×128 and 128×64 run as they are.
 */
import { itemOf, pixelsToTensor, type Box, type Dataset, type ImageItem } from './dataset';
import type * as tf from '@tensorflow/tfjs-core';

/** `side-by-side`: first image left, second right; `stacked`: first on top (paper Fig. 6c, the figure's layout). */
export type CompositeLayout = 'side-by-side' | 'stacked';

/** Two images in one, with what each part holds. */
export interface Composite {
  /** height·width·3 bytes, RGB. */
  image: Uint8Array;
  height: number;
  width: number;
  layout: CompositeLayout;
  /** Labels of the first and second image. */
  labels: [number, number];
  /** Their boxes, shifted into the composite. */
  boxes: [Box, Box];
  degenerate: [boolean, boolean];
}

/** Places `a` and `b` next to each other; side by side needs equal heights, stacked equal widths. */
export function composeItems(a: ImageItem, b: ImageItem, layout: CompositeLayout): Composite {
  const side = layout === 'side-by-side';
  if (side ? a.height !== b.height : a.width !== b.width) {
    throw new RangeError(`compose ${layout}: images of ${a.height}×${a.width} and ${b.height}×${b.width} do not line up`);
  }
  const height = side ? a.height : a.height + b.height;
  const width = side ? a.width + b.width : a.width;
  const image = new Uint8Array(height * width * 3);
  const [dx, dy] = side ? [a.width, 0] : [0, a.height];
  const blit = (it: ImageItem, ox: number, oy: number) => {
    for (let y = 0; y < it.height; y++) image.set(it.image.subarray(y * it.width * 3, (y + 1) * it.width * 3), ((oy + y) * width + ox) * 3);
  };
  blit(a, 0, 0);
  blit(b, dx, dy);
  const shifted: Box = { x0: b.box.x0 + dx, y0: b.box.y0 + dy, x1: b.box.x1 + dx, y1: b.box.y1 + dy };
  return { image, height, width, layout, labels: [a.label, b.label], boxes: [{ ...a.box }, shifted], degenerate: [a.degenerate, b.degenerate] };
}

/** Composes images `i` and `j` of a data set. */
export function composePair(ds: Dataset, i: number, j: number, layout: CompositeLayout): Composite {
  return composeItems(itemOf(ds, i), itemOf(ds, j), layout);
}

/** Composites of one size as a float 0..1 tensor [N, H, W, 3] (caller disposes). */
export function compositesToTensor(list: Composite[]): tf.Tensor4D {
  if (!list.length) throw new RangeError('compositesToTensor: no composites');
  const { height, width } = list[0];
  if (list.some((c) => c.height !== height || c.width !== width)) throw new RangeError('compositesToTensor: composites differ in size');
  const px = new Uint8Array(list.length * height * width * 3);
  list.forEach((c, k) => px.set(c.image, k * c.image.length));
  return pixelsToTensor(px, list.length, height, width);
}
