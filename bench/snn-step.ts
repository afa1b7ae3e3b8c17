/**
 * SNN training step, spikelens vs PyTorch, from one run → bench/results/snn-step.json.
 *
 * Workload (bench/backend.ts's SNN step): one BPTT step of the VGG11 ×0.125 BNTT SNN, batch 32,
 * 64×64×3 input, T = 8, signed Poisson input, Adam 1e-3, cross-entropy; in ms per image. The
 * PyTorch side is the same network and step written directly in PyTorch
 * (bench/pytorch/snn_step.py) in a bench-only venv, bench/.venv-torch, which
 * bench/pytorch/setup.sh installs on first use (about 5.4 GB; never by `npm run repro` or `npm test`).
 *
 * The two are interleaved so that both see the same machine load: each round runs `--reps`
 * spikelens steps in this process, then one PyTorch subprocess that warms up and times `--reps`
 * steps. Peak memory is recorded beside each speed: process RSS high-water for both, and for
 * spikelens also the peak of tfjs's tensor bytes over one (untimed, profiled) step after the rounds.
 * PyTorch runs on as many threads as there are cores unless `--torch-threads` says otherwise. On a
 * busy machine run with OMP_WAIT_POLICY=PASSIVE (passed on to PyTorch and recorded): with OpenMP's
 * default spin-waiting, PyTorch on 2 threads on 2 loaded cores was ~10x slower than on 1 thread.
 * Usage: npx tsx bench/snn-step.ts [--batch 32] [--rounds 4] [--reps 3] [--torch-threads N]
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend, type BackendInfo } from '../lib/backend';
import { nativeKernels } from '../lib/kernels/native';
import { writeJsonAtomic } from '../lib/io/atomic';
import { vggArch } from '../lib/model/vgg';
import { Rng } from '../lib/random';
import { SPIKING_LAYERS, SpikingVgg } from '../lib/snn/network';
import { unroll } from '../lib/snn/simulate';
import { createEncoder } from '../lib/data/encode';
import { spikelensSource } from './source';

const ROOT = path.resolve(__dirname, '..');
const VENV_PYTHON = path.join(ROOT, 'bench/.venv-torch/bin/python');
const OUT = 'bench/results/snn-step.json';
const W = { width: 0.125, classes: 10, size: 64, timesteps: 8, lr: 0.001 };

interface TorchRun {
  ms_per_image_samples: number[];
  median_ms_per_image: number;
  peak_rss_mb: number;
  torch_version: string;
  threads: number;
  omp_wait_policy: string;
  loss: number | null;
}

function arg(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got '${args[i + 1]}'`);
  return v;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const rssMb = () => round2(process.resourceUsage().maxRSS / 1024); // maxRSS is in KB

/** Installs the bench-only PyTorch venv when needed (setup.sh returns at once when it is ready). */
function ensureTorchVenv(): void {
  execFileSync('bash', [path.join(ROOT, 'bench/pytorch/setup.sh')], { stdio: ['ignore', 2, 'inherit'] });
  if (!fs.existsSync(VENV_PYTHON)) throw new Error('bench/.venv-torch has no bin/python after bench/pytorch/setup.sh');
}

