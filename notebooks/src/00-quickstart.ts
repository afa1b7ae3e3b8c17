// %% md
// # spikelens quickstart
// The spikelens kernel runs in the project root, so notebooks import `./lib/index` and use the
// same paths as the pipeline stages. This notebook starts the fastest tfjs backend available,
// explains a spiking network with SAM in a few lines, and draws a chart: interactive Vega-Lite
// in JupyterLab, a PNG for every other viewer.
// %%
import * as sl from './lib/index';
const backend = await sl.initBackend({ log: false });
sl.describeBackend(backend);
// %% md
// ## SAM on a spiking network in a few lines
// Four built-in scenes (MNIST digits on clutter, with their boxes), a VGG11 SNN (the trained one
// from `data/checkpoints/snn.ckpt` when the pipeline has run, else a random one), and a
// `SpikeActivationMap` observer: one simulation gives the map of every step, no gradients.
// %%
import * as fs from 'fs';
const scenes = sl.buildScenes('mnist-scenes', { split: 'val', size: 4, classes: 0, imageSize: 64, scaleMin: 0.9, scaleMax: 1.6, clutter: 6, noise: 0.05, rng: new sl.Rng(1) });
const ckpt = 'data/checkpoints/snn.ckpt';
const loaded = fs.existsSync(ckpt) ? sl.loadSnn(ckpt) : null;
const net = loaded?.model
  ?? sl.SpikingVgg.create({ arch: sl.vggArch(0.125, 10), timesteps: 8, leak: 0.99, thresholds: sl.SPIKING_LAYERS.map(() => 1), order: 'integrate-then-fire', reset: 'subtract', bntt: true }, new sl.Rng(2));
const T = net.config.timesteps;
// The encoder the network was trained with, its input normalisation included (checkpoint metadata).
const encoder: sl.EncoderSpec = (loaded ? sl.encoderFromMeta(loaded.meta, ckpt) : null) ?? 'signed';
console.log(loaded
  ? `Trained network: ${ckpt} (T = ${T}, ${sl.describeEncoder(encoder)} spikes, ${(loaded.meta.classNames ?? []).length} classes)`
  : `NOTE: ${ckpt} does not exist yet (run npm run repro): this is a RANDOM, UNTRAINED network, so its maps below show the code working, not what a trained network looks at.`);
const images = sl.toTensor(scenes, [0, 1, 2, 3]);
const sam = new sl.SpikeActivationMap({ layers: ['conv4'], gamma: 0.5 });
const logits = sl.snnLogits(net, images, encoder, T, new sl.Rng(3), [sam]);
// %%
const tiles = [0, 1, 2, 3].map((b) => sl.outlineBox(sl.overlay(sl.rgbImage(sl.itemOf(scenes, b).image, 64, 64, 3), sam.upsampled('conv4', T - 1, b)), sl.boxOf(scenes, b)));
sl.showPng(sl.tileGridPng({ tiles: [tiles], columnLabels: ['scene 1', 'scene 2', 'scene 3', 'scene 4'], scale: 3 }), `SAM at conv4, step ${T}`);
// %% md
// ## A chart
// %%
const rows = Array.from({ length: T }, (_, t) => ({ step: t + 1, energy: sl.valueRange(sam.map('conv4', t, 0)).max }));
await sl.showChart(sl.lineChart(rows, { x: 'step', y: 'energy', title: 'Peak of the raw SAM map over time (scene 1)' }));
// %%
sam.dispose();
sl.backendInfo()?.choice;
