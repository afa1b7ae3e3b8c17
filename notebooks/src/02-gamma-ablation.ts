// %% md
// # Figure 5a: SAM localization error vs γ
// Kim & Panda (2021), Fig. 5a. The TSCS kernel `exp(−γ|t − t'|)` decides how long an earlier spike
// keeps counting in SAM's neuronal contribution score: γ = 0 counts every earlier spike fully,
// large γ only the most recent ones.
//
// **A third network** can run beside the paper's two: a second surrogate-trained SNN
// (`second_snn`; in profile `fine-tune`, train-snn's T = 8 network with adaptive-threshold LIF
// neurons, `surrogate-alif`, fine-tuned one epoch). The default shows none (`second_snn.figures`
// lists the figures that show it). It gets numbers and charts, no verdicts: the paper's claims
// are about its two SNNs.
//
// For each γ in `explain.gammas`, each layer in `explain.layers` (conv4, conv6, conv8) and both
// training methods, the **localization error** is the binary cross-entropy between the ANN's
// Grad-CAM G (ground-truth class, same layer) and SAM's map M_t, minimised over the time-steps and
// averaged over the `explain.images` validation images. Maps are compared at the layer's own
// resolution, all normalised scale-free to [0, 1]. One simulation per network and batch feeds one
// SAM observer per γ, so the whole sweep costs one forward pass per network.
//
// **Paper claim:** γ = 0 gives the highest error (it does not filter old, uninformative spikes), and
// large γ (≈ 1) is worse again than a middle value (it forgets the spike history).
// The metrics report, per method and layer, the best γ, whether γ = 0 is strictly the worst
// (`gamma0_worst`, overall `gamma0_worst_fraction`) and whether the best γ lies inside the range
// (`best_interior`).
// %%
import * as sl from './lib/index';
sl.progressToStdout();
const name = '02-gamma-ablation';
const ctx = await sl.loadFigureContext(name);
sl.describeBackend(ctx.backend);
// %%
const result = await sl.figureGammaAblation(ctx);
await sl.saveFigureOutputs(name, result);
ctx.dispose();
// %% md
// ## Error vs γ: rows = layers, columns = training methods (as in the paper)
// Each panel has its own y range: γ changes the error far less than the layer or the method does.
// %%
await sl.showChart(result.charts[0]);
// %% md
// ## All layers of one method in one panel
// %%
await sl.showChart(result.charts[1]);
// %% md
// ## The numbers
// %%
sl.showJson(sl.readJson(`reports/metrics/${name}.json`), `reports/metrics/${name}.json`);
