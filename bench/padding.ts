/**
 * Replicate padding: the fused copy kernel (SpikelensReplicatePad) against TensorFlow's MirrorPad
 * (SYMMETRIC, pad 1), which it replaced; both on the activation shapes of the default VGG11
 * (width 0.125, 64×64 input) for one chunk of a simulation (batch × steps = 400 images).
 * Interleaved in one run, minimum of `--reps` rounds of 10 calls each → bench/results/padding.json
 * with the CPU model; the outputs are checked equal first.
 * Usage: npx tsx bench/padding.ts [--reps 5]
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../lib/backend';
import { writeJsonAtomic } from '../lib/io/atomic';
import { nativeKernels } from '../lib/kernels/native';

const SHAPES: Array<[number, number, number, number]> = [[400, 64, 64, 3], [400, 64, 64, 8], [400, 32, 32, 16], [400, 16, 16, 32], [400, 8, 8, 64]];
const PAD_ONE: Array<[number, number]> = [[0, 0], [1, 1], [1, 1], [0, 0]];

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--reps');
  const reps = arg >= 0 ? Number(process.argv[arg + 1]) : 5;
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: expected a positive integer, got '${process.argv[arg + 1]}'`);
  const backend = await initBackend({ prefer: 'node', log: false });
  const kernels = nativeKernels();
  if (!kernels) throw new Error('bench/padding: the fused kernels are not loaded (native backend and scripts/setup-native.sh needed)');
  const rows = [];
  for (const shape of SHAPES) {
    const x = tf.randomUniform(shape) as tf.Tensor4D;
    const mirror = () => tf.mirrorPad(x, PAD_ONE, 'symmetric');
    const fused = () => kernels.replicatePad(x);
    const [a, b] = [mirror(), fused()];
    const equal = tf.tidy(() => tf.all(tf.equal(a, b)).dataSync()[0] === 1);
    tf.dispose([a, b]);
    if (!equal) throw new Error(`bench/padding: the fused pad differs from MirrorPad on [${shape.join(', ')}]`);
    const time = (f: () => tf.Tensor) => {
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) f().dispose();
      return (performance.now() - t0) / 10;
    };
    const m: number[] = [], f: number[] = [];
    for (let r = 0; r < reps; r++) {
      m.push(time(mirror));
      f.push(time(fused));
    }
    const row = { shape, mirror_pad_ms: Math.min(...m), fused_ms: Math.min(...f), speedup: Math.min(...m) / Math.min(...f) };
    console.error(`padding [${shape.join('×')}]: MirrorPad ${row.mirror_pad_ms.toFixed(2)} ms, fused ${row.fused_ms.toFixed(2)} ms (×${row.speedup.toFixed(1)})`);
    rows.push(row);
    x.dispose();
  }
  writeJsonAtomic('bench/results/padding.json', {
    date: new Date().toISOString(), cpu: os.cpus()[0]?.model.trim() ?? 'unknown', cores: os.cpus().length, backend: backend.choice, reps, rows,
  });
  console.error('bench/padding: wrote bench/results/padding.json');
}
main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
