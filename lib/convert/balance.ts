/**
 * ANN→SNN conversion by threshold balancing (Sengupta et al. 2019): copy the ANN's weights into
 * an integrate-and-fire SNN (λ = 1, no BNTT), then for each spiking layer in order simulate the
 * already balanced layers below it on a batch of Poisson inputs, record the maximum weighted
 * input current reaching it over all steps and images, and make that its threshold. A global
 * `scale` (< 1 fires earlier: lower latency, some accuracy lost) multiplies every threshold at
 * the end.
 *
 * Biases (from the ANN's folded batch norm) need rescaling too. An IF neuron's rate is its mean
 * current over θ, so layer l's rate is r_l = a_l / κ_l with κ_l = θ_l·κ_{l-1} (κ_0 = 1: input
 * rates are the ANN's inputs). Matching W·r_{l-1} + b'_l = θ_l·(W·a_{l-1} + b_l)/κ_l gives
 * b'_l = b_l / κ_{l-1} = b_l / Π_{j<l} θ_j (Rueckauer et al. 2017 write the same rule with
 * unit thresholds and scaled weights). Left unscaled, the constant bias currents drown the
 * input-dependent ones in deep layers and every image gets the same output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnnVgg } from '../ann/vgg11';
import { createEncoder, type EncoderSpec } from '../data/encode';
import type { NeuronOrder } from '../snn/lif';
import { SPIKING_LAYERS, SpikingVgg, type SnnState } from '../snn/network';
import { defaultChunk } from '../snn/simulate';
import { copyVariable, type VggWeights } from '../model/vgg';
import type { Rng } from '../random';

export interface BalanceOptions {
  variant: EncoderSpec;
  /** Steps simulated per layer while balancing (paper: 500). */
  steps: number;
  /** Global factor on all thresholds. */
  scale: number;
  /**
   * Which statistic of a layer's positive input currents becomes its threshold: 100 = the maximum
   * (Sengupta et al. 2019, the paper's), below 100 that percentile (Rueckauer et al. 2017's robust
   * normalisation: a few outlier currents no longer set a threshold most neurons rarely reach,
   * which makes the network slow to respond). Default 100.
   */
  percentile?: number;
  order: NeuronOrder;
  rng: Rng;
  log?: (line: string) => void;
}

/** Result: the converted network and the raw (unscaled) per-layer maxima. */
export interface ConversionResult {
  net: SpikingVgg;
  maxCurrents: number[];
}

/** Converts `ann` into a spiking network whose thresholds are balanced on `images01` [B,H,W,3]. */
export async function convertAnn(ann: AnnVgg, images01: tf.Tensor4D, o: BalanceOptions): Promise<ConversionResult> {
  if (ann.norms) throw new Error('convert: fold the ANN\'s batch norms first (ann.folded())');
  const src = ann.weights;
  const weights: VggWeights = {
    convs: src.convs.map((w) => copyVariable(w, false)),
    fc1: copyVariable(src.fc1, false),
    fc2: copyVariable(src.fc2, false),
    biases: src.biases ? { convs: src.biases.convs.map((b) => copyVariable(b, false)), fc1: copyVariable(src.biases.fc1, false) } : undefined,
  };
  const thresholds = SPIKING_LAYERS.map(() => 1);
  const net = new SpikingVgg({ arch: ann.arch, timesteps: o.steps, leak: 1, thresholds, order: o.order, reset: 'subtract', bntt: false, biases: !!src.biases }, weights, null);
  const maxCurrents: number[] = [];
  const percentile = o.percentile ?? 100;
  if (!(percentile > 0 && percentile <= 100)) throw new Error(`convert: percentile must be in (0, 100], got ${percentile}`);
  const rescaleBias = (l: number, th: number[]) => rescaleLayerBias(net, ann, l, th);
  for (let l = 0; l < SPIKING_LAYERS.length; l++) {
    rescaleBias(l, thresholds);
    // Same input spikes for every layer's pass, so each layer is balanced on the traffic the
    // layers below actually send it. The layers below run layer by layer in chunks of steps
    // (the network's own multi-step path: no second copy of the layer loop here).
    const enc = createEncoder(o.variant, images01, o.rng.fork('balance'));
    const chunk = defaultChunk(net, enc.shape, o.steps);
    let state: SnnState = net.initialState();
    const stat = new CurrentStatistic(percentile);
    for (let t0 = 0; t0 < o.steps; t0 += chunk) {
      const k = Math.min(chunk, o.steps - t0);
      let next = state;
      const current = tf.tidy(() => {
        const frames = Array.from({ length: k }, (_, j) => enc.step(t0 + j));
        const r = net.runLayers(state, tf.concat(frames, 0) as tf.Tensor4D, t0, k, { training: false, differentiable: false }, l);
        next = r.state;
        return [r.last, ...next.neurons.slice(0, l).flatMap((n) => n ?? [])];
      })[0];
      await stat.add(current, o.steps / k);
      current.dispose();
      for (const n of state.neurons) for (const x of n ?? []) x.dispose();
      state = next;
    }
    const maxI = stat.value();
    for (const n of state.neurons) for (const x of n ?? []) x.dispose();
    enc.dispose();
    if (!(maxI > 0)) throw new Error(`convert: layer ${SPIKING_LAYERS[l]} received no positive input current in ${o.steps} steps; the ANN or the balancing batch is degenerate`);
    thresholds[l] = maxI;
    maxCurrents.push(maxI);
    o.log?.(`convert: ${SPIKING_LAYERS[l]} threshold ${maxI.toFixed(4)}${percentile < 100 ? ` (${percentile}th percentile of its positive currents)` : ''}`);
  }
  setThresholds(net, ann, maxCurrents, o.scale);
  return { net, maxCurrents };
}

