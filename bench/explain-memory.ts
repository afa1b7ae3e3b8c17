/**
 * Peak memory of `explain` on a 20-megapixel photo-sized image → bench/results/explain-memory.json.
 * Writes a 5472×3648 (20.0 MP) JPEG and PNG of smooth noise to a temp folder, runs the explain CLI
 * on each under GNU time, and records the peak resident memory and wall time (issue target: under
 * 2 GB), with the CPU model. Needs a trained spiking checkpoint (default data/checkpoints/snn.ckpt).
 * Usage: npx tsx bench/explain-memory.ts [--checkpoint data/checkpoints/snn.ckpt]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { writeJsonAtomic } from '../lib/io/atomic';

const W = 5472, H = 3648;
const argv = process.argv.slice(2);
const checkpoint = argv.includes('--checkpoint') ? argv[argv.indexOf('--checkpoint') + 1] : 'data/checkpoints/snn.ckpt';
if (!fs.existsSync(checkpoint)) throw new Error(`${checkpoint}: not found; run npm run repro first (or pass --checkpoint)`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'explain-memory-'));
try {
  const rgba = Buffer.alloc(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = (y * W + x) * 4;
    rgba[i] = (x * 255) / W; rgba[i + 1] = (y * 255) / H; rgba[i + 2] = ((x ^ y) & 255); rgba[i + 3] = 255;
  }
  const files = { jpeg: path.join(dir, 'photo.jpg'), png: path.join(dir, 'photo.png') };
  fs.writeFileSync(files.jpeg, jpeg.encode({ data: rgba, width: W, height: H }, 85).data);
  const png = new PNG({ width: W, height: H });
  rgba.copy(png.data);
  fs.writeFileSync(files.png, PNG.sync.write(png));
  const runs: Record<string, { peak_rss_mb: number; seconds: number; file_mb: number; exit_code: number | null }> = {};
  for (const [format, file] of Object.entries(files)) {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', path.resolve('node_modules/.bin/tsx'), 'lib/cli/explain.ts', '--image', file, '--checkpoint', checkpoint, '--out', path.join(dir, `${format}-out.png`)], { encoding: 'utf8' });
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    const kb = Number(r.stderr.trim().split('\n').pop());
    if (r.status !== 0 || !Number.isFinite(kb)) throw new Error(`explain on ${file} failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    runs[format] = { peak_rss_mb: Math.round(kb / 1024), seconds, file_mb: Math.round(fs.statSync(file).size / 1e5) / 10, exit_code: r.status };
    console.error(`bench: explain on a ${W}×${H} ${format}: peak ${runs[format].peak_rss_mb} MB in ${seconds} s`);
  }
  const peak = Math.max(...Object.values(runs).map((r) => r.peak_rss_mb));
  writeJsonAtomic('bench/results/explain-memory.json', {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model.trim() ?? 'unknown', cores: os.cpus().length, memory_gib: Math.round(os.totalmem() / 2 ** 30 * 10) / 10 },
    image: { width: W, height: H, megapixels: Math.round((W * H) / 1e5) / 10 },
    checkpoint,
    runs,
    peak_rss_mb: peak,
    target_mb: 2048,
    met: peak < 2048,
  });
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
