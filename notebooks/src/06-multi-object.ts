// %% md
// # Figure 6c: two objects in one input
// Kim & Panda (2021), Fig. 6c. Two validation images of different classes are stacked vertically,
// as in the paper (128×64; the networks end in global average pooling, so any multiple-of-16 size runs) and each
// spiking network runs once per pair with SAM on conv4 and conv6 and an observer that records the
// class probabilities softmax(output / t) at every step; the other registered explanation methods
// (the firing-rate map; SNN-crafted Grad-CAM of the predicted class on the surrogate network) run
// on the same spikes for comparison (no claim).
//
// Attention per step: an explanation's map upsampled to the input, share of its energy inside
// each object's box.
// `s` = the top box's share of the energy that falls in either box; the network has **settled on
// one object** when max(s, 1 − s) ≥ 0.6 at the last step, and it **attends** the object with the
// larger share.
//
// **Paper claims:** neurons compete for both objects early and attend one of them at the end (the
// focus |2s − 1| grows over time), and the class probabilities follow the attended object (the
// attended object is the one with the higher final probability). All numbers below are read back
// from `reports/metrics/06-multi-object.json` and `reports/plots/06-multi-object.csv`.
// %%
import * as sl from './lib/index';
sl.progressToStdout();
const name = '06-multi-object';
const ctx = await sl.loadFigureContext(name);
sl.describeBackend(ctx.backend);
// %%
const result = await sl.figureMultiObject(ctx);
await sl.saveFigureOutputs(name, result);
ctx.dispose();
// %% md
// ## The first pair: class probabilities and attention over time
// %%
await sl.showChart(result.charts[0]);
// %% md
// ## SAM over time, first pair
// Rows: layer × training method; columns: the input, then SAM at evenly spaced steps (top box
// red, bottom box white; under each tile its step and the two classes' probabilities).
// %%
sl.showPng(result.pngs!.grid, 'SAM on two objects over time');
// %%
await sl.showChart(result.charts[2]);
// %% md
// ## Does attention settle on one object? Mean focus over all pairs, per explanation and layer
// %%
await sl.showChart(result.charts[1]);
// %% md
// ## The numbers
// %%
sl.showJson(sl.readJson(`reports/metrics/${name}.json`), `reports/metrics/${name}.json`);
