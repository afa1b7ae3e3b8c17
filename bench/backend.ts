/**
 * Backend benchmark → bench/results/backend.json.
 *
 * For every backend that loads here: conv2d forward ms ([16,32,32,64] × [3,3,64,64], 'same';
 * ten convolutions back to back per sample, then the same with the 4 MB output read back each time)
 * and one SGD training step ms of a VGG-style conv net (batch 16, 64×64×3 input, 4 conv
 * layers with average pooling, momentum SGD), each with the GFLOP/s it reaches; plus the
 * workload that bounds the default profile: one BPTT step of the VGG11 ×0.125 BNTT SNN
 * (batch 32, 64×64, T = 8, Adam), in ms per image.
 * Usage: npx tsx bench/backend.ts [--backends node,wasm,cpu] [--reps N]
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, BACKEND_CHOICES, type BackendChoice } from '../lib/backend';
import { writeJsonAtomic } from '../lib/io/atomic';
import { vggArch } from '../lib/model/vgg';
import { Rng } from '../lib/random';
import { SPIKING_LAYERS, SpikingVgg } from '../lib/snn/network';
import { unroll } from '../lib/snn/simulate';
import { createEncoder } from '../lib/data/encode';

const CONV = { x: [16, 32, 32, 64] as const, w: [3, 3, 64, 64] as const };
const convFlops = 2 * 16 * 32 * 32 * 64 * 64 * 9;
const NET = { batch: 16, size: 64, channels: [3, 16, 32, 64, 64], classes: 10 };

/** Forward FLOPs of the VGG-style net (conv multiply-adds × 2); a training step ≈ 3× forward. */
function netForwardFlops(): number {
  let hw = NET.size, f = 0;
  for (let i = 1; i < NET.channels.length; i++) {
    f += 2 * NET.batch * hw * hw * NET.channels[i - 1] * NET.channels[i] * 9;
    if (i < NET.channels.length - 1) hw /= 2;
  }
  return f + 2 * NET.batch * NET.channels[NET.channels.length - 1] * NET.classes;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Median over `reps` samples of the ms one call of `fn` takes. Each sample runs `fn` `inner`
 * times back to back and reads back only the last output, so a one-off readback (a 4 MB copy for
 * the conv output) is not counted as compute; every backend here executes ops synchronously, so
 * reading the last output waits for all of them.
 */
async function timeIt(fn: () => tf.Tensor | tf.Tensor[] | void, reps: number, inner = 1): Promise<number> {
  const run = async () => {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) {
      const out = fn();
      const outs = out ? [out].flat() : [];
      if (i === inner - 1) for (const o of outs) await o.data(); // wait for the backend to finish
      tf.dispose(outs);
    }
    return (performance.now() - t0) / inner;
  };
  if (reps === 0) return NaN; // skipped (e.g. the SNN step on the pure-JS cpu backend)
  await run(); // warm-up (kernel set-up, memory growth)
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await run());
  return median(times);
}

