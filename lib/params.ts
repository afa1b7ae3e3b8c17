/**
 * Reads params.yaml into typed, validated objects.
 *
 * The file holds the default profile's values at the top level, plus `profiles.<name>` blocks of
 * overrides (e.g. `smoke` for CI, `paper` for the full reproduction). `profile: <name>` selects
 * one; its values are merged over the defaults, then the result is validated as a whole. An
 * unknown key, a wrong type or an out-of-range value stops with one line naming the key.
 */
import * as fs from 'fs';
import * as YAML from 'yaml';

// ---- a tiny schema language whose types are inferred, so the schema is the one source of truth

interface NumSpec { kind: 'number'; min?: number; max?: number; integer?: boolean; doc: string }
interface StrSpec<E extends string = string> { kind: 'string'; oneOf?: readonly E[]; doc: string }
interface BoolSpec { kind: 'boolean'; doc: string }
interface ListSpec<S extends Spec = Spec> { kind: 'list'; of: S; minItems?: number; doc: string }
interface ObjSpec<F extends Record<string, Spec> = Record<string, Spec>> { kind: 'object'; fields: F; doc?: string }
type Spec = NumSpec | StrSpec | BoolSpec | ListSpec | ObjSpec;

const num = (doc: string, o: Omit<NumSpec, 'kind' | 'doc'> = {}): NumSpec => ({ kind: 'number', doc, ...o });
const int = (doc: string, min = 0, max?: number): NumSpec => ({ kind: 'number', doc, min, max, integer: true });
const str = <E extends string>(doc: string, oneOf?: readonly E[]): StrSpec<E> => ({ kind: 'string', doc, oneOf });
const bool = (doc: string): BoolSpec => ({ kind: 'boolean', doc });
const list = <S extends Spec>(of: S, doc: string, minItems = 1): ListSpec<S> => ({ kind: 'list', of, doc, minItems });
const obj = <F extends Record<string, Spec>>(fields: F, doc?: string): ObjSpec<F> => ({ kind: 'object', fields, doc });

/** The TypeScript type a spec describes. */
export type Infer<S> = S extends NumSpec ? number
  : S extends StrSpec<infer E> ? E
  : S extends BoolSpec ? boolean
  : S extends ListSpec<infer O> ? Infer<O>[]
  : S extends ObjSpec<infer F> ? { [K in keyof F]: Infer<F[K]> }
  : never;

// ---- the schema of params.yaml

