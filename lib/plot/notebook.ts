/**
 * Notebook display: one output holding the interactive Vega-Lite chart (JupyterLab renders
 * `application/vnd.vegalite.v5+json` natively) and a static PNG for viewers that do not
 * (GitHub, nbviewer, plain Jupyter). Outside a tslab kernel it does nothing; `inNotebook()` tells.
 */
import type { VegaLiteSpec } from './spec';
import { toSvg, svgToPng } from './render';

type WriteDisplay = (content: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

function displayWriter(): WriteDisplay | null {
  try {
    // tslab keeps the current cell's display channel here; `tslab.display.raw` can only send
    // one MIME type, and a mixed bundle is what lets every viewer pick what it can render.
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: WriteDisplay | null };
    return jupyter.lastWriteDisplayData;
  } catch {
    return null;
  }
}

/** True when running inside a tslab kernel. */
export function inNotebook(): boolean {
  return displayWriter() !== null;
}

/** Shows a chart: interactive Vega-Lite plus a PNG fallback. Does nothing outside a notebook. */
export async function showChart(spec: VegaLiteSpec): Promise<void> {
  const write = displayWriter();
  if (!write) return;
  const png = Buffer.from(svgToPng(await toSvg(spec))).toString('base64');
  const title = typeof spec.title === 'string' ? spec.title : 'chart';
  write({
    data: { 'application/vnd.vegalite.v5+json': spec, 'image/png': png, 'text/plain': `<${title}>` },
    metadata: {},
    transient: {},
  }, false);
}

/** Shows PNG bytes (e.g. a heat-map grid). Does nothing outside a notebook. */
export function showPng(png: Uint8Array, caption = 'image'): void {
  const write = displayWriter();
  if (!write) return;
  write({ data: { 'image/png': Buffer.from(png).toString('base64'), 'text/plain': `<${caption}>` }, metadata: {}, transient: {} }, false);
}

/**
 * Shows a JSON value readably: JupyterLab's collapsible JSON view, and the whole value indented
 * as text for every other viewer (instead of Node's inspect, which prints nested parts as
 * `[Object]`). Does nothing outside a notebook.
 */
export function showJson(value: unknown, caption = 'JSON'): void {
  const write = displayWriter();
  if (!write) return;
  write({ data: { 'application/json': value as Record<string, unknown>, 'text/plain': `${caption}:\n${JSON.stringify(value, null, 2)}` }, metadata: { 'application/json': { expanded: false } }, transient: {} }, false);
}

/**
 * In a notebook, sends the library's progress lines (written to stderr, where command-line stages
 * want them) to stdout, so Jupyter shows them as plain output rather than as red error boxes.
 * Errors still surface as thrown exceptions. Does nothing outside a notebook.
 */
export function progressToStdout(): void {
  if (!inNotebook()) return;
  console.error = (...args: unknown[]) => console.log(...args);
}
