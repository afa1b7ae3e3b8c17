/**
 * Fused-kernel speed: each fused native kernel against what it replaced, in one process,
 * interleaved → bench/results/kernels.json. Both sides must give the same bits (checked here on
 * every workload; the tests check it on small shapes).
 *
 * Workloads (the default profile's shapes):
 * - poisson_train: the signed Poisson encoder's frames for one training batch, 64 images of
 *   64×64×3, k = 20 steps; four generators side by side per thread (`lanes` 4) against one
 *   (`lanes` 1, the kernel before 2026-12-01);
 * - poisson_converted: the same for 8 images and k = 300 (a converted-net batch in figure 05);
 * - avgpool_grad: the gradient of 2×2 average pooling of conv1's spikes for a T = 20 batch of 64
 *   ([1280, 64, 64, 8]); the fused kernel against TensorFlow's AvgPoolGrad;
 * - bias_add: a converted net's conv1 current plus its per-channel bias, 300 steps of 4 images
 *   ([1200, 64, 64, 8]); the fused kernel against tfjs's broadcasting add;
 * - bntt_eval: BNTT in evaluation mode on conv1's current, T = 20 steps of 64 images
 *   ([1280, 64, 64, 8]); x·a_t − b_t in one kernel against tfjs's broadcasting multiply and subtract.
 * Medians in ms per call over `--reps` alternating samples, and their ratio (old ÷ new).
 * Usage: npx tsx bench/kernels.ts [--reps 7]
 */
import * as crypto from 'crypto';
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend';
import { nativeKernels } from '../lib/kernels/native';
import { writeJsonAtomic } from '../lib/io/atomic';
import { Rng } from '../lib/random';
import { spikelensSource } from './source';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const digest = (t: tf.Tensor) => crypto.createHash('sha256').update(Buffer.from(t.dataSync().buffer)).digest('hex');

interface Pair {
  name: string;
  description: string;
  /** The new path, then the one it replaced; each returns its output. */
  fresh: () => tf.Tensor;
  old: () => tf.Tensor;
}

function pairs(): Pair[] {
  const kernels = nativeKernels();
  if (!kernels) throw new Error('the fused native kernels did not load (run `bash scripts/setup.sh`)');
  const poisson = (batch: number, k: number, seed: number): [() => tf.Tensor, () => tf.Tensor] => {
    const prob = tf.keep(tf.randomUniform([batch, 64, 64, 3], 0, 1, 'float32', seed));
    const sign = tf.keep(tf.sign(tf.randomUniform([batch, 64, 64, 3], -1, 1, 'float32', seed + 1)));
    const rng = new Rng(seed);
    const states = new Int32Array(k * 4);
    for (let j = 0; j < k; j++) states.set(rng.fork(j).state(), 4 * j);
    return [() => kernels.poisson(prob, sign, states, 4), () => kernels.poisson(prob, sign, states, 1)];
  };
  const [trainNew, trainOld] = poisson(64, 20, 1);
  const [convNew, convOld] = poisson(8, 300, 3);
  const x = tf.keep(tf.randomUniform([1280, 64, 64, 8], 0, 1, 'float32', 5) as tf.Tensor4D);
  const dy = tf.keep(tf.randomNormal([1280, 32, 32, 8], 0, 1, 'float32', 6) as tf.Tensor4D);
  const z = tf.keep(tf.randomNormal([1200, 64, 64, 8], 0, 1, 'float32', 7));
  const bias = tf.keep(tf.randomNormal([8], 0, 1, 'float32', 8));
  const a = tf.keep(tf.randomNormal([20, 8], 1, 0.2, 'float32', 9)), b = tf.keep(tf.randomNormal([20, 8], 0, 1, 'float32', 10));
  const z20 = tf.keep(tf.randomNormal([1280, 64, 64, 8], 0, 1, 'float32', 11));
  return [
    { name: 'poisson_train', description: 'signed Poisson frames, 64 images 64x64x3, k = 20: lanes 4 (new) vs 1 (old)', fresh: trainNew, old: trainOld },
    { name: 'poisson_converted', description: 'signed Poisson frames, 8 images 64x64x3, k = 300: lanes 4 (new) vs 1 (old)', fresh: convNew, old: convOld },
    {
      name: 'avgpool_grad', description: "2x2 average pooling's gradient, input [1280, 64, 64, 8]: SpikelensAvgPool2Grad (new) vs TensorFlow's AvgPoolGrad (old)",
      fresh: () => kernels.avgPool2Grad(dy, 64, 64),
      old: () => tf.engine().runKernel('AvgPoolGrad', { dy, input: x }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor,
    },
    {
      name: 'bias_add', description: "per-channel bias, [1200, 64, 64, 8] + [8]: SpikelensBiasAdd (new) vs tfjs's broadcasting add (old)",
      fresh: () => kernels.biasAdd(z, bias),
      old: () => tf.add(z, bias),
    },
    {
      name: 'bntt_eval', description: "BNTT in evaluation mode, x [1280, 64, 64, 8] (T = 20): SpikelensStepAffine (new) vs tfjs's broadcasting mul and sub (old)",
      fresh: () => kernels.stepAffine(z20, a, b, 20),
      old: () => tf.tidy(() => tf.reshape(tf.sub(tf.mul(tf.reshape(z20, [20, -1, 8]), tf.reshape(a, [20, 1, 8])), tf.reshape(b, [20, 1, 8])), z20.shape)),
    },
  ];
}

/** One call's time: the native backend runs a kernel synchronously, so the call's time is the kernel's (reading the result back would add a copy of it). */
function timeOnce(f: () => tf.Tensor): number {
  const t0 = performance.now();
  const y = f();
  const ms = performance.now() - t0;
  y.dispose();
  return ms;
}

async function main() {
  const args = process.argv.slice(2);
  const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 7;
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got ${reps}`);
  const backend = await initBackend({ log: false });
  const load = os.loadavg()[0];
  const results: Record<string, unknown> = {};
  for (const p of pairs()) {
    const a = p.fresh(), b = p.old();
    const same = digest(a) === digest(b);
    tf.dispose([a, b]);
    if (!same) throw new Error(`${p.name}: the new and old kernels give different bits`);
    const fresh: number[] = [], old: number[] = [];
    for (let i = 0; i < reps; i++) {
      fresh.push(timeOnce(p.fresh));
      old.push(timeOnce(p.old));
    }
    results[p.name] = {
      description: p.description,
      new_ms: +median(fresh).toFixed(2),
      old_ms: +median(old).toFixed(2),
      speedup: +(median(old) / median(fresh)).toFixed(2),
      same_bits: same,
      samples: { new: fresh.map((v) => +v.toFixed(2)), old: old.map((v) => +v.toFixed(2)) },
    };
    console.error(`bench: ${p.name}: new ${median(fresh).toFixed(2)} ms, old ${median(old).toFixed(2)} ms (${(median(old) / median(fresh)).toFixed(2)}x), same bits`);
  }
  writeJsonAtomic('bench/results/kernels.json', {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1), load_average_1m: { start: +load.toFixed(2), end: +os.loadavg()[0].toFixed(2) } },
    backend: backend.choice,
    source: spikelensSource(),
    method: `per workload: one call of each side (their outputs' SHA-256 compared), then ${reps} samples alternating new and old; medians in ms per call (the native backend runs kernels synchronously; the result is not read back)`,
    results,
  });
  console.error('bench: wrote bench/results/kernels.json');
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
