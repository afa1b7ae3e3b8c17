/**
 * Simulation speed: the layer-by-layer path (`SpikingVgg.run`, what simulate/unroll use) against
 * the step-by-step path the project used before (`stepwise: true`, kept as the reference, run
 * with tfjs ops only: the fused native kernels off, as the code was), in one process,
 * interleaved → bench/results/simulation.json. The layer-by-layer path uses the fused kernels
 * where they load (`fused_kernels` in the results says whether they did).
 *
 * Workloads (VGG11 ×0.125, 64×64 signed Poisson input, random weights: cost does not depend on
 * training):
 * - bptt_step: one training step (forward + BPTT + Adam) of the BNTT surrogate net, batch 32, T = 8
 *   (bench/backend.ts's and bench/snn-step.ts's workload);
 * - alif_bptt_step: the same step with adaptive-threshold LIF neurons;
 * - converted_inference: the converted net's simulation (IF, λ = 1, no BNTT, biases), T = 300, batch 16;
 * - sam_explanation: one SAM explanation (layers 4, 6, 8, γ = 0.5) of the surrogate net, T = 30, batch 16.
 * Each sample alternates the two paths; medians in ms per image, and their ratio (stepwise ÷
 * layer-by-layer). Peak memory: the largest tfjs tensor bytes during one run of each (tf.profile).
 * Usage: npx tsx bench/simulation.ts [--reps 5]
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend';
import { nativeKernels, setFusedKernels } from '../lib/kernels/native';
import { createEncoder } from '../lib/data/encode';
import { SpikeActivationMap } from '../lib/explain/sam';
import { writeJsonAtomic } from '../lib/io/atomic';
import { vggArch } from '../lib/model/vgg';
import { Rng } from '../lib/random';
import { SPIKING_LAYERS, SpikingVgg, type SpikingVggConfig } from '../lib/snn/network';
import { simulate, unroll } from '../lib/snn/simulate';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Workload {
  name: string;
  batch: number;
  /** One run; `stepwise` picks the path. Returns a tensor to read back (waits for the backend). */
  run: (stepwise: boolean) => tf.Tensor;
}

function surrogateNet(T: number, neuron: SpikingVggConfig['neuron'] = { kind: 'lif' }): SpikingVgg {
  const cfg: SpikingVggConfig = { arch: vggArch(0.125, 10), timesteps: T, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 1), order: 'integrate-then-fire', reset: 'subtract', bntt: true, neuron };
  return SpikingVgg.create(cfg, new Rng(1));
}

function convertedNet(T: number): SpikingVgg {
  const cfg: SpikingVggConfig = { arch: vggArch(0.125, 10), timesteps: T, leak: 1, thresholds: SPIKING_LAYERS.map((_, i) => 0.5 + 0.05 * i), order: 'integrate-then-fire', reset: 'subtract', bntt: false, biases: true };
  return SpikingVgg.create(cfg, new Rng(2));
}

function workloads(): Workload[] {
  const images = (b: number, seed: number) => tf.keep(tf.randomUniform([b, 64, 64, 3], 0, 1, 'float32', seed) as tf.Tensor4D);
  const train = surrogateNet(8);
  const x32 = images(32, 10);
  const labels = tf.keep(tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 11) as tf.Tensor1D, 10));
  const adam = tf.train.adam(0.001);
  const conv = convertedNet(300);
  const sam = surrogateNet(30);
  const x16 = images(16, 12);
  const bpttStep = (net: SpikingVgg, opt: tf.Optimizer) => (stepwise: boolean) => {
    const enc = createEncoder('signed', x32, new Rng(3));
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, unroll(net, enc, 8, { training: true, stepwise })) as tf.Scalar, true) as tf.Scalar;
    for (const b of net.bntt ?? []) b.commitStats();
    enc.dispose();
    return loss;
  };
  const alif = surrogateNet(8, { kind: 'alif', adaptation: 0.2, decay: 0.9 });
  return [
    { name: 'bptt_step', batch: 32, run: bpttStep(train, adam) },
    // The same step with the adaptive-threshold LIF (its own fused kernels; stepping without them).
    { name: 'alif_bptt_step', batch: 32, run: bpttStep(alif, tf.train.adam(0.001)) },
    {
      name: 'converted_inference', batch: 16,
      run: (stepwise) => {
        const enc = createEncoder('signed', x16, new Rng(4));
        const logits = simulate(conv, enc, { timesteps: 300, stepwise });
        enc.dispose();
        return logits;
      },
    },
    {
      name: 'sam_explanation', batch: 16,
      run: (stepwise) => {
        const enc = createEncoder('signed', x16, new Rng(5));
        const obs = new SpikeActivationMap({ layers: ['conv4', 'conv6', 'conv8'], gamma: 0.5 });
        const logits = simulate(sam, enc, { timesteps: 30, observers: [obs], stepwise });
        obs.dispose();
        enc.dispose();
        return logits;
      },
    },
  ];
}

