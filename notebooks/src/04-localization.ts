// %% md
// # Figures 4 and 5c: SAM layer by layer, and its localization error
// Kim & Panda (2021), Fig. 4 and Fig. 5c. Both spiking VGG11 networks (surrogate-gradient BNTT
// training and ANN→SNN conversion) run once per image with a **SAM** observer on conv4, conv6 and
// conv8 (`explain.layers`; γ = `explain.gamma`, variant `explain.variant`). SAM needs no label and
// no gradient. The reference is the ANN's **Grad-CAM** at the same layer (ground-truth class).
//
// **A third network** can run beside the paper's two: a second surrogate-trained SNN
// (`second_snn`; in profile `fine-tune`, train-snn's T = 8 network with adaptive-threshold LIF
// neurons, `surrogate-alif`, fine-tuned one epoch). The default shows none (`second_snn.figures`
// lists the figures that show it). It gets numbers and charts, no verdicts: the paper's claims
// are about its two SNNs.
//
// **Localization error** (paper Eq. 10): the binary cross-entropy between the ANN's Grad-CAM G and
// SAM's map M_t at each step, **minimum over t**, per image, over the `explain.images` validation
// images. The paper leaves several details of Eq. 10 open; the defaults used here, and what
// happens to the verdicts under the alternatives, are in the sensitivity section below.
//
// **Paper claims (Fig. 5c):** the error grows with depth (shallow layers show edges and blobs, deep
// layers the object), and conversion is worse than surrogate training at every layer. Each is
// judged per image pair with a seeded 95 % bootstrap interval over the images: a claim **holds**
// where the whole interval of the mean difference lies above 0, **fails** where it lies at or
// below 0, and is **inconclusive** otherwise.
//
// **Beyond the paper:** box scores against the data set's ground-truth boxes: the pointing game
// (Zhang et al. 2016: does the map's maximum fall on the object?) at each layer's own resolution,
// and the share of the map's energy inside the box, next to their chance levels, for
// every registered explanation method of the SNNs (`lib/explain/registry.ts`: SAM, the firing-rate
// map, and SNN-crafted Grad-CAM on the surrogate network only: BPTT through the converted
// network's 300 steps costs minutes on a CPU) and the ANN's Grad-CAM; and **faithfulness**, the
// deletion and insertion AUCs of the same maps. Every SNN explanation also gets the localization
// error against the ANN's Grad-CAM (main chart); the paper's claims are SAM's. An SNN's map is its **time-average** here (no reference needed
// to pick a step). All numbers below are read back from `reports/metrics/04-localization.json` and
// `reports/plots/04-localization.csv`.
// %%
import * as tslab from 'tslab';
import * as sl from './lib/index';
sl.progressToStdout();
const name = '04-localization';
const ctx = await sl.loadFigureContext(name);
sl.describeBackend(ctx.backend);
// %%
const result = await sl.figureLocalization(ctx);
await sl.saveFigureOutputs(name, result);
ctx.dispose();
// %% md
// ## Fig. 5c: localization error per layer
// One line per explanation and training method (the paper's Fig. 5c is SAM's two lines).
// %%
await sl.showChart(result.charts[0]);
// %% md
// The paper's claims, θ = mean over images of the paired difference of errors (deeper − shallower
// layer, conversion − surrogate), with its 95 % bootstrap interval:
// %%
tslab.display.markdown(result.tables.claims);
// %% md
// ## Sensitivity to the choices the paper leaves open
// Defaults, one sentence each:
// - **BCE clamp ε = 1e-7** (M clamped to [ε, 1 − ε] before the logarithms): a pixel where SAM is
//   exactly 0 but G is not then costs at most 16 nats, a confident miss, without letting the
//   count of exact zeros (most pixels of a converted network's SAM) swamp the map's shape as
//   PyTorch's 100-nat log clamp (ε ≈ e^-100) does; ε = 1e-3 (6.9 nats) errs the other way.
// - **Scale-free normalisation** `(m − min) / ((max − min)(1 + 10⁻³))`: raw Grad-CAM values are
//   10⁻⁴…10⁻² here, where the authors' absolute ε = 10⁻³ squashes G towards 0 and so rewards
//   near-empty SAM maps, whatever their shape.
// - **Minimum over t**: it is Eq. 10 as printed; the mean over t and the error of the
//   time-averaged map are the alternatives.
// - **Empty maps excluded from the minimum** (a step whose map is constant, e.g. SAM's first step,
//   which has no earlier spikes; all steps are used if every one is empty): such a step has no map
//   to compare, and against a mostly dark G an all-zero map wins the minimum by predicting
//   nothing, which would reward silence (`empty_maps` in the JSON counts how often it would).
// - **Each layer's own resolution**: SAM and the ANN's Grad-CAM of one layer share that layer's
//   grid, so they are compared without bilinear upsampling, which would smooth both and invent
//   values between neurons.
//
// Each row changes one choice and keeps the others at their defaults; each cell is the verdict
// and θ of one claim (same bootstrap resamples under every option), **bold** where the verdict
// differs from the default's. The flat rows are `sensitivity.rows` in the JSON.
// %%
tslab.display.markdown(result.tables.sensitivity);
// %% md
// ## Fig. 4: SAM over time at conv4, conv6, conv8
// One block per image. Rows: layer × training method; columns: the input (ground-truth box in
// red), SAM at evenly spaced steps (each tile stamped with its step; the column header is the
// fraction of that network's T, since the two networks run for different T), and the ANN's
// Grad-CAM at that layer. Jet colours, α = 0.5.
// %%
sl.showPng(result.pngs!.grid, 'SAM per layer and method over time, ANN Grad-CAM');
// %% md
// ## Where SAM's border artefact comes from: encoder × padding
// With the authors' `signed` encoder on ImageNet's statistics the black background of the scenes
// spikes −1 at almost every step; zero padding then forms an edge against that background at every
// layer, and SAM of the surrogate network lights up the border instead of the object. `npm run grid`
// trains one surrogate SNN per encoder × padding pair on one equal, reduced budget (T = 8) and
// measures SAM on each, on the validation images and on an **all-black input** (no object at all:
// any structure in that map is the network's own). The ring energy share is the share of SAM's
// energy on the map's outer ring; a uniform map scores the ring's area share. The last column runs
// each net for `snn.timesteps` steps (BNTT statistics recalibrated, no training): a background that
// spikes on every step fills SAM's late maps, which the short run does not show; the `signed`
// encoder on the training set's own statistics (the default) keeps the background quiet. The grid
// is committed under `reports/grid/` (it is not part of `dvc repro`: it trains six networks).
// %%
const artefact = sl.loadArtefactGrid();
if (artefact) {
  tslab.display.markdown(artefact.markdown);
  sl.showPng(artefact.png, 'SAM per encoder and padding, on an image and on an all-black input');
} else {
  tslab.display.markdown('_No grid yet: `npm run grid` writes reports/grid/encoding-padding.{json,md,png}._');
}
// %% md
// ## Box scores
// Means over the images with a usable box, 95 % bootstrap intervals. The **pointing game** is
// scored on each layer's own grid, as Eq. 10 is: a hit when a cell holding the time-averaged
// map's maximum overlaps the object's box, against a random cell's hit rate (the share of the
// layer's cells that overlap the box). The map only says which neuron is most active; upsampled
// first, it peaks at that cell's centre, up to half a cell (4 px at conv6, 8 px at conv8) outside
// a box the cell overlaps, so the **upsampled** pointing game (the maximum pixel inside the box,
// beside it) scores interpolation as much as the map. "Box area share" is what a uniform map puts
// in the box. `box_claims` in the JSON judges "energy in the box > area share" and "hit rate > a
// random cell's" per explanation and layer.
// %%
await sl.showChart(result.charts[1]);
tslab.display.markdown(result.tables.boxes);
// %% md
// ## SAM's pointing game step by step
// The box scores above use the time-averaged map. Here each step's own SAM map is scored on the
// layer's grid (`pointing_game_by_step` in the JSON, per 1-based step; step 1 is empty by
// definition). Where the per-step hit rate falls as the run goes on, a longer run averages in
// more of the late, less localized maps: the time-averaged score depends on T.
// %%
tslab.display.markdown(result.tables.pointingByStep);
// %% md
// ## Where the maximum lies when it misses
// Each map's maximum cell, classified (`peak_location` for the time-averaged maps of every
// explanation, `peak_location_by_step` for SAM's maps step by step): **in the box** (a pointing-game
// hit), on **other image content** outside the box (a cell with a pixel ≥ 64 of 255: on
// mnist-scenes, the clutter of other digits' fragments), on the grid's **border ring** (where
// padding acts: the artefact's signature), or on **blank background**. Shares of the boxed images;
// a constant map (no spikes) points nowhere and counts in none of them.
// %%
tslab.display.markdown(result.tables.peakLocation);
// %% md
// ## Faithfulness: deletion and insertion
// Petsiuk et al. (2018): pixels are ranked by the (time-averaged, upsampled) map; **deletion**
// sets them to black (the scenes' background), most salient first, in 8 steps, and the area
// under the explained model's probability of the true class is reported (lower = the map found
// what the model uses); **insertion** adds them to a black image (higher = better). Each map is
// scored by the model it explains: the ANN for its Grad-CAM, the SNN (fresh Poisson input per
// call) for its explanations. An SNN with many steps is scored on the first images only,
// within a budget of image × step evaluations: n in the table, settings in `faithfulness.settings`.
// %%
tslab.display.markdown(result.tables.faithfulness);
// %% md
// ## SAM over time, first image, conv4
// Drag the slider in JupyterLab (frame k shows step ≈ k·T/K of each network); static viewers show
// the middle frame.
// %%
await sl.showChart(result.charts[2]);
// %% md
// ## The numbers
// %%
sl.showJson(sl.readJson(`reports/metrics/${name}.json`), `reports/metrics/${name}.json`);
