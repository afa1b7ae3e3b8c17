/**
 * How a time-averaged explanation depends on how long the network runs. The box scores of figure 04
 * average an SNN's T per-step maps into one map. A simulation is causal (step t sees only steps
 * ≤ t, BNTT statistics included), so the map a run of only t steps would average is the mean of
 * the first t maps of the longer run. `pointingByHorizon` scores every such prefix (and every single
 * step) of one image's series, so one run of T steps gives the pointing game for each T' ≤ T.
 */
import { assertSameShape, type HeatMap } from '../explain/heatmap';
import { pointingGameOnGrid, type Box } from './box';
import type { Interval } from './uncertainty';

/** Per-image hits: `byStep[t]` for the map of step t alone, `byHorizon[t]` for the mean of steps 0…t. */
export interface HorizonHits {
  byStep: boolean[];
  byHorizon: boolean[];
}

/**
 * Pointing-game hits (on the map's own grid, `pointingGameOnGrid`) of each step's map and of the
 * mean of the first t + 1 maps, for t = 0 … T − 1, of one image of `height`×`width` pixels.
 * The pointing game only looks at the maximum, so the running sum stands in for the mean.
 */
export function pointingByHorizon(series: readonly HeatMap[], box: Box, height: number, width: number): HorizonHits {
  if (series.length === 0) throw new Error('pointingByHorizon: no maps (empty series)');
  const sum = new Float32Array(series[0].data.length);
  const byStep: boolean[] = [], byHorizon: boolean[] = [];
  series.forEach((m, t) => {
    assertSameShape(series[0], m, `pointingByHorizon: step ${t}`, ['step 0', `step ${t}`]);
    for (let i = 0; i < sum.length; i++) sum[i] += m.data[i];
    byStep.push(pointingGameOnGrid(m, box, height, width));
    byHorizon.push(pointingGameOnGrid({ height: m.height, width: m.width, data: sum }, box, height, width));
  });
  return { byStep, byHorizon };
}

/** The last 1-based step whose value is at or above `threshold` (0 when none is): for a horizon curve, the longest run that still meets it. */
export function lastStepAtLeast(values: readonly number[], threshold: number): number {
  for (let t = values.length - 1; t >= 0; t--) if (values[t] >= threshold) return t + 1;
  return 0;
}

/** One network's curves at one layer (`npm run sam-horizon`): per step t (index t − 1), a 95 % interval over images. */
export interface HorizonLayer {
  /** Pointing game of the map of step t alone. */
  by_step: Interval[];
  /** Pointing game of the mean of the maps of steps 1…t (a run of t steps). */
  by_horizon: Interval[];
  /** The longest run (steps) whose time-averaged map scores at or above the report's threshold, by the value and by the interval's lower bound. */
  longest_run_at_threshold: { value: number; low: number };
}

/** One network of a horizon report. */
export interface HorizonNetwork {
  checkpoint: string;
  md5: string;
  trained_timesteps: number;
  neuron: string;
  /** Neuron order (`snn.order`); absent in reports written before it was recorded. */
  order?: string;
  /** Whether its BNTT statistics were recomputed at the report's `steps` (it was trained for fewer). */
  recalibrated: boolean;
  /** Accuracy on the evaluated images of a run stopped after t steps (index t − 1). */
  accuracy_by_horizon: Interval[];
  layers: Record<string, HorizonLayer>;
}

/** reports/probes/sam-horizon.json, written by `npm run sam-horizon`. */
export interface HorizonReport {
  generated_by: string;
  machine: { cpu: string; cores: number };
  seed: number;
  /** Steps every network was run for. */
  steps: number;
  /** Images scored (the first `explain.images` validation images with a box). */
  images: number;
  gamma: number;
  variant: string;
  threshold: number;
  interval_level: number;
  networks: HorizonNetwork[];
}
