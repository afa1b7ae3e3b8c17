/**
 * spikelens: visual explanations for spiking neural networks.
 * The public surface; notebooks and users import from here.
 */
export { initBackend, backendInfo, describeBackend, parseBackendChoice, BACKEND_CHOICES } from './backend';
export type { BackendChoice, BackendInfo, InitBackendOptions } from './backend';
export { loadParams, resolveParams, describeParams, ParamsError } from './params';
export type { Params } from './params';
export { Rng, hashString } from './random';
export { writeFileAtomic, writeJsonAtomic, readJson } from './io/atomic';
export { lineChart, barChart, hconcat, vconcat, VEGA_LITE_SCHEMA } from './plot/spec';
export type { VegaLiteSpec, Row, LineOptions, BarOptions } from './plot/spec';
export { toSvg, svgToPng, saveFigure } from './plot/render';
export { showChart, showPng, inNotebook } from './plot/notebook';