const SCHEMA = obj({
  profile: str('active profile: default, or a key of profiles'),
  seed: int('master seed; every random stream is forked from it'),
  backend: str('tfjs backend to force, or auto', ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const),
  data: obj({
    source: str('data set to prepare', ['mnist-scenes', 'pets-scenes', 'tiny-imagenet'] as const),
    tiny_imagenet_dir: str('path of a local tiny-imagenet-200 folder (source tiny-imagenet)'),
    classes: int('number of classes to keep (0 = all)'),
    image_size: int('side of the square canvas in pixels (multiple of 16)', 16, 512),
    train_size: int('training images (0 = all available)'),
    val_size: int('validation images (0 = all available)'),
    scenes: obj({
      scale_min: num('smallest object scale relative to its native size', { min: 0.1, max: 8 }),
      scale_max: num('largest object scale relative to its native size', { min: 0.1, max: 8 }),
      clutter: int('clutter fragments per scene', 0, 64),
      noise: num('std of additive pixel noise (0..1 scale)', { min: 0, max: 1 }),
    }),
  }),
  encode: obj({
    variant: str('spike encoder: signed (authors\' code) or rate (paper text)', ['signed', 'rate'] as const),
    normalisation: str('statistics the signed encoder normalises pixels with: dataset (the training set\'s per-channel mean/std, as the authors do for their data) or imagenet (ImageNet\'s, the authors\' values for Tiny-ImageNet)', ['dataset', 'imagenet'] as const),
  }),
  snn: obj({
    width: num('channel multiplier of VGG11 (1 = 64..512 channels); the ANN uses it too', { min: 0.01, max: 1 }),
    padding: str('border padding of the 3×3 convolutions, ANN and SNNs alike: zeros (the paper\'s) or replicate (the edge row/column; no border artefact)', ['zeros', 'replicate'] as const),
    timesteps: int('simulation steps T for the surrogate-trained SNN', 1, 10000),
    leak: num('membrane leak λ', { min: 0, max: 1 }),
    threshold: num('firing threshold θ', { min: 1e-6 }),
    order: str('neuron order', ['integrate-then-fire', 'fire-then-integrate'] as const),
    neuron: str('neuron model: lif, or alif (adaptive threshold, Bellec et al. 2018)', ['lif', 'alif'] as const),
    adaptation: num('alif: threshold increase β per unit of spike trace', { min: 0, max: 10 }),
    adaptation_decay: num('alif: decay ρ of the spike trace per step', { min: 0, max: 0.999 }),
    surrogate: str('surrogate gradient: piecewise-linear (authors\' code, 0.3) or fast-sigmoid (SuperSpike, slope 25)', ['piecewise-linear', 'fast-sigmoid'] as const),
  }),
  train_ann: obj({
    optimizer: str('optimiser: sgd (momentum, the paper\'s) or adam', ['sgd', 'adam'] as const),
    epochs: int('training epochs', 1),
    batch_size: int('images per step', 1),
    lr: num('initial learning rate', { min: 0 }),
    momentum: num('SGD momentum (Adam: β1)', { min: 0, max: 1 }),
    weight_decay: num('L2 weight decay', { min: 0 }),
    dropout: num('dropout before the classifier layers', { min: 0, max: 0.99 }),
  }),
  train_snn: obj({
    optimizer: str('optimiser: sgd (momentum, the paper\'s) or adam', ['sgd', 'adam'] as const),
    epochs: int('training epochs', 1),
    batch_size: int('images per step', 1),
    lr: num('initial learning rate', { min: 0 }),
    momentum: num('SGD momentum (Adam: β1)', { min: 0, max: 1 }),
    weight_decay: num('L2 weight decay', { min: 0 }),
    calibration_images: int('training images used to recompute BNTT statistics before each evaluation (0 = keep running averages)'),
    eval_every: int('validate every N epochs and after the last (1 = every epoch); a validation with its BNTT calibration costs about 4 s at T = 8', 1),
    lr_milestones: list(num('fraction of the epochs', { min: 0, max: 1 }), 'train-snn divides the learning rate by 10 after these fractions of its epochs (the paper\'s 0.5, 0.7, 0.9); finetune-snn keeps 0.5, 0.7, 0.9 of its own'),
    pretrain_timesteps: int('T of the train-snn stage\'s `epochs` (0 = snn.timesteps); finetune-snn then trains at snn.timesteps (a curriculum over T: short runs are cheaper per epoch)', 0, 10000),
    finetune_epochs: int('epochs of the finetune-snn stage at snn.timesteps, from the train-snn network (0 = take it as it is)', 0),
    finetune_lr: num('learning rate of the finetune-snn stage (divided by 10 at 50, 70 and 90 % of its epochs)', { min: 0 }),
  }),
  second_snn: obj({
    neuron: str('neuron of the second surrogate-trained SNN the figures show beside the first (alif: snn.adaptation, snn.adaptation_decay)', ['alif', 'lif'] as const),
    timesteps: int('its T: the finetune-snn2 stage fine-tunes train-snn\'s network with this neuron at this T', 1, 10000),
    epochs: int('fine-tuning epochs of the finetune-snn2 stage (0 = only recalibrate BNTT)', 0),
    lr: num('learning rate of the finetune-snn2 stage (divided by 10 at 50, 70 and 90 % of its epochs)', { min: 0 }),
    figures: list(str('a figure notebook\'s name', ['01-variance', '02-gamma-ablation', '03-spike-activity', '04-localization', '05-fgsm', '06-multi-object'] as const), 'the figures that show it beside the paper\'s two SNNs', 0),
  }),
  convert: obj({
    timesteps: int('simulation steps of the converted SNN', 1, 100000),
    balance_steps: int('steps simulated per layer while balancing thresholds', 1, 100000),
    balance_images: int('images in the balancing batch', 1),
    scale: num('global factor on all balanced thresholds', { min: 0.01, max: 10 }),
    percentile: num('threshold = this percentile of a layer\'s positive input currents (100 = the maximum, the paper\'s)', { min: 50, max: 100 }),
  }),
  explain: obj({
    gamma: num('SAM temporal decay γ', { min: 0 }),
    variant: str('SAM variant', ['paper', 'reference'] as const),
    layers: list(int('conv layer index (1..8)', 1, 8), 'layers whose spikes are explained'),
    sample_steps: int('time-steps shown in heat-map grids', 1),
    images: int('validation images evaluated per figure', 1),
    gammas: list(num('γ', { min: 0 }), 'γ values of the ablation'),
  }),
  attack: obj({
    epsilons: list(num('ε in /255 units', { min: 0, max: 255 }), 'FGSM strengths for the accuracy curves'),
    heatmap_epsilon: num('ε (/255) for the clean vs adversarial heat-map comparison', { min: 0, max: 255 }),
  }),
});

