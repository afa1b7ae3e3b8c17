/**
 * What every figure notebook starts from: params, the backend, the validation images, and the
 * three trained models (ANN, surrogate SNN, converted SNN) loaded from their checkpoints.
 */
import * as path from 'path';
import { initBackend, type BackendInfo } from '../backend';
import { loadDataset, type Dataset } from '../data/dataset';
import type { EncoderVariant } from '../data/encode';
import type { AnnVgg } from '../ann/vgg11';
import { loadAnn, loadSnn } from '../model/store';
import { loadParams, type Params } from '../params';
import { Rng } from '../random';
import type { SpikingVgg } from '../snn/network';
import { rgbImage, type RgbImage } from '../plot/heatmap';

/** A trained spiking network with the number of steps it runs for. */
export interface SpikingModel {
  /** 'surrogate' (BNTT, BPTT) or 'conversion' (threshold-balanced ANN). */
  method: 'surrogate' | 'conversion';
  net: SpikingVgg;
  timesteps: number;
}

/** Everything a figure needs; `dispose()` frees the models. */
export interface FigureContext {
  params: Params;
  backend: BackendInfo;
  val: Dataset;
  /** Validation images the figure evaluates (the first `explain.images`). */
  indices: number[];
  ann: AnnVgg;
  snns: SpikingModel[];
  variant: EncoderVariant;
  classNames: string[];
  /** The figure's own random stream (forked from the params seed and the figure name). */
  rng: Rng;
  dispose(): void;
}

/** Paths of the pipeline's inputs (defaults: the dvc.yaml layout). */
export interface ContextPaths {
  params?: string;
  data?: string;
  checkpoints?: string;
}

/** Loads params, starts the backend they ask for, and loads data and models for figure `name`. */
export async function loadFigureContext(name: string, paths: ContextPaths = {}): Promise<FigureContext> {
  const params = loadParams(paths.params ?? 'params.yaml');
  const backend = await initBackend({ prefer: process.env.SPIKELENS_BACKEND ? undefined : params.backend, log: false });
  const data = paths.data ?? 'data/prepared';
  const ck = paths.checkpoints ?? 'data/checkpoints';
  const val = loadDataset(path.join(data, 'val.bin'));
  const ann = loadAnn(path.join(ck, 'ann.ckpt')).model;
  const snn = loadSnn(path.join(ck, 'snn.ckpt'));
  const converted = loadSnn(path.join(ck, 'converted.ckpt'));
  const count = Math.min(params.explain.images, val.size);
  return {
    params, backend, val,
    indices: Array.from({ length: count }, (_, i) => i),
    ann,
    snns: [
      { method: 'surrogate', net: snn.model, timesteps: params.snn.timesteps },
      { method: 'conversion', net: converted.model, timesteps: params.convert.timesteps },
    ],
    variant: params.encode.variant,
    classNames: val.classNames,
    rng: new Rng(params.seed).fork(`figure/${name}`),
    dispose() {
      ann.dispose();
      snn.model.dispose();
      converted.model.dispose();
    },
  };
}

/** `indices` in consecutive batches of at most `size`. */
export function chunks(indices: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < indices.length; i += size) out.push(indices.slice(i, i + size));
  return out;
}

/** Image `i` of a data set as an RgbImage (a view of its bytes), for overlays and grids. */
export function inputImage(ds: Dataset, i: number): RgbImage {
  const n = ds.height * ds.width * 3;
  return rgbImage(ds.images.subarray(i * n, (i + 1) * n), ds.height, ds.width, 3);
}
