/**
 * The `explain` command: SAM heat maps of one image through a trained spiking network, as a PNG
 * grid (rows = layers, columns = sampled time-steps; paper Fig. 4), plus the predicted class.
 * Usage: see HELP below (`npx tsx lib/cli/explain.ts --help`).
 */
import * as fs from 'fs';
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '../backend';
import { pixelsToTensor } from '../data/dataset';
import { ENCODER_VARIANTS, type EncoderVariant } from '../data/encode';
import { resizeBilinear, toRaster, toRgbBytes } from '../data/raster';
import { decodeJpegRgb } from '../data/tiny-imagenet';
import { convLayer, type ConvLayer } from '../explain/gradcam';
import { SpikeActivationMap, SAM_DEFAULT_GAMMA, type SamVariant } from '../explain/sam';
import { writeFileAtomic } from '../io/atomic';
import { loadSnn, type ModelMeta } from '../model/store';
import { overlay, rgbImage, tileGridPng, type RgbImage } from '../plot/heatmap';
import { Rng } from '../random';
import { snnLogits } from '../train/evaluate';
import { parseArgs, runMain } from './common';

const USAGE = 'usage: npx tsx lib/cli/explain.ts --image path.png|.jpg [--checkpoint data/checkpoints/snn.ckpt] [--out explain.png] [--layers 4,6,8] [--gamma 0.5] [--variant paper|reference] [--steps T] [--sample 10] [--class N] [--seed 42] [--encoder signed|rate]';

const HELP = `${USAGE}

Spike Activation Maps (Kim & Panda 2021) of one image through a spiking VGG11 checkpoint
(surrogate-trained or converted), written as a PNG grid: one row per layer, the input image
first, then the SAM overlay (jet, alpha 0.5) at --sample evenly spaced steps (labelled t = 1..T).
Prints the predicted class (with its name when the checkpoint lists class names) and the output path.

  --image       PNG or JPEG file (required). Greyscale is replicated to RGB; an alpha channel is
                dropped (not composited). The image is resized bilinearly so that each side
                becomes the nearest multiple of 16 (at least 16), since VGG11 pools four times:
                a 100x60 image runs at 96x64. The pipeline's checkpoints are trained at 64x64
                (params data.image_size); other sizes run, but far from the training scale the
                network (and its maps) may mean little.
  --checkpoint  spiking checkpoint (default data/checkpoints/snn.ckpt)
  --out         output PNG (default explain.png)
  --layers      conv layers, numbers 1..8 or names (default 4,6,8)
  --gamma       SAM decay γ ≥ 0 (default ${SAM_DEFAULT_GAMMA})
  --variant     paper (spikes strictly before t, Eq. 3) or reference (the authors' code); default paper
  --steps       time-steps T (default: the checkpoint's)
  --sample      number of steps shown (default 10; T = 30 shows every third step)
  --class       also print the probability of class N (SAM itself uses no label)
  --seed        seed of the Poisson encoder (default 42)
  --encoder     signed or rate (default: the checkpoint's, else signed)`;

/** Decoded RGB bytes of an image file; one-line errors for a missing, unreadable or unsupported file. */
function readImage(file: string): { width: number; height: number; data: Uint8Array } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new Error(`image not found: ${file}`);
  }
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isJpeg) return decodeJpegRgb(bytes, file);
  if (!isPng) throw new Error(`${file}: unsupported image format (expected PNG or JPEG, found neither signature)`);
  let png: PNG;
  try {
    png = PNG.sync.read(bytes); // always 8-bit RGBA out: grey and palette images are expanded
  } catch (e) {
    throw new Error(`${file}: corrupt or unreadable PNG (${String((e as Error).message ?? e).split('\n')[0]})`);
  }
  const data = new Uint8Array(png.width * png.height * 3);
  for (let p = 0; p < png.width * png.height; p++) data.set(png.data.subarray(p * 4, p * 4 + 3), p * 3);
  return { width: png.width, height: png.height, data };
}

/** The nearest multiple of 16, at least 16 (VGG11's four 2× poolings need it). */
function toMultipleOf16(side: number): number {
  return Math.max(16, Math.round(side / 16) * 16);
}

/** `sample` steps spread evenly over 0..T-1, ending at the last: T = 30, 10 → 2, 5, …, 29. */
function sampleSteps(timesteps: number, sample: number): number[] {
  const n = Math.min(sample, timesteps);
  return Array.from({ length: n }, (_, j) => Math.round(((j + 1) * timesteps) / n) - 1);
}

function parseLayers(text: string): ConvLayer[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new Error(`--layers: '${text}' names no layer; use numbers 1..8 like 4,6,8`);
  const layers = parts.map((p) => {
    try {
      return convLayer(p);
    } catch {
      throw new Error(`--layers: '${p}' is not a conv layer; use numbers 1..8 (or conv1..conv8) like 4,6,8`);
    }
  });
  return [...new Set(layers)];
}

