/**
 * Loading trained models from their checkpoints: the checkpoint's metadata carries the
 * architecture and neuron settings, so `loadAnn` / `loadSnn` need only the file.
 */
import { AnnVgg } from '../ann/vgg11';
import { SpikingVgg, zeroBiases, type SpikingVggConfig } from '../snn/network';
import { Rng } from '../random';
import { assignCheckpoint, loadCheckpoint } from './checkpoint';
import type { VggArch } from '../model/vgg';

/** Metadata every model checkpoint carries. */
export interface ModelMeta {
  kind: 'ann' | 'snn-surrogate' | 'snn-converted';
  arch: VggArch;
  /** Spiking networks only. */
  snn?: SpikingVggConfig;
  /** Names of the classes, in label order. */
  classNames?: string[];
  /** [height, width] of the images it was trained on. */
  image_size?: [number, number];
  /** ANN: whether the weights carry biases (a folded batch norm). */
  biases?: boolean;
  [extra: string]: unknown;
}

function metaOf(file: string, want: ModelMeta['kind'][]) {
  const ck = loadCheckpoint<ModelMeta>(file);
  if ('resume_key' in ck.meta || file.endsWith('.partial')) {
    throw new Error(`${file}: the saved state of an unfinished training run, not a trained model; use the final checkpoint (without .partial), or finish the training (rerun its stage) first`);
  }
  if (!want.includes(ck.meta.kind)) throw new Error(`${file}: holds a '${ck.meta.kind}' model, expected ${want.join(' or ')}`);
  return ck;
}

/** The ANN stored in `file`. */
export function loadAnn(file: string): { model: AnnVgg; meta: ModelMeta } {
  const ck = metaOf(file, ['ann']);
  const ann = AnnVgg.create(ck.meta.arch, new Rng(0), { batchNorm: false });
  if (ck.meta.biases) ann.weights.biases = zeroBiases(ck.meta.arch);
  assignCheckpoint(ann.namedVariables(), ck, file);
  return { model: ann, meta: ck.meta };
}

/** The spiking network (surrogate-trained or converted) stored in `file`. */
export function loadSnn(file: string): { model: SpikingVgg; meta: ModelMeta } {
  const ck = metaOf(file, ['snn-surrogate', 'snn-converted']);
  if (!ck.meta.snn) throw new Error(`${file}: spiking checkpoint without its 'snn' settings`);
  const net = SpikingVgg.create(ck.meta.snn, new Rng(0));
  assignCheckpoint(net.namedVariables(), ck, file);
  return { model: net, meta: ck.meta };
}
