/**
 * Batching for faithfulness curves: `deletionCurve` / `insertionCurve` score one image's K+1
 * masked copies at a time, which leaves a model (above all an SNN that runs T steps per call)
 * working on tiny batches. `pooledScores` runs many curves at once and gathers the `score` calls
 * they make into one call of a batch scorer: when every still-running curve is waiting for a
 * score, their images are concatenated, scored together, and each curve gets its slice back.
 *
 * Usage:
 * `const curves = await pooledScores(labels, (images, targets) => probabilities(images, targets),
 *    (score, label, i) => deletionCurve(maps[i], images[i], score, { steps: 8 }));`
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ScoreFn } from './faithfulness';

/** Scores a batch [N, H, W, C] in one go; `tags[r]` is the tag of the curve that asked for row r. */
export type BatchScoreFn<Tag> = (images: tf.Tensor4D, tags: readonly Tag[]) => Promise<Float32Array>;

interface Request<Tag> {
  images: tf.Tensor4D;
  tag: Tag;
  resolve: (scores: Float32Array) => void;
  reject: (e: unknown) => void;
}

/**
 * Runs `run(score, tag, i)` for every tag concurrently; each run's calls of `score` are pooled
 * with the other runs' pending calls into one `scoreAll` call (rows in tag order, each tagged).
 * Resolves with the runs' results in tag order once all have finished; if any run fails, waits
 * for the others (so none is left holding tensors) and rethrows the first error. Does not dispose
 * the images the runs pass to `score` (their owners do, after the score arrives).
 */
export async function pooledScores<Tag, T>(tags: readonly Tag[], scoreAll: BatchScoreFn<Tag>, run: (score: ScoreFn, tag: Tag, i: number) => Promise<T>): Promise<T[]> {
  let active = tags.length;
  let queue: Request<Tag>[] = [];

  // Every running curve is waiting: score them all in one call.
  const flush = (): void => {
    if (queue.length === 0 || queue.length < active) return;
    const batch = queue;
    queue = [];
    void (async () => {
      let all: tf.Tensor4D | undefined;
      try {
        all = batch.length === 1 ? batch[0].images : (tf.concat(batch.map((r) => r.images)) as tf.Tensor4D);
        const rowTags = batch.flatMap((r) => new Array<Tag>(r.images.shape[0]).fill(r.tag));
        const scores = await scoreAll(all, rowTags);
        if (scores.length !== rowTags.length) throw new Error(`pooledScores: the batch scorer returned ${scores.length} scores for ${rowTags.length} images; return one per image`);
        let offset = 0;
        for (const r of batch) {
          const n = r.images.shape[0];
          r.resolve(scores.slice(offset, offset + n));
          offset += n;
        }
      } catch (e) {
        for (const r of batch) r.reject(e);
      } finally {
        if (all && batch.length > 1) all.dispose();
      }
    })();
  };

  const scorer = (tag: Tag): ScoreFn => (images) => new Promise<Float32Array>((resolve, reject) => {
    queue.push({ images, tag, resolve, reject });
    flush();
  });

  const runs = tags.map((tag, i) => Promise.resolve()
    .then(() => run(scorer(tag), tag, i))
    .finally(() => {
      // A finished (or failed) run no longer holds up the others' batch.
      active--;
      flush();
    }));
  const settled = await Promise.allSettled(runs);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