function parseNumber(flag: string, text: string, ok: (v: number) => boolean, want: string): number {
  const v = Number(text);
  if (text.trim() === '' || !ok(v)) throw new Error(`${flag}: '${text}' is not ${want}`);
  return v;
}

const isCount = (v: number) => Number.isInteger(v) && v >= 1;

runMain('explain', async () => {
  const args = parseArgs(process.argv.slice(2), {
    image: '', checkpoint: 'data/checkpoints/snn.ckpt', out: 'explain.png', layers: '4,6,8', gamma: String(SAM_DEFAULT_GAMMA),
    variant: 'paper', steps: '', sample: '10', class: '', seed: '42', encoder: '',
  }, USAGE);
  if (!args) return void console.log(HELP);
  // Validate everything cheap before starting tfjs, so a typo costs no start-up time.
  if (!args.image) throw new Error(`--image is required\n${USAGE}`);
  const layers = parseLayers(args.layers);
  const gamma = parseNumber('--gamma', args.gamma, (v) => Number.isFinite(v) && v >= 0, 'a number ≥ 0');
  if (args.variant !== 'paper' && args.variant !== 'reference') throw new Error(`--variant: '${args.variant}' is not paper or reference`);
  const sample = parseNumber('--sample', args.sample, isCount, 'a positive integer');
  const seed = parseNumber('--seed', args.seed, Number.isInteger, 'an integer');
  const picked = args.class === '' ? null : parseNumber('--class', args.class, (v) => Number.isInteger(v) && v >= 0, 'a class index ≥ 0');
  const image = readImage(args.image);
  if (!fs.existsSync(args.checkpoint)) throw new Error(`checkpoint not found: ${args.checkpoint} (train one with the train-snn or convert stage)`);

  const backend = await initBackend({ log: false });
  console.error(`explain: ${describeBackend(backend)}`);
  const { model: net, meta } = loadSnn(args.checkpoint);
  const T = args.steps === '' ? (meta.snn as NonNullable<ModelMeta['snn']>).timesteps : parseNumber('--steps', args.steps, isCount, 'a positive integer');
  const encoder = (args.encoder || (typeof meta.encoder === 'string' ? meta.encoder : 'signed')) as EncoderVariant;
  if (!ENCODER_VARIANTS.includes(encoder)) throw new Error(`--encoder: '${encoder}' is not one of ${ENCODER_VARIANTS.join(', ')}`);
  const classes = meta.arch.classes;
  if (picked !== null && picked >= classes) throw new Error(`--class: ${picked} is not a class of this checkpoint (0..${classes - 1})`);

  const height = toMultipleOf16(image.height), width = toMultipleOf16(image.width);
  const pixels = new Uint8Array(height * width * 3);
  toRgbBytes(resizeBilinear(toRaster(image.data, image.width, image.height, 3), width, height), pixels);
  const trained = Array.isArray(meta.image_size) ? meta.image_size : null;
  if (height !== image.height || width !== image.width) console.error(`explain: resized ${image.width}x${image.height} → ${width}x${height} (sides to multiples of 16)`);
  if (trained !== null && (height !== trained[0] || width !== trained[1])) console.error(`explain: note: this checkpoint was trained on ${trained[1]}x${trained[0]} images; the maps of a ${width}x${height} input may mean less`);

  const sam = new SpikeActivationMap({ layers, gamma, variant: args.variant as SamVariant });
  const x = pixelsToTensor(pixels, 1, height, width);
  const logits = snnLogits(net, x, encoder, T, new Rng(seed), [sam]);
  const probs = tf.tidy(() => tf.softmax(logits).dataSync() as Float32Array);
  tf.dispose([x, logits]);
  net.dispose();
  let pred = 0;
  probs.forEach((p, i) => { if (p > probs[pred]) pred = i; });
  const name = (c: number) => (meta.classNames?.[c] !== undefined ? ` (${meta.classNames[c]})` : '');

  const steps = sampleSteps(T, sample);
  const base: RgbImage = rgbImage(pixels, height, width, 3);
  const tiles = layers.map((layer) => [base, ...steps.map((t) => overlay(base, sam.normalised(layer, t)))]);
  sam.dispose();
  const png = tileGridPng({
    tiles,
    rowLabels: layers,
    columnLabels: ['input', ...steps.map((t) => `t=${t + 1}`)],
    title: `SAM ${args.variant} γ=${gamma} T=${T}: predicted ${pred}${name(pred)}`,
    scale: Math.max(1, Math.round(128 / Math.max(height, width))),
  });
  writeFileAtomic(args.out, png);
  console.log(`predicted class: ${pred}${name(pred)}, p = ${probs[pred].toFixed(3)}`);
  if (picked !== null) console.log(`class ${picked}${name(picked)}: p = ${probs[picked].toFixed(3)}`);
  console.log(`wrote ${args.out}`);
});
