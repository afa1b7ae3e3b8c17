/**
 * SAM benchmark → bench/results/sam.json.
 *
 * Streaming SAM (lib/explain/sam.ts: O(1) state per neuron, O(T) time) against the authors'
 * formulation (kept here only as the baseline: all T spike maps stored, and for every t a loop
 * over t' ≤ t adding exp(-γ|t - t'·S_t'|), O(T²) time, O(T·H·W·C) memory). Both see the same
 * random spike trains shaped like conv4 of VGG11 on a 64×64 input ([1,16,16,256], ~10 % firing)
 * and both read each step's map back to the host. The reference variant is what the authors
 * compute, so the maps must agree; the bench checks that too.
 * Usage: npx tsx bench/sam.ts [--reps N] [--timesteps 30,100]
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend';
import { writeJsonAtomic } from '../lib/io/atomic';
import { Rng } from '../lib/random';
import { SpikeActivationMap, type SamVariant } from '../lib/explain/sam';

const SHAPE: [number, number, number, number] = [1, 16, 16, 256];
const RATE = 0.1;
const GAMMA = 0.5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** T Bernoulli(RATE) spike maps, as the simulation would hand them to observers. */
function spikeTrain(T: number, rng: Rng): tf.Tensor4D[] {
  return Array.from({ length: T }, () => tf.tidy(() => tf.cast(tf.less(tf.randomUniform(SHAPE, 0, 1, 'float32', rng.tfSeed()), RATE), 'float32') as tf.Tensor4D));
}

/** Streaming SAM over the train; returns the per-step maps. */
function streaming(train: tf.Tensor4D[], variant: SamVariant): Float32Array[] {
  const sam = new SpikeActivationMap({ layers: ['conv4'], gamma: GAMMA, variant });
  sam.begin({ timesteps: train.length, batch: SHAPE[0], inputHeight: 64, inputWidth: 64 });
  train.forEach((s, t) => sam.onStep('conv4', t, s));
  sam.end();
  const maps = sam.series('conv4').map((m) => m.data);
  sam.dispose();
  return maps;
}

/**
 * The authors' loop: keep a copy of every step's spikes (the simulation frees its own), then at
 * each t sum exp(-γ|t - t'·S_t'|) over t' = 0..t and weight by S_t. O(T²) tensor ops.
 */
function quadratic(train: tf.Tensor4D[]): Float32Array[] {
  const kept: tf.Tensor4D[] = [];
  const maps: Float32Array[] = [];
  train.forEach((s, t) => {
    kept.push(tf.clone(s));
    const m = tf.tidy(() => {
      let ncs: tf.Tensor = tf.zerosLike(s);
      for (let tp = 0; tp <= t; tp++) ncs = tf.add(ncs, tf.exp(tf.mul(tf.abs(tf.sub(t, tf.mul(kept[tp], tp))), -GAMMA)));
      return tf.sum(tf.mul(ncs, kept[t]), -1);
    });
    maps.push(m.dataSync() as Float32Array);
    m.dispose();
  });
  tf.dispose(kept);
  return maps;
}

function timeMs<T>(fn: () => T): { ms: number; out: T } {
  const t0 = performance.now();
  const out = fn();
  return { ms: performance.now() - t0, out };
}

function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, t) => x.forEach((v, i) => {
    m = Math.max(m, Math.abs(v - b[t][i]) / Math.max(1, Math.abs(b[t][i])));
  }));
  return m;
}

async function main() {
  const args = process.argv.slice(2);
  const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 5;
  const steps = args.includes('--timesteps') ? args[args.indexOf('--timesteps') + 1].split(',').map(Number) : [30, 100];
  const backend = await initBackend({ prefer: 'wasm' });
  const rng = new Rng(2021);

  // Warm-up: kernel set-up and memory growth should not count against the first method timed.
  const warm = spikeTrain(5, rng);
  streaming(warm, 'paper');
  streaming(warm, 'reference');
  quadratic(warm);
  tf.dispose(warm);

  const byT: Record<string, unknown> = {};
  for (const T of steps) {
    const train = spikeTrain(T, rng);
    const firing = tf.tidy(() => tf.mean(tf.stack(train)).dataSync()[0]);
    const times = { paper: [] as number[], reference: [] as number[], quadratic: [] as number[] };
    let diff = 0;
    for (let r = 0; r < reps; r++) {
      const p = timeMs(() => streaming(train, 'paper'));
      const s = timeMs(() => streaming(train, 'reference'));
      const q = timeMs(() => quadratic(train));
      times.paper.push(p.ms);
      times.reference.push(s.ms);
      times.quadratic.push(q.ms);
      diff = Math.max(diff, maxRelDiff(s.out, q.out));
      console.error(`bench sam: T=${T} rep ${r + 1}/${reps}: streaming paper ${p.ms.toFixed(1)} ms, reference ${s.ms.toFixed(1)} ms, quadratic ${q.ms.toFixed(1)} ms`);
    }
    tf.dispose(train);
    const [paper, reference, quad] = [median(times.paper), median(times.reference), median(times.quadratic)];
    const n = SHAPE.reduce((a, b) => a * b, 1);
    byT[String(T)] = {
      firing_rate: +firing.toFixed(4),
      streaming_paper_ms: +paper.toFixed(1),
      streaming_reference_ms: +reference.toFixed(1),
      quadratic_ms: +quad.toFixed(1),
      // Same quantity on both sides: the reference variant computes exactly the authors' maps.
      sam_speedup_vs_quadratic: +(quad / reference).toFixed(1),
      max_rel_diff_reference_vs_quadratic: +diff.toExponential(2),
      state_floats: { streaming_paper: n, streaming_reference: 2 * n, quadratic: T * n },
    };
    console.error(`bench sam: T=${T} ${JSON.stringify(byT[String(T)])}`);
  }

  const report = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1) },
    backend: backend.choice,
    workload: `random spike trains [${SHAPE}] (conv4 of VGG11 at 64x64), firing rate ${RATE}, gamma ${GAMMA}; every step's [1,16,16] map read back to the host`,
    median_of: reps,
    by_timesteps: byT,
  };
  writeJsonAtomic('bench/results/sam.json', report);
  console.error('bench sam: wrote bench/results/sam.json');
}

main().catch((e) => {
  console.error(`bench sam: ${(e as Error).message}`);
  process.exit(1);
});
