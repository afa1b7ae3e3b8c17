/**
 * The statistics the `signed` encoder normalises pixels with. The authors normalise with their
 * data set's per-channel mean and std (ImageNet's, for Tiny-ImageNet); on another data set,
 * ImageNet's statistics put its typical pixel far from 0. On mnist-scenes they map the black
 * background (x = 0) to −2.1 std, a saturated stream of −1 spikes on every step, the loudest input
 * in the scene; the training set's own statistics map it to −0.46 (−1 spikes on 23 % of steps).
 */
import type { Dataset } from './dataset';
import { describeEncoder, sameEncoder, type EncoderSpec, type EncoderVariant, type InputNormalisation } from './encode';

/** Where the `signed` encoder's statistics come from: the training set's own, or ImageNet's. */
export type NormalisationSource = 'dataset' | 'imagenet';
export const NORMALISATION_SOURCES: readonly NormalisationSource[] = ['dataset', 'imagenet'];

/** Rounds to 6 significant digits: statistics that print and compare cleanly in checkpoint metadata. */
const round6 = (v: number): number => Number(v.toPrecision(6));

/** Per-channel mean and (population) std of a data set's pixels on the 0..1 scale. */
export function datasetNormalisation(ds: Dataset): InputNormalisation {
  const n = ds.size * ds.height * ds.width;
  if (n === 0) throw new Error(`${ds.name}: cannot take pixel statistics of an empty data set`);
  const sum = [0, 0, 0], sq = [0, 0, 0];
  const px = ds.images;
  for (let i = 0; i < n * 3; i += 3) {
    for (let c = 0; c < 3; c++) {
      const v = px[i + c];
      sum[c] += v;
      sq[c] += v * v;
    }
  }
  const mean = sum.map((s) => s / n / 255);
  const std = sq.map((q, c) => Math.sqrt(Math.max(q / n / (255 * 255) - mean[c] * mean[c], 0)));
  if (!std.every((s) => s > 0)) throw new Error(`${ds.name}: a colour channel is constant (std 0); the signed encoder cannot normalise it (use encode.normalisation: imagenet)`);
  return { mean: mean.map(round6) as [number, number, number], std: std.map(round6) as [number, number, number] };
}

/** The encoder the params ask for: `rate`, or `signed` with the training set's or ImageNet's statistics. */
export function encoderSpecFor(variant: EncoderVariant, source: NormalisationSource, trainSet: Dataset): EncoderSpec {
  if (variant === 'rate') return 'rate';
  return source === 'imagenet' ? 'signed' : { variant: 'signed', normalisation: datasetNormalisation(trainSet) };
}

/** The checkpoint metadata that records an encoder: `encoder` (the variant) and, when not ImageNet's, `input_normalisation`. */
export function encoderMeta(spec: EncoderSpec): { encoder: EncoderVariant; input_normalisation?: InputNormalisation } {
  if (typeof spec === 'string') return { encoder: spec };
  return { encoder: spec.variant, input_normalisation: spec.normalisation };
}

/**
 * The encoder recorded in checkpoint metadata (`encoderMeta`'s fields), or null where it records
 * none; malformed fields are an error naming `file`.
 */
export function encoderFromMeta(meta: { readonly [key: string]: unknown }, file: string): EncoderSpec | null {
  if (meta.encoder === undefined) return null;
  if (meta.encoder !== 'rate' && meta.encoder !== 'signed') throw new Error(`${file}: metadata 'encoder' is ${JSON.stringify(meta.encoder)}, expected 'signed' or 'rate'`);
  const norm = meta.input_normalisation;
  if (norm === undefined) return meta.encoder;
  const ok = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  const n = norm as { mean?: unknown; std?: unknown };
  if (meta.encoder !== 'signed' || typeof norm !== 'object' || norm === null || !ok(n.mean) || !ok(n.std) || !n.std.every((s) => s > 0)) {
    throw new Error(`${file}: metadata 'input_normalisation' is ${JSON.stringify(norm)}, expected { mean: [3 numbers], std: [3 numbers > 0] } on a 'signed' encoder`);
  }
  return { variant: 'signed', normalisation: { mean: n.mean, std: n.std } };
}

/**
 * Refuses a checkpoint trained on another encoder than `wanted` (what params.yaml asks for): one
 * error naming `file` and the stage to rerun. A checkpoint that records no encoder passes.
 */
export function assertTrainedOn(meta: { readonly [key: string]: unknown }, file: string, wanted: EncoderSpec, rerun: string): void {
  const trainedOn = encoderFromMeta(meta, file);
  if (trainedOn && !sameEncoder(trainedOn, wanted)) throw new Error(`${file}: trained on ${describeEncoder(trainedOn)} input, params.yaml asks for ${describeEncoder(wanted)}; rerun ${rerun} (dvc repro)`);
}
