/**
 * Builds the data set that params.yaml's `data` section describes, one split at a time:
 * a built-in scene set, or a local Tiny-ImageNet folder cut to `classes` and the split sizes.
 * The prepare stage calls this; notebooks and tests can too.
 */
import type { Params } from '../params';
import { Rng } from '../random';
import { subset, type Dataset, type DataSplit } from './dataset';
import { buildScenes, sceneClassNames } from './scenes';
import { readTinyImageNet, readTinyImageNetClasses } from './tiny-imagenet';

/** Builds one split; `onProgress` hears (done, total) now and then. Errors name the params key or file at fault. */
export function buildSplit(data: Params['data'], seed: number, split: DataSplit, onProgress?: (done: number, total: number) => void): Dataset {
  const rng = new Rng(seed).fork('data').fork(split);
  const size = split === 'train' ? data.train_size : data.val_size;
  if (data.source === 'tiny-imagenet') {
    const { wnids } = readTinyImageNetClasses(data.tiny_imagenet_dir);
    if (data.classes > wnids.length) throw new Error(`data.classes: ${data.classes} exceeds the ${wnids.length} classes in ${data.tiny_imagenet_dir}`);
    const nClasses = data.classes || wnids.length;
    // Read a balanced superset (ceil per class), then draw exactly `size` of it, in read order.
    const ds = readTinyImageNet(data.tiny_imagenet_dir, split, { classes: nClasses, limit: size ? Math.ceil(size / nClasses) : 0, onProgress });
    if (ds.height !== data.image_size || ds.width !== data.image_size) {
      throw new Error(`data.image_size: ${data.image_size}, but the Tiny-ImageNet images are ${ds.height}×${ds.width}`);
    }
    if (!size || ds.size <= size) return ds;
    return subset(ds, rng.permutation(ds.size).slice(0, size).sort((a, b) => a - b));
  }
  const available = sceneClassNames(data.source).length;
  if (data.classes > available) throw new Error(`data.classes: ${data.classes} exceeds the ${available} classes of ${data.source}`);
  return buildScenes(data.source, {
    split, size, classes: data.classes, imageSize: data.image_size,
    scaleMin: data.scenes.scale_min, scaleMax: data.scenes.scale_max, clutter: data.scenes.clutter, noise: data.scenes.noise,
    rng, onProgress,
  });
}
