import { describe, expect, it, vi } from 'vitest';
import { describeEncoder } from '../../lib/data/encode';
import { checkpointSettings } from '../../lib/figures/context';
import { loadParams } from '../../lib/params';
import type { ModelMeta } from '../../lib/train/store';
import { vggArch } from '../../lib/model/vgg';

const arch = vggArch(0.0625, 4);
const meta = (kind: ModelMeta['kind'], encoder: string, T?: number): ModelMeta => ({ kind, arch, encoder, ...(T === undefined ? {} : { snn: { timesteps: T } as ModelMeta['snn'] }) });

describe('checkpointSettings: figures run each model as it was trained', () => {
  const params = loadParams('params.yaml');

  it('takes T and the encoder from the checkpoints and notes where params.yaml asks for something else', () => {
    const notes: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((l: string) => { notes.push(l); });
    try {
      const other = params.encode.variant === 'rate' ? 'signed' : 'rate';
      const s = checkpointSettings('fig', params, [['a.ckpt', meta('ann', other)], ['s.ckpt', meta('snn-surrogate', other, params.snn.timesteps + 4)], ['c.ckpt', meta('snn-converted', other, params.convert.timesteps)]]);
      expect(s.encoder).toBe(other);
      expect(s.timesteps.get('s.ckpt')).toBe(params.snn.timesteps + 4);
      expect(s.timesteps.get('c.ckpt')).toBe(params.convert.timesteps);
      expect(notes).toEqual([
        `fig: note: params.yaml says encode.variant = ${params.encode.variant}, the checkpoints were trained on ${describeEncoder(other)}; using that`,
        `fig: note: params.yaml says snn.timesteps = ${params.snn.timesteps}, s.ckpt was made with T = ${params.snn.timesteps + 4}; running it at T = ${params.snn.timesteps + 4}`,
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('checks the second SNN against second_snn.timesteps, not snn.timesteps', () => {
    const notes: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((l: string) => { notes.push(l); });
    try {
      const enc = params.encode.variant;
      const T2 = params.second_snn.timesteps;
      checkpointSettings('fig', params, [['s2.ckpt', meta('snn-surrogate', enc, T2), 'second_snn.timesteps']]);
      expect(notes).toEqual([]);
      checkpointSettings('fig', params, [['s2.ckpt', meta('snn-surrogate', enc, T2 + 1), 'second_snn.timesteps']]);
      expect(notes).toEqual([`fig: note: params.yaml says second_snn.timesteps = ${T2}, s2.ckpt was made with T = ${T2 + 1}; running it at T = ${T2 + 1}`]);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses models trained on different encoders, naming the files', () => {
    expect(() => checkpointSettings('fig', params, [['a.ckpt', meta('ann', 'rate')], ['s.ckpt', meta('snn-surrogate', 'signed', 8)]]))
      .toThrow('fig: the models were trained on different spike encoders (a.ckpt: rate, s.ckpt: signed (ImageNet statistics)); rerun the pipeline (dvc repro)');
  });

  it('takes the signed encoder\'s statistics from the checkpoints, and refuses models normalised differently', () => {
    const stats = { mean: [0.1, 0.1, 0.1], std: [0.3, 0.3, 0.3] };
    const withStats = (kind: ModelMeta['kind'], T?: number): ModelMeta => ({ ...meta(kind, 'signed', T), input_normalisation: stats });
    const s = checkpointSettings('fig', params, [['a.ckpt', withStats('ann')], ['s.ckpt', withStats('snn-surrogate', params.snn.timesteps)]]);
    expect(s.encoder).toEqual({ variant: 'signed', normalisation: stats });
    expect(() => checkpointSettings('fig', params, [['a.ckpt', withStats('ann')], ['s.ckpt', meta('snn-surrogate', 'signed', 8)]]))
      .toThrow('fig: the models were trained on different spike encoders (a.ckpt: signed (mean 0.100, std 0.300), s.ckpt: signed (ImageNet statistics)); rerun the pipeline (dvc repro)');
  });
});
