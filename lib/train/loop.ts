/**
 * The training loop shared by the ANN and the SNN: seeded shuffling, Adam or momentum SGD (both
 * with weight decay), the step schedule, progress lines, per-epoch validation, resumable
 * checkpoints written atomically, and a clear stop on a non-finite loss.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { adam } from './adam';
import { batches, labelsTensor, toTensor, type Dataset } from '../data/dataset';
import type { Rng } from '../random';
import { assignCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { stepLr } from './schedule';

/** Optimiser and schedule settings (params.yaml train_ann / train_snn). */
export interface TrainSettings {
  /** SNN only: see lib/train/calibrate.ts. */
  calibration_images?: number;
  /** Validate every N epochs and always after the last (default 1: every epoch); skipped epochs log no val accuracy. */
  eval_every?: number;
  /** Fractions of `epochs` at which the learning rate is divided by 10 (default the paper's 0.5, 0.7, 0.9). */
  lr_milestones?: number[];
  /** Momentum SGD as in the paper, or Adam (β1 = momentum, β2 = 0.999). */
  optimizer: 'sgd' | 'adam';
  epochs: number;
  batch_size: number;
  lr: number;
  momentum: number;
  weight_decay: number;
}

/** What the loop needs from a model. */
export interface TrainTask {
  /** Short name used in progress lines and errors, e.g. 'train-snn'. */
  name: string;
  /** Variables the optimiser updates. */
  trainable: tf.Variable[];
  /** Every variable to checkpoint (trainable + running statistics), by stable name. */
  variables: Record<string, tf.Variable>;
  /** Mean loss of one batch (0..1 images, int labels) and its logits; called inside the gradient tape. */
  loss(images01: tf.Tensor4D, labels: tf.Tensor1D, batchRng: Rng): { loss: tf.Scalar; logits: tf.Tensor2D };
  /** Validation accuracy in [0, 1]. */
  evaluate(ds: Dataset): Promise<number>;
  /** Called after each optimiser step (e.g. to fold batch statistics into running averages). */
  afterStep?(): void;
}

/** Raised when training cannot go on (e.g. the loss is no longer finite). */
export class TrainingError extends Error {
  override name = 'TrainingError';
}

/** One line per epoch, kept in the metrics. */
export interface EpochLog {
  epoch: number;
  lr: number;
  loss: number;
  train_accuracy: number;
  /** null on epochs without a validation (`eval_every`). */
  val_accuracy: number | null;
  seconds: number;
  images_per_second: number;
}

/** Result of `train`. */
export interface TrainResult {
  epochs: EpochLog[];
  val_accuracy: number;
  seconds: number;
  resumed_from_epoch: number;
}

export interface TrainOptions {
  settings: TrainSettings;
  train: Dataset;
  val: Dataset;
  rng: Rng;
  /** Final checkpoint path; `<checkpoint>.partial` holds the state after each finished epoch. */
  checkpoint: string;
  /** Extra metadata stored in the checkpoint (params, arch…). */
  meta: Record<string, unknown>;
  /** Where progress goes (default: stderr). */
  log?: (line: string) => void;
  /** Seconds between progress lines within an epoch (default 15). */
  progressEvery?: number;
}

/** What a partial checkpoint must share with the run that resumes it. */
interface ResumeKey {
  settings: TrainSettings;
  meta: Record<string, unknown>;
  seed: number;
  train_size: number;
  variables: string[];
}

interface PartialMeta {
  epoch: number;
  epochs: EpochLog[];
  seconds: number;
  opt: string[];
  resume_key?: ResumeKey;
}

/** Leaf-by-leaf differences `path: stored → now` between two JSON values. */
export function differences(stored: unknown, now: unknown, at = ''): string[] {
  const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v));
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(stored) && isObj(now)) {
    const keys = [...new Set([...Object.keys(stored), ...Object.keys(now)])].sort();
    return keys.flatMap((k) => differences(stored[k], now[k], at ? `${at}.${k}` : k));
  }
  return JSON.stringify(stored) === JSON.stringify(now) ? [] : [`${at || 'value'}: ${show(stored)} → ${show(now)}`];
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

