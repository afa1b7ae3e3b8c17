import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { lineChart, barChart, hconcat } from '../lib/plot/spec';
import { saveFigure, toSvg } from '../lib/plot/render';

const rows = [0, 1, 2, 3].flatMap((t) => [{ t, v: t * t, m: 'surrogate' }, { t, v: 2 * t, m: 'conversion' }]);

describe('plots', () => {
  it('line specs encode the fields asked for', () => {
    const s = lineChart(rows, { x: 't', y: 'v', color: 'm', title: 'Spikes' }) as any;
    expect(s.$schema).toMatch(/vega-lite\/v5/);
    expect(s.encoding.x.field).toBe('t');
    expect(s.encoding.color.field).toBe('m');
    expect(s.data.values).toHaveLength(8);
    const f = lineChart(rows, { x: 't', y: 'v', column: 'm' }) as any;
    expect(f.facet.column.field).toBe('m');
  });

  it('renders SVG with the title and axis text', async () => {
    const svg = await toSvg(hconcat([lineChart(rows, { x: 't', y: 'v', color: 'm', title: 'Spikes per step' }), barChart(rows, { x: 'm', y: 'v' })]));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Spikes per step');
    expect(svg).toContain('surrogate');
  });

  it('writes a PNG whose text was drawn (fonts found)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plot-'));
    const withText = await saveFigure(lineChart(rows, { x: 't', y: 'v', title: 'Title text' }), path.join(dir, 'a'));
    const png = PNG.sync.read(fs.readFileSync(withText.png));
    expect(png.width).toBeGreaterThan(300);
    // Compare against the same chart without any text: drawn text adds dark pixels.
    const bare = lineChart(rows, { x: 't', y: 'v' }) as any;
    bare.encoding.x.axis = null;
    bare.encoding.y.axis = null;
    const noText = await saveFigure(bare, path.join(dir, 'b'));
    const dark = (f: string) => {
      const p = PNG.sync.read(fs.readFileSync(f));
      let n = 0;
      for (let i = 0; i < p.data.length; i += 4) if (p.data[i] < 80 && p.data[i + 1] < 80 && p.data[i + 2] < 80) n++;
      return n;
    };
    expect(dark(withText.png)).toBeGreaterThan(dark(noText.png) + 200);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
