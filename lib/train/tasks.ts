/**
 * The two training tasks the loop runs: the ANN (cross-entropy on logits, dropout) and the
 * surrogate-gradient SNN (BPTT through all T steps, cross-entropy on output membrane / T).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnnVgg } from '../ann/vgg11';
import { createEncoder, expectedSpikes, type EncoderSpec } from '../data/encode';
import type { SpikingVgg } from '../snn/network';
import { unroll } from '../snn/simulate';
import { annAccuracy, snnAccuracy } from './evaluate';
import type { TrainTask } from './loop';
import { crossEntropy } from './loss';
import { calibrateAnnNorms, calibrateBntt } from './calibrate';
import { Rng } from '../random';
import type { Dataset } from '../data/dataset';

/** Training task for the VGG11 ANN; its batch norms are recalibrated like BNTT's before each evaluation. */
export function annTask(ann: AnnVgg, variant: EncoderSpec, dropout: number, trainSet?: Dataset, calibration = 512, calibrationRng?: Rng): TrainTask {
  return {
    name: 'train-ann',
    trainable: ann.trainable(),
    variables: ann.namedVariables(),
    loss(x, y, rng) {
      const { logits } = ann.forward(expectedSpikes(variant, x), { training: true, dropout, seed: rng.tfSeed() });
      return { loss: crossEntropy(logits, y), logits };
    },
    evaluate: (ds) => {
      if (trainSet && calibration > 0) calibrateAnnNorms(ann, trainSet, variant, (calibrationRng ?? new Rng(0)).fork('calibrate'), calibration);
      return annAccuracy(ann, ds, variant);
    },
    afterStep: () => { for (const n of ann.norms ?? []) n.commitStats(); },
  };
}

/**
 * Training task for the BNTT SNN (surrogate gradients, BPTT over `timesteps`). Before each
 * evaluation the BNTT statistics are recalibrated on `calibration` images of `trainSet`
 * (lib/train/calibrate.ts); 0 keeps the running averages as they are.
 */
export function snnTask(net: SpikingVgg, variant: EncoderSpec, timesteps: number, evalRng: Rng, trainSet?: Dataset, calibration = 512): TrainTask {
  return {
    name: 'train-snn',
    trainable: net.trainable(),
    variables: net.namedVariables(),
    loss(x, y, rng: Rng) {
      const enc = createEncoder(variant, x, rng);
      try {
        const logits = unroll(net, enc, timesteps, { training: true });
        return { loss: crossEntropy(logits, y), logits };
      } finally {
        enc.dispose();
      }
    },
    evaluate: (ds) => {
      if (trainSet && calibration > 0) calibrateBntt(net, trainSet, variant, timesteps, evalRng.fork('calibrate'), calibration);
      return snnAccuracy(net, ds, variant, timesteps, evalRng);
    },
    afterStep: () => { for (const b of net.bntt ?? []) b.commitStats(); },
  };
}
