import { describe, expect, it } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { loadParams, resolveParams, describeParams, ParamsError } from '../lib/params';

const base = () => YAML.parse(fs.readFileSync('params.yaml', 'utf8')) as Record<string, any>;

function errorOf(doc: unknown, profile?: string): string {
  try {
    resolveParams(doc, 'params.yaml', profile);
  } catch (e) {
    expect(e).toBeInstanceOf(ParamsError);
    return (e as Error).message;
  }
  throw new Error('expected a ParamsError');
}

describe('params.yaml', () => {
  it('the committed file loads on every profile', () => {
    const p = loadParams('params.yaml', 'default');
    expect(p.profile).toBe('default');
    expect(p.data.source).toBe('mnist-scenes');
    const smoke = loadParams('params.yaml', 'smoke');
    expect(smoke.snn.timesteps).toBeLessThan(p.snn.timesteps);
    expect(smoke.snn.leak).toBe(p.snn.leak); // not overridden → inherited
    const paper = loadParams('params.yaml', 'paper');
    expect(paper.snn).toMatchObject({ width: 1, timesteps: 30 });
    expect(paper.convert.timesteps).toBe(500);
  });

  it('an unknown key names the key and the expected ones', () => {
    const d = base();
    d.snn.treshold = 1;
    expect(errorOf(d)).toMatch(/^params\.yaml: snn\.treshold: unknown key; expected one of width, padding, timesteps, leak, threshold, order, neuron, adaptation, adaptation_decay, surrogate$/);
  });

  it('a wrong type names the key, the expectation and the value', () => {
    const d = base();
    d.train_snn.epochs = 'ten';
    expect(errorOf(d)).toBe('params.yaml: train_snn.epochs: expected an integer ≥ 1, got string "ten"');
  });

  it('an out-of-range value is rejected', () => {
    const d = base();
    d.snn.leak = 1.5;
    expect(errorOf(d)).toBe('params.yaml: snn.leak: expected a number ≥ 0 and ≤ 1, got number 1.5');
  });

  it('a bad enum value lists the choices', () => {
    const d = base();
    d.explain.variant = 'fast';
    expect(errorOf(d)).toBe('params.yaml: explain.variant: expected one of paper, reference, got string "fast"');
  });

  it('second_snn.figures takes figure names only, and may be empty', () => {
    const d = base();
    expect(loadParams('params.yaml', 'default').second_snn.figures).toEqual([]);
    d.second_snn.figures = ['01-variance', '04-localization'];
    expect(resolveParams(d, 'params.yaml').second_snn.figures).toEqual(['01-variance', '04-localization']);
    d.second_snn.figures = ['04-localisation'];
    expect(errorOf(d)).toMatch(/^params\.yaml: second_snn\.figures\[0\]: expected one of 01-variance, .*06-multi-object, got string "04-localisation"$/);
    d.second_snn.figures = [];
    expect(resolveParams(d, 'params.yaml').second_snn.figures).toEqual([]);
  });

  it('list items are checked with their index', () => {
    const d = base();
    d.explain.layers = [4, 9];
    expect(errorOf(d)).toMatch(/^params\.yaml: explain\.layers\[1\]: expected an integer ≥ 1 and ≤ 8/);
  });

  it('a missing key is named', () => {
    const d = base();
    delete d.convert.scale;
    expect(errorOf(d)).toMatch(/^params\.yaml: convert\.scale: missing/);
  });

  it('profile overrides are validated too, and unknown profiles are named', () => {
    const d = base();
    d.profiles.smoke.snn.timestep = 3;
    expect(errorOf(d)).toMatch(/^params\.yaml: profiles\.smoke\.snn\.timestep: unknown key/);
    expect(errorOf(base(), 'huge')).toBe("the profile asked for: unknown profile 'huge'; params.yaml defines default, smoke, fine-tune, zero-padding, paper");
    const d2 = base();
    d2.profile = 'huge';
    expect(errorOf(d2)).toBe("params.yaml: profile: unknown profile 'huge'; params.yaml defines default, smoke, fine-tune, zero-padding, paper");
    const old = process.env.SPIKELENS_PROFILE;
    process.env.SPIKELENS_PROFILE = 'smoek';
    try {
      expect(errorOf(base(), 'smoek')).toBe("SPIKELENS_PROFILE (environment): unknown profile 'smoek'; params.yaml defines default, smoke, fine-tune, zero-padding, paper");
    } finally {
      if (old === undefined) delete process.env.SPIKELENS_PROFILE;
      else process.env.SPIKELENS_PROFILE = old;
    }
  });

  it('the default: fire-then-integrate neurons trained from scratch at T = 20 with weight decay, and no second SNN in the figures', () => {
    const p = resolveParams(base(), 'params.yaml');
    expect(p.snn.order).toBe('fire-then-integrate');
    expect(p.snn.timesteps).toBe(20);
    expect(p.train_snn).toMatchObject({ weight_decay: 0.0005, pretrain_timesteps: 0, finetune_epochs: 0 });
    // The ALIF neuron is integrate-then-fire only, so there is no second SNN in the figures.
    expect(p.second_snn).toMatchObject({ neuron: 'lif', timesteps: 20, epochs: 0, figures: [] });
  });

  it('the fine-tune profile is the earlier default: integrate-then-fire, T = 8 fine-tuned to 20, ALIF beside it; zero-padding adds the authors\' padding and statistics to it', () => {
    const ft = resolveParams(base(), 'params.yaml', 'fine-tune');
    expect(ft.snn.order).toBe('integrate-then-fire');
    expect(ft.snn.timesteps).toBe(20);
    expect(ft.train_snn).toMatchObject({ weight_decay: 0, pretrain_timesteps: 8, finetune_epochs: 2 });
    expect(ft.second_snn).toMatchObject({ neuron: 'alif', timesteps: 8, epochs: 1, figures: ['01-variance', '02-gamma-ablation', '03-spike-activity', '04-localization'] });
    const zp = resolveParams(base(), 'params.yaml', 'zero-padding');
    expect({ ...zp, profile: 'x', snn: { ...zp.snn, padding: 'replicate' }, encode: { ...zp.encode, normalisation: 'dataset' } }).toEqual({ ...ft, profile: 'x' });
    expect(zp.snn.padding).toBe('zeros');
    expect(zp.encode.normalisation).toBe('imagenet');
  });

  it('NaN and infinities are named as such, not as null', () => {
    const d = base();
    d.snn.leak = NaN;
    expect(errorOf(d)).toMatch(/^params\.yaml: snn\.leak: expected .*, got number NaN$/);
    const e = base();
    e.explain.gamma = Infinity;
    expect(errorOf(e)).toMatch(/^params\.yaml: explain\.gamma: expected .*, got number Infinity$/);
  });

  it('cross-key rules: image size multiple of 16, scale order', () => {
    const d = base();
    d.data.image_size = 72;
    expect(errorOf(d)).toBe('params.yaml: data.image_size: expected a multiple of 16, got 72');
    const e = base();
    e.data.scenes.scale_min = 2;
    expect(errorOf(e)).toMatch(/data\.scenes\.scale_min: must not exceed/);
  });

  it('file problems name the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'params-'));
    const f = path.join(dir, 'p.yaml');
    fs.writeFileSync(f, 'seed: [1,\n');
    expect(() => loadParams(f)).toThrow(new RegExp(`^${f}: not valid YAML`));
    expect(() => loadParams(path.join(dir, 'none.yaml'))).toThrow(/none\.yaml: cannot read/);
  });

  it('every key is documented', () => {
    const docs = describeParams();
    expect(docs).toContain('explain.gamma: SAM temporal decay γ (a number ≥ 0)');
    expect(docs.length).toBeGreaterThan(30);
  });
});
