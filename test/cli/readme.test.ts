/** The README's generated sections: built from the result files, replaced between their markers only. */
import { describe, expect, it } from 'vitest';
import type { HorizonReport } from '../../lib/metrics/horizon';
import { boxesSection, estimatesOn, gridSection, horizonColumns, horizonSection, machinesSection, pipelineSection, replaceSection, seedsSection, speedSection, trainingSection } from '../../lib/cli/readme-sections';

describe('generated README sections', () => {
  it('replaces only what lies between a section\'s markers, and names the file when they are missing', () => {
    const text = 'a\n<!-- x:start -->\nold\n<!-- x:end -->\nb';
    expect(replaceSection(text, 'x', 'new', 'R.md')).toBe('a\n<!-- x:start -->\n\nnew\n\n<!-- x:end -->\nb');
    expect(() => replaceSection('no markers', 'x', 'new', 'R.md')).toThrow("R.md: needs exactly one '<!-- x:start -->'");
    expect(() => replaceSection(`${text}\n<!-- x:start -->`, 'x', 'n', 'R.md')).toThrow(/exactly one/);
  });

  it('training table: the numbers of train.json, peak memory where recorded, and whether each floor is met', () => {
    const t = trainingSection({
      cpu: 'AMD EPYC',
      ann: { val_accuracy: 0.922, seconds: 171.9 },
      snn_surrogate: { val_accuracy: 0.81, timesteps: 8, seconds: 663.2, peak_rss_mb: 3174 },
      snn_converted: { val_accuracy: 0.88, timesteps: 300, seconds: 105.1, peak_rss_mb: null },
      total_training_seconds: 940.2,
    });
    expect(t).toContain('| ANN (VGG11 ×0.125, batch norm folded) | 92.2 % | — | 172 s | not recorded | ≥ 90 %: met |');
    expect(t).toContain('| 81.0 % | T = 8 | 663 s | 3.1 GB | ≥ 85 %: **missed** |');
    expect(t).toContain('| 88.0 % | T = 300 | 105 s | not recorded | within 5 points of the ANN: met |');
    expect(t).toContain('All trainings: 15.7 min on AMD EPYC.');
  });

  it('training table: a fine-tuned surrogate net shows the T it was trained at, and its accuracy before fine-tuning', () => {
    const base = { ann: { val_accuracy: 0.92, seconds: 120 }, snn_converted: { val_accuracy: 0.88, timesteps: 300, seconds: 49 }, total_training_seconds: 700 };
    const t = trainingSection({ ...base, snn_surrogate: { val_accuracy: 0.874, timesteps: 20, seconds: 540 }, snn_pretrained: { val_accuracy: 0.89, timesteps: 8, seconds: 400 } });
    expect(t).toContain('| SNN, surrogate gradient + BNTT (T = 8, fine-tuned at T = 20) | 87.4 % | T = 20 | 540 s |');
    expect(t).toContain('| ↳ the same before fine-tuning (train-snn) | 89.0 % | T = 8 | 400 s (included above) |');
    // Trained at its own T (the paper profile): no second row.
    const same = trainingSection({ ...base, snn_surrogate: { val_accuracy: 0.874, timesteps: 20, seconds: 540 }, snn_pretrained: { val_accuracy: 0.874, timesteps: 20, seconds: 540 } });
    expect(same).not.toContain('before fine-tuning');
    expect(same).toContain('| SNN, surrogate gradient + BNTT | 87.4 % | T = 20 |');
    // A second SNN: fine-tuned, or (second_snn.epochs 0) train-snn's network as it is.
    const second = { val_accuracy: 0.862, timesteps: 20, neuron: 'lif', seconds: 6 };
    expect(trainingSection({ ...base, snn_surrogate: { val_accuracy: 0.874, timesteps: 20, seconds: 540 }, snn_second: { ...second, neuron: 'alif', timesteps: 8 }, resolved: { second_epochs: 1 } }))
      .toContain("| SNN, surrogate gradient + BNTT, adaptive-threshold LIF neurons (second_snn: train-snn's network fine-tuned at T = 8) | 86.2 % |");
    expect(trainingSection({ ...base, snn_surrogate: { val_accuracy: 0.874, timesteps: 20, seconds: 540 }, snn_second: second, resolved: { second_epochs: 0 } }))
      .toContain("| SNN, surrogate gradient + BNTT, lif neurons (second_snn: train-snn's network not trained further, BNTT statistics recomputed at T = 20) | 86.2 % |");
  });

  it('speed and pipeline tables quote their files', () => {
    const s = speedSection({
      machine: { cpu: 'AMD EPYC', load_average_1m: { start: 0.5, end: 1 } },
      spikelens: { median_ms_per_image: 10.23, peak_rss_mb: 2000, kernels_per_step: 1612, fused_kernels: true },
      pytorch: { median_ms_per_image: 12.5, peak_rss_mb: 1500, torch_version: '2.15.0', threads: 2 },
      pytorch_over_spikelens: 1.22,
    }, { machine: { cpu: 'AMD EPYC' }, fused_kernels: true, results: { bptt_step: { layer_by_layer_ms_per_image: 10, stepwise_ms_per_image: 20, speedup: 2, peak_tensor_mb: { layer_by_layer: 1500, stepwise: 1600 } } } });
    expect(s).toContain('| spikelens, native backend, fused LIF/BNTT kernels (1612 tfjs kernels per step) | 10.2 | 2000 MB RSS |');
    expect(s).toContain('Layer-by-layer with the fused kernels against the step-by-step path the project had before (kept as the reference, run with tfjs ops only)');
    expect(s).toContain('pytorch_over_spikelens = **1.22**');
    expect(s).toContain('| bptt step | 10 | 20 | 2× | 1500 MB vs 1600 MB |');
    expect(s).not.toContain('Single fused kernels');
    const k = speedSection(null, null, { machine: { cpu: 'Intel Xeon', load_average_1m: { start: 1, end: 2 } }, results: { pool: { description: 'pooling grad', new_ms: 10.04, old_ms: 24.1, speedup: 2.4, same_bits: true }, rng: { description: 'poisson', new_ms: 1, old_ms: 2, speedup: 2, same_bits: false } } });
    expect(k).toContain('from bench/results/snn-step.json, simulation.json and kernels.json');
    expect(k).toContain('Single fused kernels against what they replaced, interleaved on Intel Xeon (load 1 → 2):');
    expect(k).toContain('| pooling grad | 10 | 24.1 | 2.4× | yes |');
    expect(k).toContain('| poisson | 1 | 2 | 2× | **no** |');
    const p = pipelineSection({ machine: { cpu: 'AMD EPYC' }, stages: [{ stage: 'train-snn', seconds: 663.2, measured: '2026-11-30T07:41:00.000Z', source: 'x' }], total_seconds: 663.2 });
    expect(p).toContain('- `default on AMD EPYC`: **11.1 min** (run 2026-11-30)');
    expect(p).toContain('| train-snn | 663 | 2026-11-30 07:41 (its own timing) |');
    // Another machine's run: its seconds and its ratio to the reference machine's, stage by stage.
    const other = { machine: { cpu: 'Intel Xeon' }, stages: [{ stage: 'train-snn', seconds: 900, measured: '2026-12-01T00:10:00.000Z' }], total_seconds: 900 };
    const two = pipelineSection({ machine: { cpu: 'AMD EPYC' }, stages: [{ stage: 'prepare', seconds: 4, measured: '2026-11-30T07:40:00.000Z' }, { stage: 'train-snn', seconds: 600, measured: '2026-11-30T07:41:00.000Z' }], total_seconds: 604 }, [other], { minutes: 12 });
    expect(two).toContain('- `default on AMD EPYC`: **10.1 min** (run 2026-11-30): inside the 12-minute budget');
    expect(two).toContain('- `default on Intel Xeon`: **15.0 min** (1.49× the first; run 2026-12-01): over the 12-minute budget');
    expect(two).toContain('| stage | default on AMD EPYC: seconds | measured | default on Intel Xeon: seconds (× first) |');
    expect(two).toContain('| train-snn | 600 | 2026-11-30 07:41 | 900 (1.50×) |');
    expect(two).toContain('| prepare | 4 | 2026-11-30 07:40 | not run |');
    expect(two).not.toContain('estimated');
  });

  it('pipeline: the default not timed on the budget machine is estimated, stage by stage, from a profile timed on both', () => {
    const run = (profile: string, cpu: string, a: number, b: number, note?: string) => ({ profile, note, machine: { cpu }, stages: [{ stage: 'a', seconds: a, measured: '2026-12-01T00:00:00.000Z' }, { stage: 'b', seconds: b, measured: '2026-12-01T00:00:00.000Z' }], total_seconds: a + b });
    const ftAmd = run('fine-tune', 'AMD', 100, 200, 'Measured as the default before it changed.');
    const ftXeon = run('fine-tune', 'Xeon', 200, 300);
    const defXeon = run('default', 'Xeon', 400, 600);
    // stage a: 400 × 100/200 = 200; stage b: 600 × 200/300 = 400 → 600 s.
    expect(estimatesOn([ftAmd, ftXeon, defXeon], 'AMD')).toMatchObject([{ seconds: 600, from: defXeon, via: [ftAmd, ftXeon] }]);
    expect(estimatesOn([ftAmd, defXeon], 'AMD')).toEqual([]); // no profile timed on both machines
    expect(estimatesOn([run('default', 'AMD', 1, 1), ftXeon, defXeon], 'AMD')).toEqual([]); // measured: nothing to estimate
    const s = pipelineSection(ftAmd, [defXeon, ftXeon], { minutes: 20 });
    expect(s).toContain('- `fine-tune on AMD`: **5.0 min** (run 2026-12-01): inside the 20-minute budget. Measured as the default before it changed.');
    expect(s).toContain('- `default on AMD`: **not measured**; estimated 10.0 min (inside the 20-minute budget) from `default on Xeon`, each stage scaled by its ratio between `fine-tune on AMD` and `fine-tune on Xeon`. An estimate, not a measurement.');
    // Two runs of the default on one machine: one estimate from each, and each run named by its start.
    const later = { ...run('default', 'Xeon', 700, 900), stages: [{ stage: 'a', seconds: 700, measured: '2026-12-02T08:30:00.000Z' }, { stage: 'b', seconds: 900, measured: '2026-12-02T08:40:00.000Z' }] };
    // stage a: 700 × 1/2 = 350; stage b: 900 × 2/3 = 600 → 950 s.
    expect(estimatesOn([ftAmd, ftXeon, defXeon, later], 'AMD').map((e) => e.seconds)).toEqual([600, 950]);
    const both = pipelineSection(ftAmd, [defXeon, later, ftXeon], { minutes: 15 });
    expect(both).toContain('- `default on AMD`: **not measured**; estimated 10.0 min (inside the 15-minute budget) from `default on Xeon, 2026-12-01 00:00`, 15.8 min (over the 15-minute budget) from `default on Xeon, 2026-12-02 08:30`, each stage scaled by its ratio between `fine-tune on AMD` and `fine-tune on Xeon`. Estimates, not a measurement.');
    expect(both).toContain('| stage | fine-tune on AMD: seconds | measured | default on Xeon, 2026-12-01 00:00: seconds (× first) | default on Xeon, 2026-12-02 08:30: seconds (× first) | fine-tune on Xeon: seconds (× first) |');
  });

  it('box table: each explanation and layer with its intervals, and the faithfulness AUCs', () => {
    const sc = (v: number) => ({ value: v, low: v - 0.05, high: v + 0.05 });
    const t = boxesSection({
      box_scores: { sam_surrogate: { conv6: { n: 256, pointing_game: sc(0.7), pointing_chance: 0.201, pointing_game_upsampled: sc(0.4), energy_in_box: sc(0.17), box_area_share: 0.118 } } },
      faithfulness: { results: { ann_gradcam: { conv6: { n: 256, deletion_auc: sc(0.14), insertion_auc: sc(0.76) } } } },
    });
    expect(t).toContain('pointing game, layer grid [95 % CI] | random cell | pointing game, upsampled [95 % CI]');
    expect(t).toContain('| sam surrogate | conv6 | 256 | 0.70 [0.65, 0.75] | 0.201 | 0.40 [0.35, 0.45] | 0.17 [0.12, 0.22] | 0.118 |');
    expect(t).toContain('| ann gradcam | conv6 | 256 | 0.14 [0.09, 0.19] | 0.76 [0.71, 0.81] |');
  });

  it('seeds table: the combined verdict beside each seed\'s, and a pointer when there is no claims run yet', () => {
    expect(seedsSection(null)).toMatch(/No claims run yet: `npm run claims-run`/);
    const t = seedsSection({
      commit: 'abcdef1234', seeds: [42, 1, 2], summary: { holds: 1, fails: 0, inconclusive: 1 },
      accuracies: [{ seed: 42, ann: 0.922, surrogate: 0.902, converted: 0.88 }],
      claims: [
        { figure: '01-variance', statement: 'A > B', value: 0.5, interval: [0.1, 0.9], n: 256, verdict: 'holds', per_seed: [{ seed: 42, verdict: 'holds' }, { seed: 1, verdict: 'holds' }, { seed: 2, verdict: 'holds' }] },
        { figure: '06-multi-object', statement: 'C | D', value: 0.1, interval: [-0.2, 0.4], n: 0, verdict: 'inconclusive', per_seed: [{ seed: 42, verdict: 'holds' }, { seed: 1, verdict: 'inconclusive', measured: false }, { seed: 2, verdict: 'fails' }] },
      ],
    });
    expect(t).toContain('Seeds 42, 1, 2 (code at commit abcdef1): 1 claims hold in every seed, 0 fail in every seed, 1 are inconclusive');
    expect(t).toContain('| 42 | 92.2 % | 90.2 % | 88.0 % |');
    expect(t).toContain('| 01-variance | A > B | 0.5 | [0.1, 0.9] | 256 | 42: holds, 1: holds, 2: holds | holds |');
    expect(t).toContain('| 06-multi-object | C \\| D | 0.1 | [-0.2, 0.4] | 0 | 42: holds, 1: not measured, 2: fails | **inconclusive** |');
  });

  it('machines table: the counts, and only the claims whose verdicts differ, opposite ones marked', () => {
    expect(machinesSection(null)).toMatch(/No comparison yet: `npm run claims-machines -- --other <dir>`/);
    const acc = { ann: 0.924, surrogate: 0.88, converted: 0.932 };
    const r = (value: number, verdict: string) => ({ value, interval: [value - 0.1, value + 0.1] as [number, number], verdict });
    const t = machinesSection({
      runs: [{ cpu: 'AMD EPYC', seed: 42, accuracy: acc }, { cpu: 'Intel Xeon', seed: 42, accuracy: { ...acc, ann: 0.942 } }],
      summary: { claims: 3, same_verdict: 1, opposite: 1, contradicts_combined: 1 },
      claims: [
        { figure: '01-variance', statement: 'same', runs: [r(0.5, 'holds'), r(0.4, 'holds')], same_verdict: true, opposite: false, combined: 'holds', contradicts_combined: false },
        { figure: '01-variance', statement: 'A | B', runs: [r(0.5, 'holds'), r(-0.5, 'fails')], same_verdict: false, opposite: true, combined: 'holds', contradicts_combined: true },
        { figure: '04-localization', statement: 'gone', runs: [r(0.5, 'holds'), null], same_verdict: false, opposite: false, combined: null, contradicts_combined: false },
      ],
    });
    expect(t).toContain('Seed 42 on AMD EPYC (ANN 92.4 %, surrogate 88.0 %, converted 93.2 %) and on Intel Xeon (94.2 %, 88.0 %, 93.2 %): 1 of 3 claims get the same verdict, 1 opposite ones');
    expect(t).toContain('| 01-variance | A \\| B | 0.5 [0.4, 0.6] holds | -0.5 [-0.6, -0.4] fails (**opposite**) | holds |');
    expect(t).toContain('| 04-localization | gone | 0.5 [0.4, 0.6] holds | not measured | not judged |');
    expect(t).not.toContain('| same |');
  });

  it('grid section: the conv6 table of the grid file', () => {
    expect(gridSection(null)).toMatch(/No grid yet/);
    const md = ['Encoding × padding grid (a):', '', '| x | pointing game, layer grid (conv4; random cell) | pointing game, upsampled (conv4) |', '', 'Encoding × padding grid (b):', '', '| x | pointing game, layer grid (conv6; random cell) | pointing game, upsampled (conv6) |', ''].join('\n');
    const g = gridSection(md);
    expect(g).toContain('pointing game, upsampled (conv6)');
    expect(g).not.toContain('(conv4)');
  });

  it('horizon columns: 2, 4, 8, every fourth step after, and the last', () => {
    expect(horizonColumns(20)).toEqual([2, 4, 8, 12, 16, 20]);
    expect(horizonColumns(8)).toEqual([2, 4, 8]);
    expect(horizonColumns(3)).toEqual([2, 3]);
    expect(horizonColumns(30)).toEqual([2, 4, 8, 12, 16, 20, 24, 28, 30]);
  });

  it('horizon section: each network and layer by run length with its interval, the longest run at the threshold, and other runs at conv6', () => {
    expect(horizonSection(null)).toMatch(/No horizon report yet: `npm run sam-horizon`/);
    const ci = (value: number) => ({ value, low: value - 0.05, high: value + 0.05, n: 256, level: 0.95 });
    const curve = (vs: number[]) => vs.map(ci);
    const report = (seed: number, conv6: number[]): HorizonReport => ({
      generated_by: 'npm run sam-horizon', machine: { cpu: 'Intel Xeon', cores: 2 }, seed, steps: 8, images: 256, gamma: 0.5, variant: 'paper', threshold: 0.6, interval_level: 0.95,
      networks: [{
        checkpoint: 'data/checkpoints/snn.ckpt', md5: '0'.repeat(32), trained_timesteps: 4, neuron: 'lif', recalibrated: true,
        accuracy_by_horizon: curve([0.5, 0.6, 0.7, 0.8, 0.85, 0.86, 0.87, 0.88]),
        layers: { conv6: { by_step: curve([0, 0.7, 0.6, 0.5, 0.5, 0.4, 0.4, 0.3]), by_horizon: curve(conv6), longest_run_at_threshold: { value: 5, low: 3 } } },
      }],
    });
    const t = horizonSection(report(42, [0, 0.75, 0.7, 0.66, 0.61, 0.58, 0.55, 0.52]), [{ run: 'seed-1', report: report(1, [0, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.71]) }]);
    expect(t).toContain('Seed 42, 256 validation images, SAM γ = 0.5 (paper variant), on Intel Xeon');
    expect(t).toContain('| network | layer | t = 2 | t = 4 | t = 8 | longest run ≥ 0.6 |');
    expect(t).toContain('| snn.ckpt (LIF, trained at T = 4; BNTT statistics recomputed at T = 8) | conv6 | 0.75 [0.70, 0.80] | 0.66 [0.61, 0.71] | 0.52 [0.47, 0.57] | 5 steps [3] |');
    expect(t).toContain('| accuracy | 0.60 [0.55, 0.65] | 0.80 [0.75, 0.85] | 0.88 [0.83, 0.93] | — |');
    // Other runs, after the workspace's, named by their file.
    const seeds = t.slice(t.indexOf('| run |'));
    expect(seeds.indexOf('| this workspace | 42 | snn.ckpt')).toBeGreaterThan(0);
    expect(seeds.indexOf('| this workspace | 42 | snn.ckpt')).toBeLessThan(seeds.indexOf('| seed-1 | 1 | snn.ckpt'));
    expect(seeds).toContain('| 0.80 [0.75, 0.85] | 0.80 [0.75, 0.85] | 0.71 [0.66, 0.76] | 5 steps [3] | 0.88 [0.83, 0.93] |');
    expect(horizonSection(report(42, [0, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]))).not.toContain('| run |');
    const wave = report(42, [0, 0, 0, 0.4, 0.9, 0.9, 0.9, 0.9]);
    wave.networks[0].order = 'fire-then-integrate';
    expect(horizonSection(wave)).toContain('| snn.ckpt (LIF, fire-then-integrate, trained at T = 4;');
  });
});
