/**
 * Vega-Lite → SVG (vega's headless View) → PNG (resvg), and atomic writes of both.
 *
 * Vega writes `font-family="sans-serif"`; resvg needs a concrete default family or the text
 * comes out in a serif face, and with system fonts off it silently drops all text.
 */
import * as path from 'path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { VegaLiteSpec } from './spec';
import { writeFileAtomic } from '../io/atomic';

/** Renders a Vega-Lite spec to an SVG string. */
export async function toSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vl.compile(spec as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG string to PNG bytes at `scale`× its size (fonts: DejaVu Sans). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return r.render().asPng();
}

/** Renders a spec and writes `<stem>.svg` and `<stem>.png`; returns both paths. */
export async function saveFigure(spec: VegaLiteSpec, stem: string): Promise<{ svg: string; png: string }> {
  const svg = await toSvg(spec);
  const png = svgToPng(svg);
  const out = { svg: `${stem}.svg`, png: `${stem}.png` };
  writeFileAtomic(out.svg, svg);
  writeFileAtomic(out.png, png);
  return { svg: path.resolve(out.svg), png: path.resolve(out.png) };
}
