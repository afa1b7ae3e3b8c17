/**
 * The `explain` command: heat maps of one image through a trained spiking network, as a PNG grid
 * (rows = method × layer, columns = sampled time-steps; paper Fig. 4), plus the predicted class.
 * Any registered explanation method can be drawn (`--methods`; lib/explain/registry.ts).
 * Usage: see HELP below (`npx tsx lib/cli/explain.ts --help`).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '../backend';
import { loadDataset, pixelsToTensor } from '../data/dataset';
import { ENCODER_VARIANTS, describeEncoder, encoderVariant, sameEncoder, type EncoderSpec, type EncoderVariant } from '../data/encode';
import { encoderFromMeta } from '../data/normalisation';
import { resizeBilinear, toRaster, toRgbBytes } from '../data/raster';
import { convLayer, type ConvLayer } from '../explain/gradcam';
import { SAM_DEFAULT_GAMMA, type SamVariant } from '../explain/sam';
import type { ExplanationMethod } from '../explain/method';
import { explanationMethod, explanationMethods } from '../explain/registry';
import { sampleSteps } from '../metrics/steps';
import { writeFileAtomic } from '../io/atomic';
import { loadSnn, type ModelMeta } from '../train/store';
import { loadTorchSnn, type TorchImportOptions } from '../train/torch-import';
import { encodePng, overlay, rgbImage, tileGrid, withColourBar, type RgbImage } from '../plot/heatmap';
import { Rng } from '../random';
import { snnLogits } from '../snn/logits';
import { parseArgs, runMain } from './common';
import { DEFAULT_MAX_MEGAPIXELS, imageStats, modelSize, readImage, resampleArea, unlikeTraining } from './image-input';

const USAGE = 'usage: npx tsx lib/cli/explain.ts --image path.png|.jpg [--checkpoint data/checkpoints/snn.ckpt] [--out explain.png] [--layers 4,6,8] [--gamma 0.5] [--variant paper|reference] [--steps T] [--sample 10] [--class N] [--methods sam,…] [--seed 42] [--encoder signed|rate] [--size S] [--max-megapixels 40] [--leak L --threshold V --reset subtract|zero --padding zeros|replicate (for .safetensors)]';

const METHOD_IDS = explanationMethods().map((m) => m.id).join(', ');

const HELP = `${USAGE}

Spike Activation Maps (Kim & Panda 2021), or any other registered explanation, of one image
through a spiking VGG11 checkpoint (surrogate-trained or converted), written as a PNG grid: one
row per method and layer, the input image first, then the overlay (jet, alpha 0.5; colour bar
below) at --sample evenly spaced steps. Prints the predicted class (with its name when the
checkpoint lists class names), the classes the model knows, and the output path. SAM uses no
label: it shows where the network spikes.

  --image       PNG or JPEG file (required). Its size is read from the header first: over
                --max-megapixels it is refused before decoding. Greyscale is replicated to RGB;
                an alpha channel is dropped (not composited). The image is then scaled (aspect
                kept, by area averaging when shrinking) so that its longer side is --size, each
                side a multiple of 16 (VGG11 pools four times).
  --checkpoint  spiking checkpoint (default data/checkpoints/snn.ckpt); a .partial is refused.
                A .safetensors file is a PyTorch state_dict of a VGG11-shaped SNN (snnTorch or
                SpikingJelly layout; README "Your own model"); then --steps defaults to 30,
                --encoder to rate, and --leak, --threshold (default: the file's beta and
                threshold, else 1), --reset (default subtract; SpikingJelly: zero) and
                --padding (default zeros) say how it runs
  --out         output file, must end in .png (default explain.png); checked before the run
  --layers      conv layers, numbers 1..8 or names (default 4,6,8)
  --gamma       SAM decay γ ≥ 0 (default ${SAM_DEFAULT_GAMMA})
  --variant     paper (spikes strictly before t, Eq. 3; its t = 1 map is empty and not shown)
                or reference (the authors' code); default paper
  --steps       time-steps T (default: the checkpoint's; another T gets a note)
  --sample      number of steps shown (default 10; T = 30 shows every third step)
  --class       class N for the class-specific methods (and print its probability); on its own
                it adds SNN-crafted Grad-CAM (BPTT through all T steps) to the rows. SAM itself
                is the same for every class
  --methods     comma-separated explanation methods, by id (default: sam, plus snn-gradcam with
                --class); registered: ${METHOD_IDS}. A class-specific method without --class
                explains the predicted class
  --seed        seed of the Poisson encoder (default 42)
  --encoder     signed or rate (default: the checkpoint's, with its normalisation; else signed)
  --size        longer side the network sees (default: the checkpoint's training size, e.g. 64)
  --max-megapixels  refuse larger images (default ${DEFAULT_MAX_MEGAPIXELS})`;

/** How to run a PyTorch state_dict: --steps, --leak, --threshold, --reset, --padding (empty = the importer's default). */
function torchOptions(args: Record<string, string>): TorchImportOptions {
  const num = (flag: string, ok: (v: number) => boolean, want: string) => (args[flag] === '' ? undefined : parseNumber(`--${flag}`, args[flag], ok, want));
  if (args.reset !== '' && args.reset !== 'subtract' && args.reset !== 'zero') throw new Error(`--reset: '${args.reset}' is not subtract or zero`);
  if (args.padding !== '' && args.padding !== 'zeros' && args.padding !== 'replicate') throw new Error(`--padding: '${args.padding}' is not zeros or replicate`);
  return {
    timesteps: num('steps', isCount, 'a positive integer'),
    leak: num('leak', (v) => v >= 0 && v <= 1, 'a number from 0 to 1'),
    threshold: num('threshold', (v) => v > 0, 'a number > 0'),
    reset: args.reset === '' ? undefined : (args.reset as 'subtract' | 'zero'),
    padding: args.padding === '' ? undefined : (args.padding as 'zeros' | 'replicate'),
  };
}