/** One PyTorch subprocess: its own warm-up, then `reps` timed steps. */
function runTorch(batch: number, reps: number, threads: number, policy: string): TorchRun {
  const env = { ...process.env };
  if (policy === 'default') delete env.OMP_WAIT_POLICY;
  else env.OMP_WAIT_POLICY = policy.toUpperCase();
  const stdout = execFileSync(VENV_PYTHON, [path.join(ROOT, 'bench/pytorch/snn_step.py'),
    '--batch', String(batch), '--timesteps', String(W.timesteps), '--reps', String(reps), '--warmup', '1', '--width', String(W.width), '--threads', String(threads)],
  { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as TorchRun;
  } catch {
    throw new Error(`bench/pytorch/snn_step.py printed no JSON line: '${line.slice(0, 200)}'`);
  }
}

async function startBackend(): Promise<BackendInfo> {
  try {
    return await initBackend({ prefer: 'node', log: false });
  } catch (e) {
    console.error(`snn-step: the native backend did not start (${(e as Error).message.split('\n')[0]}); run \`bash scripts/setup.sh\` to build it. Falling back to the fastest backend that loads; the comparison is then not the native one.`);
    return initBackend({ prefer: 'auto', log: false });
  }
}

async function main() {
  const batch = arg('batch', 32);
  const rounds = arg('rounds', 4);
  const reps = arg('reps', 3);
  const torchThreads = arg('torch-threads', os.cpus().length);
  const loadAtStart = round2(os.loadavg()[0]);

  ensureTorchVenv();
  const info = await startBackend();
  console.error(`snn-step: ${describeBackend(info)}; batch ${batch}, ${rounds} rounds × (${reps} spikelens + ${reps} PyTorch steps)`);

  // The same workload as bench/backend.ts's SNN step.
  const snn = SpikingVgg.create({ arch: vggArch(W.width, W.classes), timesteps: W.timesteps, leak: 0.99, thresholds: SPIKING_LAYERS.map(() => 1), order: 'integrate-then-fire', reset: 'subtract', bntt: true }, new Rng(1));
  const images = tf.randomUniform([batch, W.size, W.size, 3], 0, 1, 'float32', 10) as tf.Tensor4D;
  const labels = tf.oneHot(tf.randomUniform([batch], 0, W.classes, 'int32', 11) as tf.Tensor1D, W.classes);
  const adam = tf.train.adam(W.lr);
  const encRng = new Rng(3);
  const step = (): tf.Scalar => {
    const enc = createEncoder('signed', images, encRng);
    const loss = adam.minimize(() => tf.losses.softmaxCrossEntropy(labels, unroll(snn, enc, W.timesteps, { training: true })) as tf.Scalar, true) as tf.Scalar;
    enc.dispose();
    for (const b of snn.bntt ?? []) b.commitStats(); // as the training loop does after each step
    return loss;
  };
  /** ms per image of one step, waiting for the loss (every backend here runs ops synchronously). */
  const timedStep = async (): Promise<{ ms: number; loss: number }> => {
    const t0 = performance.now();
    const loss = step();
    const v = (await loss.data())[0];
    const ms = (performance.now() - t0) / batch;
    loss.dispose();
    return { ms, loss: v };
  };

  console.error('snn-step: spikelens warm-up step ...');
  await timedStep();

  // PyTorch at its best: OpenMP's default (active) waiting is fastest on an idle machine and
  // collapses on a busy one; passive waiting the other way round. Both run every round; the
  // faster median is the one compared.
  const policies = (process.argv.includes('--omp-policies') ? process.argv[process.argv.indexOf('--omp-policies') + 1] : 'default,passive').split(',');
  const sl: number[] = [];
  const byPolicy = new Map<string, { samples: number[]; runs: TorchRun[] }>(policies.map((p) => [p, { samples: [], runs: [] }]));
  let lastLoss = NaN;
  for (let r = 0; r < rounds; r++) {
    const mine: number[] = [];
    for (let i = 0; i < reps; i++) {
      const { ms, loss } = await timedStep();
      mine.push(ms);
      lastLoss = loss;
    }
    sl.push(...mine);
    console.error(`snn-step: round ${r + 1}/${rounds} spikelens ${mine.map((m) => m.toFixed(1)).join(', ')} ms/image (loss ${lastLoss.toFixed(3)}), PyTorch ...`);
    for (const policy of policies) {
      const run = runTorch(batch, reps, torchThreads, policy);
      const entry = byPolicy.get(policy) as { samples: number[]; runs: TorchRun[] };
      entry.runs.push(run);
      entry.samples.push(...run.ms_per_image_samples);
      console.error(`snn-step: round ${r + 1}/${rounds} PyTorch (OMP wait ${policy}) ${run.ms_per_image_samples.map((m) => m.toFixed(1)).join(', ')} ms/image (loss ${run.loss?.toFixed(3) ?? 'not finite'}, peak RSS ${run.peak_rss_mb} MB)`);
    }
  }
  const best = [...byPolicy.entries()].sort((a, b) => median(a[1].samples) - median(b[1].samples))[0];
  const pt = best[1].samples;
  const torchRuns = best[1].runs;
  // RSS high-water of the timed steps, before the profiled step (which reads every kernel's output).
  const slRssMb = rssMb();
  // Peak tfjs tensor bytes over one step (profiling slows it, so this step is not timed).
  const prof = await tf.profile(async () => { const l = step(); await l.data(); l.dispose(); });
  const tensorPeakMb = round2(prof.peakBytes / 2 ** 20);
  console.error(`snn-step: spikelens peak tensor memory ${tensorPeakMb} MB over one step (${prof.kernels.length} kernels)`);
  tf.dispose([images, labels]);
  snn.dispose();
  adam.dispose();

  const slMedian = median(sl);
  const ptMedian = median(pt);
  const ratio = round2(ptMedian / slMedian);
  const cpus = os.cpus();
  const report = {
    date: new Date().toISOString(),
    machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1), load_average_1m: { start: loadAtStart, end: round2(os.loadavg()[0]) } },
    workload: `one BPTT training step of the VGG11 x${W.width} BNTT SNN (conv channels ${vggArch(W.width, W.classes).channels.join('/')}, fc1 ${vggArch(W.width, W.classes).hidden}, ${W.classes} classes), batch ${batch}, ${W.size}x${W.size}x3 random images, T = ${W.timesteps}, signed Poisson input, LIF leak 0.99 threshold 1 integrate-then-fire soft reset, Adam ${W.lr}, cross-entropy; ms per image = step ms / batch`,
    method: `${rounds} interleaved rounds, each ${reps} spikelens steps (this process, after one warm-up step) then one PyTorch subprocess per OpenMP wait policy (${policies.join(', ')}; 1 warm-up step, then ${reps} timed; the policy with the lower median is compared); medians over all timed steps. Peak memory: process RSS high-water (spikelens: the Node process after the timed steps; PyTorch: the largest of its subprocesses); spikelens also the peak of tfjs tensor bytes over one profiled, untimed step.`,
    spikelens: {
      backend: info.choice,
      backend_report: describeBackend(info),
      source: spikelensSource(),
      median_ms_per_image: round2(slMedian),
      samples: sl.map(round2),
      peak_rss_mb: slRssMb,
      peak_tensor_mb: tensorPeakMb,
      kernels_per_step: prof.kernels.length,
      fused_kernels: nativeKernels() !== null,
      last_loss: Number.isFinite(lastLoss) ? round2(lastLoss) : null,
    },
    pytorch: {
      median_ms_per_image: round2(ptMedian),
      samples: pt.map(round2),
      peak_rss_mb: Math.max(...torchRuns.map((t) => t.peak_rss_mb)),
      torch_version: torchRuns[0]?.torch_version ?? 'unknown',
      threads: torchRuns[0]?.threads ?? 0,
      omp_wait_policy: best[0],
      by_omp_wait_policy: Object.fromEntries([...byPolicy.entries()].map(([k, v]) => [k, { median_ms_per_image: round2(median(v.samples)), samples: v.samples.map(round2) }])),
      last_loss: torchRuns[torchRuns.length - 1]?.loss ?? null,
    },
    pytorch_over_spikelens: ratio,
  };
  writeJsonAtomic(OUT, report);
  console.error(`snn-step: spikelens ${report.spikelens.median_ms_per_image} ms/image (peak RSS ${report.spikelens.peak_rss_mb} MB), PyTorch ${report.pytorch.median_ms_per_image} ms/image (peak RSS ${report.pytorch.peak_rss_mb} MB), pytorch_over_spikelens ${ratio}, on ${report.machine.cpu}`);
  console.error(`snn-step: wrote ${OUT}`);
}

main().catch((e) => {
  console.error(`snn-step: ${(e as Error).message.split('\n')[0]}`);
  process.exit(1);
});
