/**
 * What every figure notebook starts from: params, the backend, the validation images, and the
 * trained models loaded from their checkpoints: the ANN and the SNNs, the paper's two (surrogate
 * LIF, converted) and, in the figures `second_snn.figures` lists, a second surrogate SNN with
 * another neuron (`second_snn`, e.g. ALIF).
 */
import * as path from 'path';
import { initBackend, type BackendInfo } from '../backend';
import { assertSameClasses, loadDataset, type Dataset } from '../data/dataset';
import { describeEncoder, encoderVariant, sameEncoder, type EncoderSpec } from '../data/encode';
import { encoderFromMeta } from '../data/normalisation';
import type { AnnVgg } from '../ann/vgg11';
import { loadAnn, loadSnn, type ModelMeta } from '../train/store';
import { loadParams, type Params } from '../params';
import { Rng } from '../random';
import type { SpikingVgg } from '../snn/network';
import { rgbImage, type RgbImage } from '../plot/heatmap';

/** A trained spiking network with the number of steps it runs for. */
export interface SpikingModel {
  /**
   * Its name in metrics, rows and charts: 'surrogate' (BNTT, BPTT, LIF) and 'conversion'
   * (threshold-balanced ANN) are the paper's two; a further surrogate SNN is named for its neuron
   * ('surrogate-alif'). Random streams are forked by it, so adding a model changes no other's numbers.
   */
  method: string;
  /** How it was made; absent means `method` ('surrogate' or 'conversion'). */
  training?: Training;
  net: SpikingVgg;
  timesteps: number;
}

/** How an SNN was obtained: BPTT with a surrogate gradient, or conversion from the ANN. */
export type Training = 'surrogate' | 'conversion';

/** The paper's two SNNs by name: its claims are about these; other models get numbers and charts, no verdicts. */
export const PAPER_MODELS: readonly string[] = ['surrogate', 'conversion'];

/** How `m` was made (`training`, else its name when that is one of the paper's two). */
export function trainingOf(m: SpikingModel): Training {
  if (m.training) return m.training;
  if (m.method === 'surrogate' || m.method === 'conversion') return m.method;
  throw new Error(`SpikingModel '${m.method}': say how it was trained (training: 'surrogate' | 'conversion')`);
}

/** Names of the surrogate-trained SNNs: the default of the figures' gradient explanations (BPTT over a converted net's 300 steps costs minutes). */
export function surrogateTrained(snns: readonly SpikingModel[]): string[] {
  return snns.filter((m) => trainingOf(m) === 'surrogate').map((m) => m.method);
}

/** Chart order of the models: the paper's two first, then the others as given. */
export function modelOrder(snns: readonly SpikingModel[]): string[] {
  return [...PAPER_MODELS.filter((n) => snns.some((m) => m.method === n)), ...snns.map((m) => m.method).filter((n) => !PAPER_MODELS.includes(n))];
}

/** A model's name in a grid's row labels: 'surr.', 'conv.', 'surr.-alif'. */
export function modelShortName(name: string): string {
  return name === 'conversion' ? 'conv.' : name.replace(/^surrogate/, 'surr.');
}

/** Tag of a model in grid headers: A(NN), S(urrogate), C(onversion), else S-<neuron> ('S-alif' for surrogate-alif). */
export function modelTag(name: string): string {
  if (name === 'ann') return 'A';
  if (name === 'surrogate') return 'S';
  if (name === 'conversion') return 'C';
  const rest = name.replace(/^surrogate-/, '');
  return `S-${rest}`;
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
  variant: EncoderSpec;
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
  const valFile = path.join(data, 'val.bin');
  const val = loadDataset(valFile);
  const annFile = path.join(ck, 'ann.ckpt'), snnFile = path.join(ck, 'snn.ckpt'), convFile = path.join(ck, 'converted.ckpt'), snn2File = path.join(ck, 'snn2.ckpt');
  const annLoaded = loadAnn(annFile);
  const ann = annLoaded.model;
  const snn = loadSnn(snnFile);
  const converted = loadSnn(convFile);
  const snn2 = loadSnn(snn2File);
  const metas: CheckpointModel[] = [[annFile, annLoaded.meta], [snnFile, snn.meta], [convFile, converted.meta], [snn2File, snn2.meta, 'second_snn.timesteps']];
  const settings = checkpointSettings(name, params, metas);
  for (const [file, meta] of metas) {
    const size = meta.image_size ?? [val.height, val.width];
    if (meta.classNames) assertSameClasses({ classNames: meta.classNames, height: size[0], width: size[1] }, file, val, valFile);
  }
  const count = Math.min(params.explain.images, val.size);
  return {
    params, backend, val,
    indices: Array.from({ length: count }, (_, i) => i),
    ann,
    snns: [
      { method: 'surrogate', net: snn.model, timesteps: settings.timesteps.get(snnFile) ?? params.snn.timesteps },
      { method: 'conversion', net: converted.model, timesteps: settings.timesteps.get(convFile) ?? params.convert.timesteps },
      // The second surrogate SNN, in the figures `second_snn.figures` lists.
      ...((params.second_snn.figures as readonly string[]).includes(name)
        ? [{ method: `surrogate-${snn2.model.config.neuron?.kind ?? 'lif'}`, training: 'surrogate' as const, net: snn2.model, timesteps: settings.timesteps.get(snn2File) ?? params.second_snn.timesteps }]
        : []),
    ],
    variant: settings.encoder,
    classNames: val.classNames,
    rng: figureRng(params.seed, name),
    dispose() {
      ann.dispose();
      snn.model.dispose();
      converted.model.dispose();
      snn2.model.dispose();
    },
  };
}

