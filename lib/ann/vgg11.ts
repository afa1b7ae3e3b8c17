/**
 * The VGG11 ANN: ReLU, average pooling, dropout, no bias. It shares the SNN's weight layout
 * (lib/model/vgg.ts) and sees the spike encoder's expectation as input, i.e. exactly the rate
 * the converted SNN receives.
 *
 * Batch norm while training, folded away afterwards. The paper's conversion source has no batch
 * norm; on a CPU budget a plain 8-conv ReLU VGG does not train reliably (measured here: it sat at
 * chance or collapsed to dead ReLUs in most runs, with SGD and with Adam). So the ANN trains
 * with an ordinary batch norm after each layer and `folded()` then merges each norm into the
 * layer's weights and a per-channel bias (Rueckauer et al. 2017). The folded network computes
 * exactly the same function in evaluation mode and is what Grad-CAM and conversion use; the
 * converted SNN applies the biases as constant input currents.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV_LAYERS, VGG11_POOL_AFTER, avgPool2, checkInputSize, conv3x3, copyVariable, initVggWeights, namedWeights, relu, weightList, type VggArch, type VggWeights } from '../model/vgg';
import { Bntt } from '../snn/bntt';
import type { LayerName } from '../snn/observer';
import type { Rng } from '../random';

/** Options of one ANN forward pass. */
export interface AnnForwardOptions {
  training: boolean;
  /** Dropout rate before fc1 and fc2 while training. */
  dropout?: number;
  /** Seed of the dropout masks (from the run's Rng). */
  seed?: number;
  /** Activations to return (post-ReLU, before pooling): conv1..conv8, fc1. */
  keep?: ReadonlySet<LayerName>;
  /** Zero tensors added to those activations so gradients w.r.t. them can be taken (Grad-CAM). */
  probes?: Partial<Record<LayerName, tf.Tensor>>;
}

/** A VGG11 ANN, with batch norms while training (null once folded). */
export class AnnVgg {
  constructor(readonly arch: VggArch, readonly weights: VggWeights, readonly norms: Bntt[] | null = null) {}

  /**
   * Fresh weights from a seeded rng: Xavier-uniform with gain √2 (He's variance for ReLU), and
   * batch norms after conv1..conv8 and fc1 unless `batchNorm` is false.
   */
  static create(arch: VggArch, rng: Rng, opts: { gain?: number; batchNorm?: boolean } = {}): AnnVgg {
    const norms = (opts.batchNorm ?? true) ? [...arch.channels, arch.hidden].map((c, i) => new Bntt(`bn${i + 1}`, c, 1, true)) : null;
    return new AnnVgg(arch, initVggWeights(arch, rng, opts.gain ?? Math.SQRT2), norms);
  }

  trainable(): tf.Variable[] {
    return [...weightList(this.weights), ...(this.norms ?? []).flatMap((n) => n.trainable())];
  }

  /** Every variable by a stable name, for checkpoints (weights named as in the SNN). */
  namedVariables(): Record<string, tf.Variable> {
    const out = namedWeights(this.weights);
    for (const n of this.norms ?? []) Object.assign(out, n.namedVariables());
    return out;
  }

  private layer(i: number, z: tf.Tensor, training: boolean): tf.Tensor {
    const b = this.weights.biases ? (i < 8 ? this.weights.biases.convs[i] : this.weights.biases.fc1) : null;
    const y = b ? tf.add(z, b) : z;
    return relu(this.norms ? this.norms[i].apply(y, 0, training) : y);
  }

  /**
   * Forward pass: input [B,H,W,C] (the encoder's expected spikes) → logits [B, classes], plus the
   * activations named in `keep`.
   */
  forward(x: tf.Tensor4D, o: AnnForwardOptions): { logits: tf.Tensor2D; activations: Partial<Record<LayerName, tf.Tensor4D>> } {
    checkInputSize(x.shape[1], x.shape[2]);
    const activations: Partial<Record<LayerName, tf.Tensor4D>> = {};
    const tap = (layer: LayerName, a: tf.Tensor4D): tf.Tensor4D => {
      const p = o.probes?.[layer];
      const out = p ? (tf.add(a, p) as tf.Tensor4D) : a;
      if (o.keep?.has(layer)) activations[layer] = out;
      return out;
    };
    let h: tf.Tensor4D = x;
    this.weights.convs.forEach((w, i) => {
      h = tap(CONV_LAYERS[i], this.layer(i, conv3x3(h, w, this.arch.padding), o.training) as tf.Tensor4D);
      if (VGG11_POOL_AFTER.has(i)) h = avgPool2(h);
    });
    let v = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const drop = (t: tf.Tensor2D, k: number) => (o.training && o.dropout ? (tf.dropout(t, o.dropout, undefined, (o.seed ?? 0) + k) as tf.Tensor2D) : t);
    v = drop(v, 1);
    let f = this.layer(8, tf.matMul(v, this.weights.fc1), o.training) as tf.Tensor2D;
    f = tf.reshape(tap('fc1', tf.reshape(f, [f.shape[0], 1, 1, f.shape[1]]) as tf.Tensor4D), [f.shape[0], f.shape[1]]) as tf.Tensor2D;
    f = drop(f, 2);
    return { logits: tf.matMul(f, this.weights.fc2) as tf.Tensor2D, activations };
  }

  /**
   * The same network without batch norm: W' = W·a and b' = b·a + s per output channel, where
   * y = a·x + s is each norm's evaluation-mode transform. A network without norms is returned as is.
   */
  folded(): AnnVgg {
    if (!this.norms) return this;
    const norms = this.norms;
    // Each folded tensor is computed in its own tidy; variables are created from the results.
    const fold = (i: number, w: tf.Tensor, bias: tf.Tensor | null) => {
      const [fw, fb] = tf.tidy(() => {
        const { scale, shift } = norms[i].affine(0);
        return [tf.mul(w, scale), bias ? tf.add(tf.mul(bias, scale), shift) : shift];
      });
      return { w: fw, b: fb as tf.Tensor1D };
    };
    const convs: tf.Variable<tf.Rank.R4>[] = [];
    const biases: tf.Variable<tf.Rank.R1>[] = [];
    const toDispose: tf.Tensor[] = [];
    this.weights.convs.forEach((w, i) => {
      const r = fold(i, w, this.weights.biases?.convs[i] ?? null);
      convs.push(tf.variable(r.w as tf.Tensor4D, true));
      biases.push(tf.variable(r.b, true));
      toDispose.push(r.w, r.b);
    });
    const f = fold(8, this.weights.fc1, this.weights.biases?.fc1 ?? null);
    const weights: VggWeights = {
      convs, fc1: tf.variable(f.w as tf.Tensor2D, true), fc2: copyVariable(this.weights.fc2, true),
      biases: { convs: biases, fc1: tf.variable(f.b, true) },
    };
    tf.dispose([...toDispose, f.w, f.b]);
    return new AnnVgg(this.arch, weights, null);
  }

  dispose(): void {
    for (const n of this.norms ?? []) n.dispose();
    tf.dispose(Object.values(this.namedVariables()).filter((v) => !v.isDisposed));
  }
}