/** Validated parameters of a run (params.yaml after the profile is applied). */
export type Params = Infer<typeof SCHEMA>;

/** A parameter error: one line naming the file and key. */
export class ParamsError extends Error {
  override name = 'ParamsError';
}

function describe(spec: Spec): string {
  switch (spec.kind) {
    case 'number': {
      const range = [spec.min !== undefined ? `≥ ${spec.min}` : '', spec.max !== undefined ? `≤ ${spec.max}` : ''].filter(Boolean).join(' and ');
      return `${spec.integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}`;
    }
    case 'string': return spec.oneOf ? `one of ${spec.oneOf.join(', ')}` : 'a string';
    case 'boolean': return 'true or false';
    case 'list': return `a list of ${describe(spec.of)}`;
    case 'object': return `a mapping with keys ${Object.keys(spec.fields).join(', ')}`;
  }
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  // JSON.stringify writes NaN and ±Infinity as null; YAML's .nan / .inf should read as themselves.
  if (typeof v === 'number' && !Number.isFinite(v)) return `number ${String(v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function check(spec: Spec, value: unknown, key: string, file: string, partial: boolean): void {
  const fail = (what: string): never => {
    throw new ParamsError(`${file}: ${key}: ${what}`);
  };
  const expected = () => fail(`expected ${describe(spec)}, got ${kindOf(value)}`);
  switch (spec.kind) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) expected();
      if (spec.integer && !Number.isInteger(value)) expected();
      if ((spec.min !== undefined && (value as number) < spec.min) || (spec.max !== undefined && (value as number) > spec.max)) expected();
      return;
    case 'string':
      if (typeof value !== 'string' || (spec.oneOf && !spec.oneOf.includes(value))) expected();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') expected();
      return;
    case 'list':
      if (!Array.isArray(value)) expected();
      if ((value as unknown[]).length < (spec.minItems ?? 0)) fail(`expected at least ${spec.minItems} item(s)`);
      (value as unknown[]).forEach((v, i) => check(spec.of, v, `${key}[${i}]`, file, partial));
      return;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) expected();
      const rec = value as Record<string, unknown>;
      for (const k of Object.keys(rec)) {
        if (!(k in spec.fields)) {
          throw new ParamsError(`${file}: ${key ? `${key}.` : ''}${k}: unknown key; expected one of ${Object.keys(spec.fields).join(', ')}`);
        }
      }
      for (const [k, sub] of Object.entries(spec.fields)) {
        const path = key ? `${key}.${k}` : k;
        if (!(k in rec)) {
          if (partial) continue;
          throw new ParamsError(`${file}: ${path}: missing; expected ${describe(sub)}`);
        }
        check(sub, rec[k], path, file, partial);
      }
    }
  }
}

function merge(base: unknown, over: unknown): unknown {
  if (over && typeof over === 'object' && !Array.isArray(over) && base && typeof base === 'object' && !Array.isArray(base)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = merge(out[k], v);
    return out;
  }
  return over;
}

/**
 * Validates a parsed params document (top-level values + `profiles`), applies the selected
 * profile (`profileOverride` wins over the file's `profile`) and returns typed params.
 */
export function resolveParams(doc: unknown, file = 'params.yaml', profileOverride?: string): Params {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ParamsError(`${file}: expected a YAML mapping at the top level`);
  const { profiles = {}, ...base } = doc as Record<string, unknown>;
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) throw new ParamsError(`${file}: profiles: expected a mapping of profile name to overrides`);
  const named = profiles as Record<string, unknown>;
  for (const [name, over] of Object.entries(named)) {
    if (name === 'default') throw new ParamsError(`${file}: profiles.default: the default profile is the top level; remove this block`);
    const { profile: _ignored, ...rest } = (over ?? {}) as Record<string, unknown>;
    if (_ignored !== undefined) throw new ParamsError(`${file}: profiles.${name}.profile: a profile cannot select another profile`);
    check(SCHEMA, rest, `profiles.${name}`.replace(/^/, ''), file, true);
  }
  const profile = profileOverride ?? (base.profile as string | undefined) ?? 'default';
  if (profile !== 'default' && !(profile in named)) {
    const where = profileOverride !== undefined && profileOverride === process.env.SPIKELENS_PROFILE ? 'SPIKELENS_PROFILE (environment)' : profileOverride !== undefined ? 'the profile asked for' : `${file}: profile`;
    throw new ParamsError(`${where}: unknown profile '${profile}'; ${file} defines default${Object.keys(named).map((n) => `, ${n}`).join('')}`);
  }
  const merged = profile === 'default' ? { ...base, profile } : (merge(base, named[profile]) as Record<string, unknown>);
  merged.profile = profile;
  check(SCHEMA, merged, '', file, false);
  const p = merged as Params;
  if (p.data.scenes.scale_min > p.data.scenes.scale_max) throw new ParamsError(`${file}: data.scenes.scale_min: must not exceed data.scenes.scale_max (${p.data.scenes.scale_max})`);
  if (p.data.image_size % 16 !== 0) throw new ParamsError(`${file}: data.image_size: expected a multiple of 16, got ${p.data.image_size}`);
  if (p.data.source === 'tiny-imagenet' && !p.data.tiny_imagenet_dir) throw new ParamsError(`${file}: data.tiny_imagenet_dir: required when data.source is tiny-imagenet`);
  return p;
}

/** Reads, validates and resolves a params file (default `params.yaml` in the working directory). */
export function loadParams(file = 'params.yaml', profileOverride?: string): Params {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ParamsError(`${file}: cannot read the params file (run from the project root, or pass its path)`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new ParamsError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return resolveParams(doc, file, profileOverride ?? process.env.SPIKELENS_PROFILE);
}

/** The schema's one-line documentation of every key, for `--help` texts and docs. */
export function describeParams(): string[] {
  const out: string[] = [];
  const walk = (spec: Spec, key: string) => {
    if (spec.kind === 'object') for (const [k, s] of Object.entries(spec.fields)) walk(s, key ? `${key}.${k}` : k);
    else out.push(`${key}: ${spec.doc} (${describe(spec)})`);
  };
  walk(SCHEMA, '');
  return out;
}
