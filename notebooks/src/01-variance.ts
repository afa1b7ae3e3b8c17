// %% md
// # Figure 2: SAM vs SNN-crafted Grad-CAM — heat-map variance
// Kim & Panda (2021), Fig. 2. Both spiking VGG11 networks (surrogate-gradient BNTT training and
// ANN→SNN conversion) are explained at **conv4** on the same Poisson spikes by every registered
// explanation method (`lib/explain/registry.ts`):
// - **SAM** (γ = `explain.gamma`, variant `explain.variant`): no label, no gradient;
// - **SNN-crafted Grad-CAM**: gradients of the ground-truth class score through the surrogate,
//   per-step channel weights, one map per time-step; and
// - the **firing rate** map (spikes per neuron so far, summed over channels), the plain baseline
//   SAM is compared against (beyond the paper; no claim).
//
// **A third network** can run beside the paper's two: a second surrogate-trained SNN
// (`second_snn`; in profile `fine-tune`, train-snn's T = 8 network with adaptive-threshold LIF
// neurons, `surrogate-alif`, fine-tuned one epoch). The default shows none (`second_snn.figures`
// lists the figures that show it). It gets numbers and charts, no verdicts: the paper's claims
// are about its two SNNs.
//
// Each step's map is normalised to [0, 1]; an image's variance is the **maximum over steps** of the
// pixel variance, averaged over the `explain.images` validation images (Fig. 2b).
//
// **Paper claim:** SAM has a higher heat-map variance than SNN-crafted Grad-CAM for both training
// methods: the approximate surrogate gradient smooths Grad-CAM ("heat-map smoothing effect").
//
// Normalisation is scale-free, `(m − min) / ((max − min)(1 + 10⁻³))`: the authors' absolute ε = 10⁻³
// would flatten every Grad-CAM map here (raw values 10⁻⁹…10⁻³); the metric
// `gradcam_variance_absolute_eps` records what that would give. `claims` judges the paper's claim per
// training method from the 95 % paired-bootstrap interval over images of mean(SAM − Grad-CAM
// variance): **holds** only when the interval lies above 0, **fails** when it lies at or below 0,
// otherwise **inconclusive**. All numbers below are read back
// from `reports/metrics/01-variance.json` and `reports/plots/01-variance.csv`.
// %%
import * as sl from './lib/index';
sl.progressToStdout();
const name = '01-variance';
const ctx = await sl.loadFigureContext(name);
sl.describeBackend(ctx.backend);
// %%
const result = await sl.figureVariance(ctx);
await sl.saveFigureOutputs(name, result);
ctx.dispose();
// %% md
// ## (b) Heat-map variance, mean ± std over images
// %%
await sl.showChart(result.charts[0]);
// %% md
// ## (a) Heat maps at conv4
// Rows: images (labelled with their class). Columns: the input, then every explanation (SAM, SNN
// Grad-CAM, firing rate) for the surrogate (S) and the converted (C) network, each map at its own
// step of maximum variance, overlaid on the image (jet, α = 0.5).
// %%
sl.showPng(result.pngs!.grid, 'Every explanation at conv4');
// %% md
// ## Over time
// Every explanation of the first image at every step (the converted network's steps
// subsampled to at most 30). Drag the slider in JupyterLab; static viewers show the opening step.
// %%
for (const chart of result.charts.slice(1)) await sl.showChart(chart);
// %% md
// ## The numbers
// %%
sl.showJson(sl.readJson(`reports/metrics/${name}.json`), `reports/metrics/${name}.json`);
