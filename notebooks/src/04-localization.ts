// %% md
// # Figures 4 and 5c: SAM layer by layer, and its localization error
// Kim & Panda (2021), Fig. 4 and Fig. 5c. Both spiking VGG11 networks (surrogate-gradient BNTT
// training and ANN→SNN conversion) run once per image with a **SAM** observer on conv4, conv6 and
// conv8 (`explain.layers`; γ = `explain.gamma`, variant `explain.variant`). SAM needs no label and
// no gradient. The reference is the ANN's **Grad-CAM** at the same layer (ground-truth class).
//
// **Localization error** (paper Eq. 10): the binary cross-entropy between the ANN's Grad-CAM G and
// SAM's map M_t at each step, **minimum over t**, averaged over the `explain.images` validation
// images. Maps are normalised scale-free, `(m − min) / ((max − min)(1 + 10⁻³))`: raw Grad-CAM values
// are 10⁻⁴…10⁻², where the authors' absolute ε = 10⁻³ would squash G towards 0.
//
// **Paper claims (Fig. 5c):** the error grows with depth (shallow layers show edges and blobs, deep
// layers the object), and conversion is worse than surrogate training at every layer.
//
// **Beyond the paper:** box scores against the data set's ground-truth boxes: the pointing game
// (is the map's maximum inside the box?) and the share of the map's energy inside the box, for
// SAM, SNN-crafted Grad-CAM (surrogate network only: BPTT through the converted network's 300
// steps costs minutes on a CPU) and the ANN's Grad-CAM. An SNN's map is its **time-average**
// here (no reference needed to pick a step). "chance" is a uniform map: the box's share of the
// image. All numbers below are read back from `reports/metrics/04-localization.json` and
// `reports/plots/04-localization.csv`.
// %%
import * as sl from './lib/index';
const name = '04-localization';
const ctx = await sl.loadFigureContext(name);
sl.describeBackend(ctx.backend);
// %%
const result = await sl.figureLocalization(ctx);
await sl.saveFigureOutputs(name, result);
ctx.dispose();
// %% md
// ## Fig. 5c: localization error per layer
// %%
await sl.showChart(result.charts[0]);
// %% md
// ## Fig. 4: SAM over time at conv4, conv6, conv8
// One block per image. Rows: layer × training method; columns: the input (ground-truth box in
// red), SAM at evenly spaced steps (each tile stamped with its step; the column header is the
// fraction of that network's T, since the two networks run for different T), and the ANN's
// Grad-CAM at that layer. Jet colours, α = 0.5.
// %%
sl.showPng(result.pngs!.grid, 'SAM per layer and method over time, ANN Grad-CAM');
// %% md
// ## Box scores
// %%
await sl.showChart(result.charts[1]);
// %% md
// ## SAM over time, first image, conv4
// Drag the slider in JupyterLab (frame k shows step ≈ k·T/K of each network); static viewers show
// the middle frame.
// %%
await sl.showChart(result.charts[2]);
// %% md
// ## The numbers
// %%
sl.readJson(`reports/metrics/${name}.json`);
