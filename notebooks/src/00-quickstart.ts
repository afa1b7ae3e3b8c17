// %% md
// # spikelens quickstart
// Starts the fastest tfjs backend available, and draws a chart with the project's plot helpers:
// interactive Vega-Lite in JupyterLab, a PNG for every other viewer. The spikelens kernel runs in
// the project root, so notebooks import `./lib` and use the same paths as the pipeline stages.
// %%
import * as sl from './lib/index';
const backend = await sl.initBackend({ log: false });
sl.describeBackend(backend);
// %%
const rows = Array.from({ length: 30 }, (_, t) => ({ step: t, rate: Math.exp(-0.5 * ((t - 12) / 5) ** 2), kind: 'surrogate' }));
await sl.showChart(sl.lineChart(rows, { x: 'step', y: 'rate', color: 'kind', title: 'A Gaussian-like spike rate' }));