/** Trains `task`, resuming from `<checkpoint>.partial` when it exists and matches. */
export async function train(task: TrainTask, o: TrainOptions): Promise<TrainResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const s = o.settings;
  const partial = `${o.checkpoint}.partial`;
  const opt = s.optimizer === 'adam' ? adam(s.lr, s.momentum, 0.999, 1e-8) : tf.train.momentum(s.lr, s.momentum);
  // MomentumOptimizer caches −lr in a tensor (setLearningRate); Adam reads its field each step.
  const setLr = (lr: number) => {
    const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
    if (s.optimizer === 'sgd' && o.setLearningRate) o.setLearningRate(lr);
    else o.learningRate = lr;
  };
  const epochs: EpochLog[] = [];
  let start = 0;
  let seconds = 0;
  // Everything the weights depend on besides the code: a partial is resumed only under the same.
  const settingsKey: ResumeKey = { settings: { ...s }, meta: o.meta, seed: o.rng.seed, train_size: o.train.size, variables: Object.keys(task.variables).sort() };
  if (fs.existsSync(partial)) {
    const hint = `delete it to start this training over (rm ${partial})`;
    let ck: ReturnType<typeof loadCheckpoint<PartialMeta>>;
    try {
      ck = loadCheckpoint<PartialMeta>(partial);
    } catch (e) {
      throw new TrainingError(`${e instanceof Error ? e.message : String(e)}; it is the saved state of an interrupted run: ${hint}`);
    }
    const m = ck.meta;
    if (!m || typeof m.epoch !== 'number' || !Array.isArray(m.opt) || !Array.isArray(m.epochs) || !m.resume_key) {
      throw new TrainingError(`${partial}: not a resumable partial checkpoint (no epoch, optimiser state or settings in it; a final checkpoint copied here?): ${hint}`);
    }
    const diffs = differences(m.resume_key, settingsKey);
    if (diffs.length) {
      throw new TrainingError(`${partial}: written under other settings than this run's (${diffs.slice(0, 6).join('; ')}${diffs.length > 6 ? `; and ${diffs.length - 6} more` : ''}); ${hint}, or restore those settings to resume it`);
    }
    if (m.epoch + 1 > s.epochs) throw new TrainingError(`${partial}: already past epoch ${m.epoch + 1} of ${s.epochs}: ${hint}`);
    assignCheckpoint(task.variables, ck, partial);
    // Optimiser slots are stored as `opt/<stable name>#<slot>`; tfjs keys them by process-local
    // variable names as `<name>/<slot>`.
    const slots = m.opt.map((key) => {
      const [stable, slot] = key.split('#');
      const local = slot === undefined ? stable : `${task.variables[stable].name}/${slot}`;
      return { name: local, tensor: tf.tensor(ck.tensors[`opt/${key}`].data, ck.tensors[`opt/${key}`].shape, slot === undefined ? 'int32' : 'float32') };
    });
    await opt.setWeights(slots);
    start = m.epoch + 1;
    epochs.push(...m.epochs);
    seconds = m.seconds;
    log(`${task.name}: resuming after epoch ${start}/${s.epochs} from ${partial}`);
  }
  const perEpoch = Math.ceil(o.train.size / s.batch_size);
  for (let epoch = start; epoch < s.epochs; epoch++) {
    const lr = stepLr(s.lr, epoch, s.epochs, s.lr_milestones);
    setLr(lr);
    const t0 = performance.now();
    let lossSum = 0, correct = 0, seen = 0, batchNo = 0, lastLog = t0;
    const epochRng = o.rng.fork(`epoch${epoch}`);
    for (const idx of batches(o.train, s.batch_size, epochRng.fork('shuffle'))) {
      const batchRng = epochRng.fork(`batch${batchNo}`);
      const x = toTensor(o.train, idx);
      const y = labelsTensor(o.train, idx);
      let logits: tf.Tensor2D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const r = task.loss(x, y, batchRng);
        logits = tf.keep(r.logits);
        return r.loss;
      }, task.trainable);
      const loss = (await value.data())[0];
      if (!Number.isFinite(loss)) {
        tf.dispose([x, y, value, logits as tf.Tensor, ...Object.values(grads)]);
        throw new TrainingError(`${task.name}: the loss became ${loss} at epoch ${epoch + 1}, batch ${batchNo + 1} (lr ${lr}); lower the learning rate in params.yaml`);
      }
      tf.tidy(() => {
        // PyTorch-style L2 weight decay: g ← g + wd·w, then momentum SGD.
        const decayed: Record<string, tf.Tensor> = {};
        for (const v of task.trainable) decayed[v.name] = s.weight_decay > 0 ? tf.add(grads[v.name], tf.mul(v, s.weight_decay)) : grads[v.name];
        opt.applyGradients(decayed as unknown as Parameters<typeof opt.applyGradients>[0]);
      });
      task.afterStep?.();
      const pred = tf.tidy(() => tf.argMax(logits as tf.Tensor2D, 1));
      const p = await pred.data();
      const yv = await y.data();
      for (let i = 0; i < p.length; i++) if (p[i] === yv[i]) correct++;
      lossSum += loss * idx.length;
      seen += idx.length;
      tf.dispose([x, y, value, logits as tf.Tensor, pred, ...Object.values(grads)]);
      batchNo++;
      const now = performance.now();
      if (now - lastLog > (o.progressEvery ?? 15) * 1000) {
        lastLog = now;
        const rate = seen / ((now - t0) / 1000);
        const left = (o.train.size - seen) / rate + (s.epochs - epoch - 1) * (o.train.size / rate);
        log(`${task.name}: epoch ${epoch + 1}/${s.epochs} batch ${batchNo}/${perEpoch} loss ${(lossSum / seen).toFixed(4)} acc ${((100 * correct) / seen).toFixed(1)}% ${rate.toFixed(1)} img/s ETA ${fmtTime(left)}`);
      }
    }
    const every = s.eval_every ?? 1;
    const valAcc = (epoch + 1) % every === 0 || epoch + 1 === s.epochs ? await task.evaluate(o.val) : null;
    const secs = (performance.now() - t0) / 1000;
    seconds += secs;
    const entry: EpochLog = { epoch: epoch + 1, lr, loss: lossSum / seen, train_accuracy: correct / seen, val_accuracy: valAcc, seconds: secs, images_per_second: seen / secs };
    epochs.push(entry);
    log(`${task.name}: epoch ${epoch + 1}/${s.epochs} done: loss ${entry.loss.toFixed(4)} train ${(100 * entry.train_accuracy).toFixed(1)}% val ${valAcc === null ? '—' : `${(100 * valAcc).toFixed(1)}%`} lr ${lr} (${fmtTime(secs)}, ${entry.images_per_second.toFixed(1)} img/s)`);
    // Resumable state after every epoch: variables + optimiser accumulators.
    const stableOf = new Map(Object.entries(task.variables).map(([stable, v]) => [v.name, stable]));
    const optWeights = (await opt.getWeights()).map((w) => {
      const cut = w.name.lastIndexOf('/');
      const stable = cut > 0 ? stableOf.get(w.name.slice(0, cut)) : undefined;
      return { name: stable ? `${stable}#${w.name.slice(cut + 1)}` : w.name, tensor: w.tensor };
    });
    const tensors: Record<string, tf.Tensor> = { ...task.variables };
    for (const w of optWeights) tensors[`opt/${w.name}`] = w.tensor;
    await saveCheckpoint(partial, tensors, { ...o.meta, epoch, epochs, seconds, opt: optWeights.map((w) => w.name), resume_key: settingsKey });
  }
  // The final checkpoint records what made it too (covered by the checksum with the rest of the header).
  await saveCheckpoint(o.checkpoint, task.variables, { ...o.meta, epochs, seconds, training: settingsKey });
  fs.rmSync(partial, { force: true });
  opt.dispose();
  const last = epochs[epochs.length - 1];
  return { epochs, val_accuracy: last?.val_accuracy ?? 0, seconds, resumed_from_epoch: start };
}