/** Figure `name`'s own random stream for a run with `seed` (its encoder streams fork from it). */
export function figureRng(seed: number, name: string): Rng {
  return new Rng(seed).fork(`figure/${name}`);
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

/** A checkpoint, its metadata and, when not the default for its kind (snn.timesteps / convert.timesteps), the params key its T is asked under. */
export type CheckpointModel = [file: string, meta: ModelMeta, timestepsKey?: 'snn.timesteps' | 'second_snn.timesteps' | 'convert.timesteps'];

/**
 * The encoder and T each model was trained with, read from its checkpoint; where params.yaml asks
 * for something else the checkpoint wins and a note says so (running a T = 8 network at T = 4, or
 * feeding `rate` spikes to a `signed`-trained network, would quietly measure another model).
 * Models trained on different encoders cannot be compared: that is an error naming the files.
 */
export function checkpointSettings(figure: string, params: Params, models: readonly CheckpointModel[]): { encoder: EncoderSpec; timesteps: Map<string, number> } {
  const encoders = new Map<string, EncoderSpec>();
  for (const [file, meta] of models) {
    const spec = encoderFromMeta(meta, file);
    if (spec) encoders.set(file, spec);
  }
  const specs = [...encoders.values()];
  if (specs.some((s) => !sameEncoder(s, specs[0]))) throw new Error(`${figure}: the models were trained on different spike encoders (${[...encoders].map(([f, e]) => `${f}: ${describeEncoder(e)}`).join(', ')}); rerun the pipeline (dvc repro)`);
  const encoder = specs[0] ?? params.encode.variant;
  if (encoderVariant(encoder) !== params.encode.variant) console.error(`${figure}: note: params.yaml says encode.variant = ${params.encode.variant}, the checkpoints were trained on ${describeEncoder(encoder)}; using that`);
  const timesteps = new Map<string, number>();
  for (const [file, meta, asKey] of models) {
    const T = meta.snn?.timesteps;
    if (typeof T !== 'number') continue;
    timesteps.set(file, T);
    const key = asKey ?? (meta.kind === 'snn-converted' ? 'convert.timesteps' : 'snn.timesteps');
    const asked = key === 'convert.timesteps' ? params.convert.timesteps : key === 'second_snn.timesteps' ? params.second_snn.timesteps : params.snn.timesteps;
    if (asked !== T) console.error(`${figure}: note: params.yaml says ${key} = ${asked}, ${file} was made with T = ${T}; running it at T = ${T}`);
  }
  return { encoder, timesteps };
}

/** Progress of a chunked figure loop: `done(k, detail)` prints chunk k+1/total, its seconds and the ETA of the rest. */
export interface ChunkProgress {
  done(k: number, detail: string): void;
}

/** One progress line per chunk on stderr (`name: label chunk k/n (detail) 3.1 s, ETA 42 s`), timed from the previous line. */
export function chunkProgress(name: string, total: number, label = ''): ChunkProgress {
  const t0 = Date.now();
  let last = t0;
  return {
    done(k: number, detail: string) {
      const now = Date.now();
      const left = total - k - 1;
      const eta = left > 0 ? `, ETA ${Math.round(((now - t0) / (k + 1)) * left / 1000)} s` : '';
      console.error(`${name}: ${label ? `${label} ` : ''}chunk ${k + 1}/${total} (${detail}) ${((now - last) / 1000).toFixed(1)} s${eta}`);
      last = now;
    },
  };
}