async function benchBackend(choice: BackendChoice, reps: number) {
  await initBackend({ prefer: choice, log: false });
  const x = tf.randomNormal([...CONV.x], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([...CONV.w], 0, 0.1, 'float32', 2) as tf.Tensor4D;
  const conv = () => tf.conv2d(x, w, 1, 'same');
  const convMs = await timeIt(conv, reps, choice === 'cpu' ? 1 : 10);
  const convReadMs = await timeIt(conv, reps, 1);

  const xs = tf.randomNormal([NET.batch, NET.size, NET.size, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const ys = tf.oneHot(tf.randomUniform([NET.batch], 0, NET.classes, 'int32', 4) as tf.Tensor1D, NET.classes).toFloat();
  const ws = NET.channels.slice(1).map((c, i) => tf.variable(tf.randomNormal([3, 3, NET.channels[i], c], 0, Math.sqrt(2 / (9 * NET.channels[i])), 'float32', 5 + i)));
  const wd = tf.variable(tf.randomNormal([NET.channels[NET.channels.length - 1], NET.classes], 0, 0.1, 'float32', 9));
  const opt = tf.train.momentum(0.01, 0.9);
  const step = () => {
    opt.minimize(() => {
      let h: tf.Tensor4D = xs;
      ws.forEach((wi, i) => {
        h = tf.relu(tf.conv2d(h, wi as tf.Variable<tf.Rank.R4>, 1, 'same'));
        if (i < ws.length - 1) h = tf.avgPool(h, 2, 2, 'valid');
      });
      const logits = tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, wd);
      return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
    });
  };
  const trainMs = await timeIt(() => { step(); return tf.clone(wd); }, choice === 'cpu' ? 1 : reps);
  await wd.data();
  tf.dispose([x, w, xs, ys, ...ws, wd]);

  const snn = SpikingVgg.create({ arch: vggArch(0.125, 10), timesteps: 8, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 1), order: 'integrate-then-fire', reset: 'subtract', bntt: true }, new Rng(1));
  const images = tf.randomUniform([32, 64, 64, 3], 0, 1, 'float32', 10) as tf.Tensor4D;
  const labels = tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 11) as tf.Tensor1D, 10);
  const adam = tf.train.adam(0.001);
  const snnMs = await timeIt(() => {
    const enc = createEncoder('signed', images, new Rng(3));
    const loss = adam.minimize(() => tf.losses.softmaxCrossEntropy(labels, unroll(snn, enc, 8, { training: true })) as tf.Scalar, true) as tf.Scalar;
    enc.dispose();
    return loss;
  }, choice === 'cpu' ? 0 : Math.min(reps, 7));
  tf.dispose([images, labels]);
  snn.dispose();
  adam.dispose();
  const stepFlops = 3 * netForwardFlops();
  return {
    conv2d_forward_ms: +convMs.toFixed(2),
    conv2d_gflops: +(convFlops / convMs / 1e6).toFixed(2),
    conv2d_forward_with_readback_ms: +convReadMs.toFixed(2),
    train_step_ms: +trainMs.toFixed(1),
    train_step_gflops: +(stepFlops / trainMs / 1e6).toFixed(2),
    snn_bptt_ms_per_image: Number.isFinite(snnMs) ? +(snnMs / 32).toFixed(1) : null,
  };
}

async function main() {
  const args = process.argv.slice(2);
  const pick = args.includes('--backends') ? args[args.indexOf('--backends') + 1].split(',') : [...BACKEND_CHOICES];
  const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 11;
  const results: Record<string, unknown> = {};
  for (const choice of pick as BackendChoice[]) {
    try {
      console.error(`bench: ${choice} ...`);
      results[choice] = await benchBackend(choice, choice === 'cpu' ? 1 : reps);
      console.error(`bench: ${choice} ${JSON.stringify(results[choice])}`);
    } catch (e) {
      results[choice] = { unavailable: (e as Error).message.split('\n')[0] };
      console.error(`bench: ${choice} unavailable`);
    }
  }
  const speedup = (k: 'conv2d_forward_ms' | 'conv2d_forward_with_readback_ms' | 'train_step_ms', fast: string) => {
    const a = results[fast] as Record<string, number> | undefined, b = results.wasm as Record<string, number> | undefined;
    return a?.[k] && b?.[k] ? +(b[k] / a[k]).toFixed(1) : null;
  };
  const snnSpeedup = speedup('snn_bptt_ms_per_image' as 'train_step_ms', 'node');
  const report = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1) },
    workloads: {
      conv2d: `x [${CONV.x}] * w [${CONV.w}] 'same', ${(convFlops / 1e9).toFixed(3)} GFLOP; forward: 10 back to back per sample, last output read; with_readback: every output read back`,
      snn_bptt_step: 'VGG11 x0.125 BNTT SNN, batch 32, 64x64x3, T = 8, signed Poisson input, Adam; ms per image',
      train_step: `VGG-style: batch ${NET.batch}, ${NET.size}x${NET.size}x3, conv channels ${NET.channels.slice(1).join('/')}, avgpool, momentum SGD; ≈ ${(3 * netForwardFlops() / 1e9).toFixed(2)} GFLOP (3x forward)`,
    },
    median_of: reps,
    backends: results,
    speedup_vs_wasm: { node: { conv2d: speedup('conv2d_forward_ms', 'node'), conv2d_with_readback: speedup('conv2d_forward_with_readback_ms', 'node'), train_step: speedup('train_step_ms', 'node'), snn_bptt_step: snnSpeedup } },
  };
  writeJsonAtomic('bench/results/backend.json', report);
  console.error('bench: wrote bench/results/backend.json');
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