/** One timed run; the stepwise reference runs without the fused kernels, as the code it stands for did. */
async function timeOnce(w: Workload, stepwise: boolean): Promise<number> {
  setFusedKernels(!stepwise);
  const t0 = performance.now();
  const out = w.run(stepwise);
  await out.data();
  out.dispose();
  setFusedKernels(true);
  return (performance.now() - t0) / w.batch;
}

async function main() {
  const args = process.argv.slice(2);
  const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 5;
  const backend = await initBackend({ log: false });
  const results: Record<string, unknown> = {};
  for (const w of workloads()) {
    await timeOnce(w, false); // warm-up both paths
    await timeOnce(w, true);
    const fast: number[] = [], slow: number[] = [];
    for (let i = 0; i < reps; i++) {
      fast.push(await timeOnce(w, false));
      slow.push(await timeOnce(w, true));
      console.error(`bench: ${w.name} ${i + 1}/${reps}: layer-by-layer ${fast[i].toFixed(2)} ms/img, stepwise ${slow[i].toFixed(2)} ms/img`);
    }
    const peak = async (stepwise: boolean) => {
      setFusedKernels(!stepwise);
      const p = await tf.profile(() => w.run(stepwise));
      (p.result as tf.Tensor).dispose();
      setFusedKernels(true);
      return +(p.peakBytes / 2 ** 20).toFixed(0);
    };
    results[w.name] = {
      batch: w.batch,
      layer_by_layer_ms_per_image: +median(fast).toFixed(2),
      stepwise_ms_per_image: +median(slow).toFixed(2),
      speedup: +(median(slow) / median(fast)).toFixed(2),
      samples: { layer_by_layer: fast.map((v) => +v.toFixed(2)), stepwise: slow.map((v) => +v.toFixed(2)) },
      peak_tensor_mb: { layer_by_layer: await peak(false), stepwise: await peak(true) },
    };
    console.error(`bench: ${w.name}: ${JSON.stringify(results[w.name])}`);
  }
  writeJsonAtomic('bench/results/simulation.json', {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1), load_average_1m: +os.loadavg()[0].toFixed(2) },
    backend: backend.choice,
    fused_kernels: nativeKernels() !== null,
    method: `per workload: one warm-up of each path, then ${reps} samples alternating layer-by-layer and stepwise; medians in ms per image`,
    workloads: {
      bptt_step: 'VGG11 x0.125 BNTT surrogate SNN, batch 32, T = 8, forward + BPTT + Adam',
      alif_bptt_step: 'the same with adaptive-threshold LIF neurons (snn.neuron: alif, β = 0.2, ρ = 0.9)',
      converted_inference: 'VGG11 x0.125 IF SNN (λ = 1, no BNTT, biases), batch 16, T = 300, simulate()',
      sam_explanation: 'VGG11 x0.125 BNTT SNN, batch 16, T = 30, simulate() with SAM on conv4, conv6, conv8',
    },
    results,
  });
  console.error('bench: wrote bench/results/simulation.json');
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
