// %% md
// # Figure 6a/b: robustness under FGSM, in accuracy and in the explanations
// Kim & Panda (2021), Fig. 6a and 6b. Each model is attacked with its own gradient by the Fast
// Gradient Sign Method, `x' = clip(x + ε·sign(∇ₓL), 0, 1)`: the ANN through its expected-spike
// input, the SNNs by BPTT through the surrogate with the gradient passed straight through the
// Poisson encoder (Sharmin et al.'s SNN-crafted attack). Both pass the gradient straight through
// the signed encoder's clip too, so saturated pixels are attacked (`unattacked_fraction` says how
// many pixel-channels still had a zero gradient).
//
// - **Accuracy vs ε** (`attack.epsilons`, in 1/255) for the ANN, the surrogate SNN and the
//   converted SNN, all on the same images. An SNN's attack runs BPTT over min(T, 32) steps and
//   the adversarial images are evaluated over its full T: the converted SNN (T = `convert.timesteps`)
//   is attacked with 32 crafting steps (`crafting_timesteps`), a truncated-BPTT attack that may
//   be weaker than one through all its steps.
// - **Heat-map change** at ε = `attack.heatmap_epsilon`: the ANN's Grad-CAM (ground-truth class)
//   and each SNN's explanations (every registered method: SAM, the firing-rate map, and
//   SNN-crafted Grad-CAM on the surrogate network) on the clean and on the adversarial image;
//   normalised L1 distance between the two maps, for an SNN's map the **maximum over
//   time-steps**, averaged over the images. Clean and adversarial runs use the same Poisson
//   draws, so only the perturbation differs.
//
// **Paper claims:** the SNN's accuracy drops less than the ANN's, and SAM changes less than
// Grad-CAM under the attack. All numbers below are read back from `reports/metrics/05-fgsm.json`
// and `reports/plots/05-fgsm.csv`.
// %%
import * as sl from './lib/index';
sl.progressToStdout();
const name = '05-fgsm';
const ctx = await sl.loadFigureContext(name);
sl.describeBackend(ctx.backend);
// %%
const result = await sl.figureFgsm(ctx);
await sl.saveFigureOutputs(name, result);
ctx.dispose();
// %% md
// ## Fig. 6b (left): accuracy under attack
// %%
await sl.showChart(result.charts[0]);
// %% md
// ## Fig. 6b (right): how much the heat map changes
// %%
await sl.showChart(result.charts[1]);
// %% md
// ## Fig. 6a: clean vs adversarial heat maps at conv4
// Rows: images, labelled with the true class and each model's prediction on the clean and on the
// adversarial image (A = ANN, S = surrogate SNN, C = converted SNN). Columns: the clean and the
// adversarial input, then each model's maps on both (the ANN's Grad-CAM, then every explanation of
// each SNN at its step of largest change, stamped).
// %%
sl.showPng(result.pngs!.grid, 'Grad-CAM and the SNN explanations, clean vs adversarial');
// %% md
// ## The numbers
// %%
sl.showJson(sl.readJson(`reports/metrics/${name}.json`), `reports/metrics/${name}.json`);
