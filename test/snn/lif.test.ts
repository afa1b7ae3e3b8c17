import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { lifStep, spike, surrogateGrad, type LifConfig } from '../../lib/snn/lif';
import { useBackend } from '../helpers/tf';

beforeAll(() => useBackend('node'));

/** Runs one neuron over `inputs`, returning its spikes and membranes. */
function trace(inputs: number[], cfg: LifConfig) {
  let u: tf.Tensor | null = null;
  const spikes: number[] = [], membranes: number[] = [];
  for (const i of inputs) {
    const r = lifStep(u, tf.scalar(i), cfg);
    spikes.push(r.spikes.dataSync()[0]);
    membranes.push(+r.membrane.dataSync()[0].toFixed(6));
    u = r.membrane;
  }
  return { spikes, membranes };
}

const I = [0.6, 0.6, 0.6, 1.5, 0];

describe('LIF neuron (hand-computed traces, λ = 0.5, θ = 1)', () => {
  it('integrate-then-fire with soft reset: the spike at t depends on the input at t', () => {
    // u: 0.6, 0.3+0.6=0.9, 0.45+0.6=1.05→fire→0.05, 0.025+1.5=1.525→fire→0.525, 0.2625
    expect(trace(I, { leak: 0.5, threshold: 1, order: 'integrate-then-fire', reset: 'subtract' }))
      .toEqual({ spikes: [0, 0, 1, 1, 0], membranes: [0.6, 0.9, 0.05, 0.525, 0.2625] });
  });

  it('fire-then-integrate: the spike at t comes from the membrane of t−1 (one-step delay)', () => {
    // s_t = H(u_{t-1} − 1); u_t = 0.5·(u_{t-1} − s_t) + I_t
    expect(trace(I, { leak: 0.5, threshold: 1, order: 'fire-then-integrate', reset: 'subtract' }))
      .toEqual({ spikes: [0, 0, 0, 1, 1], membranes: [0.6, 0.9, 1.05, 1.525, 0.2625] });
  });

  it('hard reset sets the membrane to zero after a spike; no reset keeps integrating', () => {
    expect(trace(I, { leak: 0.5, threshold: 1, order: 'integrate-then-fire', reset: 'zero' }))
      .toEqual({ spikes: [0, 0, 1, 1, 0], membranes: [0.6, 0.9, 0, 0, 0] });
    expect(trace([0.6, 0.6], { leak: 1, threshold: 1, order: 'integrate-then-fire', reset: 'none' }))
      .toEqual({ spikes: [0, 1], membranes: [0.6, 1.2] });
  });

  it('a membrane exactly at threshold does not fire (spike when u > θ)', () => {
    expect(trace([1], { leak: 1, threshold: 1, order: 'integrate-then-fire', reset: 'subtract' }).spikes).toEqual([0]);
  });
});

describe('surrogate gradient dS/du = 0.3·max(0, 1 − |u/θ − 1|)', () => {
  it('has the hand-computed values for θ = 1 and θ = 2', () => {
    const u = tf.tensor1d([0, 0.5, 1, 1.5, 2.2, -1]);
    expect(Array.from(surrogateGrad(u, 1).dataSync()).map((v) => +v.toFixed(6))).toEqual([0, 0.15, 0.3, 0.15, 0, 0]);
    expect(Array.from(surrogateGrad(tf.tensor1d([1, 2, 3]), 2).dataSync()).map((v) => +v.toFixed(6))).toEqual([0.15, 0.3, 0.15]);
  });

  it('is what backpropagation through a spike sees', () => {
    const u = tf.tensor1d([0, 0.5, 1, 1.5, 2.2]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(spike(x, 1)))(u);
    expect(Array.from(g.dataSync()).map((v) => +v.toFixed(6))).toEqual([0, 0.15, 0.3, 0.15, 0]);
    expect(Array.from(spike(u, 1).dataSync())).toEqual([0, 0, 0, 1, 1]);
  });

  it('flows through time: the gradient of a later spike reaches an earlier input via the leak', () => {
    const cfg: LifConfig = { leak: 0.5, threshold: 1, order: 'integrate-then-fire', reset: 'subtract' };
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const s0 = lifStep(null, a, cfg);
      return lifStep(s0.membrane, b, cfg).spikes;
    })([tf.scalar(0.6), tf.scalar(0.6)]);
    // u1 = 0.5·0.6 + 0.6 = 0.9 → dS1/du1 = 0.3·(1 − 0.1) = 0.27; du1/da = 0.5 (a never fired: no reset term)
    expect(g[1].dataSync()[0]).toBeCloseTo(0.27, 6);
    expect(g[0].dataSync()[0]).toBeCloseTo(0.135, 6);
  });
});
