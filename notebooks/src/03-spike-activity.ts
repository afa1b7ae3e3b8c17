// %% md
// # Figure 5b: spike activity over time
// Kim & Panda (2021), Fig. 5b. A spike counter on every spiking layer (conv1…conv8, fc1) of both
// networks counts spikes per time-step over the `explain.images` validation images. The curves
// show the total over all layers, **normalised by each network's own peak**.
//
// **A third network** can run beside the paper's two: a second surrogate-trained SNN
// (`second_snn`; in profile `fine-tune`, train-snn's T = 8 network with adaptive-threshold LIF
// neurons, `surrogate-alif`, fine-tuned one epoch). The default shows none (`second_snn.figures`
// lists the figures that show it). It gets numbers and charts, no verdicts: the paper's claims
// are about its two SNNs.
//
// **Paper claim:** the surrogate-trained SNN's activity rises and falls (Gaussian-like): little at
// the first steps, most in the middle, less at the end. The converted SNN's activity is nearly
// constant after about step 50 (of its 500).
//
// The two networks run for different numbers of steps (`snn.timesteps` vs `convert.timesteps`), so
// each gets its **own panel with its own time axis** (steps 1…T): squeezing both onto one
// normalised axis would hide the few steps of the surrogate network. Shape descriptors in the
// metrics: `rise_and_fall` (peak strictly inside, first and last step below 0.9 of it), `tail_cv`
// (coefficient of variation over the last half of the steps) and `flat_tail` (tail_cv < 0.1).
// %%
import * as sl from './lib/index';
sl.progressToStdout();
const name = '03-spike-activity';
const ctx = await sl.loadFigureContext(name);
sl.describeBackend(ctx.backend);
// %%
const result = await sl.figureSpikeActivity(ctx);
await sl.saveFigureOutputs(name, result);
ctx.dispose();
// %% md
// ## All layers together
// %%
await sl.showChart(result.charts[0]);
// %% md
// ## Layer by layer
// Each layer normalised by its own peak. In the converted network deeper layers start later, each
// charging up to its balanced threshold first. In the surrogate network it depends on `snn.order`:
// with fire-then-integrate (the default, as in the SAM repository) a layer answers one step after
// its input, so spikes pass through the network as a wave, each layer later than the one before
// it; with integrate-then-fire (profile `fine-tune`) spikes cross every layer within a step and
// all layers fire from the first step.
// %%
await sl.showChart(result.charts[1]);
// %% md
// ## The numbers
// %%
sl.showJson(sl.readJson(`reports/metrics/${name}.json`), `reports/metrics/${name}.json`);