/** Sets layer l's bias in `net` to b_l / Π_{j<l} θ_j (b_l: the ANN's), for thresholds `th`. */
function rescaleLayerBias(net: SpikingVgg, ann: AnnVgg, l: number, th: number[]): void {
  const b = ann.weights.biases ? (l < 8 ? ann.weights.biases.convs[l] : ann.weights.biases.fc1) : null;
  const nb = net.weights.biases ? (l < 8 ? net.weights.biases.convs[l] : net.weights.biases.fc1) : null;
  if (!b || !nb) return;
  const kappa = th.slice(0, l).reduce((a, v) => a * v, 1);
  tf.tidy(() => nb.assign(tf.div(b, kappa) as tf.Tensor1D));
}

/**
 * Sets a converted network's thresholds to `scale` × the balanced maxima and rescales its biases
 * to match, so the latency/accuracy trade-off can be explored without balancing again.
 */
export function setThresholds(net: SpikingVgg, ann: AnnVgg, maxCurrents: readonly number[], scale: number): void {
  if (maxCurrents.length !== SPIKING_LAYERS.length) throw new Error(`setThresholds: expected ${SPIKING_LAYERS.length} maxima, got ${maxCurrents.length}`);
  maxCurrents.forEach((m, i) => { net.config.thresholds[i] = m * scale; });
  for (let l = 0; l < SPIKING_LAYERS.length; l++) rescaleLayerBias(net, ann, l, net.config.thresholds);
}

/**
 * The maximum, or the p-th percentile, of the positive values of a stream of tensors, exactly:
 * each chunk contributes its largest values (as many as the whole stream's top (100 − p) % can
 * hold) and its count of positives; the percentile is read from the merged top values at the end.
 */
export class CurrentStatistic {
  private top: number[] = [];
  private positives = 0;
  private max = -Infinity;
  private room = 0;

  constructor(readonly percentile: number) {}

  /** Adds a chunk; `chunksLeft` × its size bounds the stream's length (to size the top list). */
  async add(x: tf.Tensor, chunks: number): Promise<void> {
    if (this.percentile >= 100) {
      const m = tf.max(x);
      this.max = Math.max(this.max, (await m.data())[0]);
      m.dispose();
      return;
    }
    const n = x.size;
    this.room ||= Math.max(1, Math.ceil(((100 - this.percentile) / 100) * n * Math.ceil(chunks)));
    const [values, count] = tf.tidy(() => {
      const flat = tf.reshape(x, [-1]);
      return [tf.topk(flat, Math.min(this.room, n), true).values, tf.sum(tf.cast(tf.greater(flat, 0), 'float32'))];
    });
    const v = await values.data();
    this.positives += (await count.data())[0];
    tf.dispose([values, count]);
    for (const a of v) if (a > 0) this.top.push(a);
    this.top.sort((a, b) => b - a);
    this.top.length = Math.min(this.top.length, this.room);
  }

  /** The statistic over everything added (−∞ / 0 when nothing positive was seen). */
  value(): number {
    if (this.percentile >= 100) return this.max;
    if (!this.positives) return 0;
    const k = Math.max(1, Math.ceil(((100 - this.percentile) / 100) * this.positives));
    return this.top[Math.min(k, this.top.length) - 1];
  }
}