/** `--out` checked before any work: a .png file name whose folder exists or can be made. */
function checkOut(out: string): void {
  if (!/\.png$/i.test(out)) throw new Error(`--out: '${out}' must end in .png (explain writes a PNG grid)`);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new Error(`--out: '${out}' is a folder; give a file name like ${path.join(out, 'explain.png')}`);
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
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

/** `--methods` as registered methods; empty means SAM, plus SNN Grad-CAM when a class is asked. */
function parseMethods(text: string, withClass: boolean): ExplanationMethod[] {
  const ids = text.trim() === '' ? ['sam', ...(withClass ? ['snn-gradcam'] : [])] : text.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  if (ids.length === 0) throw new Error(`--methods: '${text}' names no method; registered: ${METHOD_IDS}`);
  return [...new Set(ids)].map((id) => {
    try {
      return explanationMethod(id);
    } catch {
      throw new Error(`--methods: '${id}' is not a registered explanation method; registered: ${METHOD_IDS}`);
    }
  });
}

runMain('explain', async () => {
  const args = parseArgs(process.argv.slice(2), {
    image: '', checkpoint: 'data/checkpoints/snn.ckpt', out: 'explain.png', layers: '4,6,8', gamma: String(SAM_DEFAULT_GAMMA),
    variant: 'paper', steps: '', sample: '10', class: '', methods: '', seed: '42', encoder: '', size: '', 'max-megapixels': String(DEFAULT_MAX_MEGAPIXELS),
    leak: '', threshold: '', reset: '', padding: '',
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
  const methods = parseMethods(args.methods, picked !== null);
  const size = args.size === '' ? null : parseNumber('--size', args.size, (v) => Number.isInteger(v) && v >= 16 && v <= 1024, 'an integer from 16 to 1024');
  const maxMp = parseNumber('--max-megapixels', args['max-megapixels'], (v) => Number.isFinite(v) && v > 0, 'a number > 0');
  checkOut(args.out);
  if (!fs.existsSync(args.checkpoint)) throw new Error(`checkpoint not found: ${args.checkpoint} (train one with the train-snn or convert stage)`);
  if (!/\.safetensors$/i.test(args.checkpoint) && [args.leak, args.threshold, args.reset, args.padding].some((v) => v !== '')) {
    throw new Error('--leak, --threshold, --reset and --padding describe a PyTorch .safetensors model; a spikelens checkpoint carries its own');
  }
  if (args.checkpoint.endsWith('.partial')) throw new Error(`${args.checkpoint}: the saved state of an unfinished training run, not a trained model; use the final checkpoint (without .partial)`);
  const image = readImage(args.image, maxMp);

  const backend = await initBackend({ log: false });
  console.error(`explain: ${describeBackend(backend)}`);
  const torch = /\.safetensors$/i.test(args.checkpoint);
  const { model: net, meta } = torch ? loadTorchSnn(args.checkpoint, torchOptions(args)) : loadSnn(args.checkpoint);
  const trainedT = (meta.snn as NonNullable<ModelMeta['snn']>).timesteps;
  const T = args.steps === '' ? trainedT : parseNumber('--steps', args.steps, isCount, 'a positive integer');
  if (!torch && T !== trainedT) console.error(`explain: note: ${args.checkpoint} was made with T = ${trainedT}; running it at T = ${T} as asked (its maps and prediction at another T may differ)`);
  if (torch) console.error(`explain: ${args.checkpoint}: PyTorch VGG11 SNN, channels ${meta.arch.channels.join('/')}, ${meta.arch.classes} classes, λ = ${meta.snn?.leak}, θ = ${[...new Set(meta.snn?.thresholds)].join('/')}, ${meta.snn?.reset} reset, T = ${T}`);
  if (args.encoder && !ENCODER_VARIANTS.includes(args.encoder as EncoderVariant)) throw new Error(`--encoder: '${args.encoder}' is not one of ${ENCODER_VARIANTS.join(', ')}`);
  const trainedOn = encoderFromMeta(meta, args.checkpoint);
  // The checkpoint's own encoder (with its normalisation) unless --encoder asks for another variant.
  const asked = args.encoder as EncoderVariant | '';
  const encoder: EncoderSpec = !asked ? trainedOn ?? (torch ? 'rate' : 'signed') : trainedOn && encoderVariant(trainedOn) === asked ? trainedOn : asked;
  if (trainedOn && !sameEncoder(encoder, trainedOn)) console.error(`explain: note: ${args.checkpoint} was trained on ${describeEncoder(trainedOn)} spikes; encoding with ${describeEncoder(encoder)} as asked`);
  const classes = meta.arch.classes;
  if (picked !== null && picked >= classes) throw new Error(`--class: ${picked} is not a class of this checkpoint (0..${classes - 1})`);

  // The network sees the image at its training scale: shrink (area average) or enlarge (bilinear).
  const trained = Array.isArray(meta.image_size) ? meta.image_size : null;
  const longSide = size ?? (trained ? Math.max(trained[0], trained[1]) : Math.min(256, Math.max(image.width, image.height)));
  const { width, height } = modelSize(image.width, image.height, longSide);
  const pixels = new Uint8Array(height * width * 3);
  if (width <= image.width && height <= image.height) pixels.set(resampleArea(image, width, height).data);
  else toRgbBytes(resizeBilinear(toRaster(image.data, image.width, image.height, 3), width, height), pixels);
  if (height !== image.height || width !== image.width) console.error(`explain: resized ${image.width}x${image.height} → ${width}x${height} (longer side ${longSide}, sides multiples of 16)`);
  if (trained !== null && (height !== trained[0] || width !== trained[1])) console.error(`explain: note: this checkpoint was trained on ${trained[1]}x${trained[0]} images; the maps of a ${width}x${height} input may mean less`);

  // Warn loudly when the image looks nothing like what the model was trained on (the pipeline's
  // training set, when it is at hand and has the checkpoint's classes).
  const trainFile = 'data/prepared/train.bin';
  let warning: string | null = null;
  if (!torch && fs.existsSync(trainFile)) {
    const train = loadDataset(trainFile);
    if (meta.classNames && train.classNames.join('\n') === meta.classNames.join('\n')) warning = unlikeTraining(imageStats(pixels), imageStats(train.images));
  }
  if (warning) console.error(`explain: WARNING: ${warning}; the model knows only ${meta.classNames?.length ?? meta.arch.classes} classes (${(meta.classNames ?? []).slice(0, 10).join(', ')}) and names one of them whatever the image shows`);

  const x = pixelsToTensor(pixels, 1, height, width);
  // Every method and the prediction see the same spike trains: each replays the encoder's stream from `seed`.
  const logits = snnLogits(net, x, encoder, T, new Rng(seed));
  const probs = tf.tidy(() => tf.softmax(logits).dataSync() as Float32Array);
  logits.dispose();
  let pred = 0;
  probs.forEach((p, i) => { if (p > probs[pred]) pred = i; });
  const name = (c: number) => (meta.classNames?.[c] !== undefined ? ` (${meta.classNames[c]})` : '');

  const first = args.variant === 'paper' && T > 1 ? 1 : 0; // the paper variant's t = 1 map is always empty
  const steps = sampleSteps(T, Math.min(sample, T - first), first);
  const base: RgbImage = rgbImage(pixels, height, width, 3);
  const tiles: RgbImage[][] = [];
  const rowLabels: string[] = [];
  for (const method of methods) {
    const maps = method.explain({
      net, images: x, variant: encoder, timesteps: T, layers, rng: new Rng(seed),
      targets: method.needsTargets ? [picked ?? pred] : undefined,
      options: { gamma, samVariant: args.variant as SamVariant },
    });
    for (const layer of layers) {
      const series = maps.series(layer, 'normalised', 0);
      // A method with one map per image (no time axis) shows it in every column.
      tiles.push([base, ...steps.map((t) => overlay(base, series[Math.min(t, series.length - 1)]))]);
      const what = method.id === 'sam' ? '' : ` ${method.shortLabel ?? method.label}`;
      rowLabels.push(`${layer}${what}${method.needsTargets ? ` c${picked ?? pred}` : ''}`);
    }
  }
  tf.dispose(x);
  net.dispose();
  const grid = tileGrid({
    tiles,
    rowLabels,
    columnLabels: ['input', ...steps.map((t) => `t=${t + 1}`)],
    title: `${methods.map((m) => m.id === 'sam' ? `SAM ${args.variant} gamma ${gamma}` : m.shortLabel ?? m.label).join(', ')} T=${T}: predicted ${pred}${name(pred)} p=${probs[pred].toFixed(2)}`,
    scale: Math.max(1, Math.round(128 / Math.max(height, width))),
  });
  writeFileAtomic(args.out, encodePng(withColourBar(grid, 'low', 'high (per map)')));
  console.log(`predicted class: ${pred}${name(pred)}, p = ${probs[pred].toFixed(3)}`);
  if (picked !== null) console.log(`class ${picked}${name(picked)}: p = ${probs[picked].toFixed(3)}`);
  if (meta.classNames?.length) console.log(`the model knows only these ${meta.classNames.length} classes and names one of them whatever the image shows: ${meta.classNames.join(', ')}`);
  console.log(`wrote ${args.out}`);
});
