/**
 * The surrogate SNN's configuration as params.yaml describes it (`snn.*`), in one place: the
 * train-snn stage and the encoding × padding grid build their networks from it; finetune-snn2 its
 * second network (`second_snn.*`).
 */
import type { Params } from '../params';
import { vggArch, type ConvPadding } from '../model/vgg';
import { SPIKING_LAYERS, type SpikingVggConfig } from '../snn/network';
import { SURROGATE_SCALE } from '../snn/surrogate';

/** The VGG11 BNTT SNN of `params.snn` for `classes` classes; `padding` overrides `snn.padding`. */
export function snnConfigFromParams(p: Params, classes: number, padding: ConvPadding = p.snn.padding): SpikingVggConfig {
  return {
    arch: vggArch(p.snn.width, classes, 3, padding),
    timesteps: p.snn.timesteps, leak: p.snn.leak, thresholds: SPIKING_LAYERS.map(() => p.snn.threshold),
    order: p.snn.order, reset: 'subtract', bntt: true,
    neuron: neuronFromParams(p, p.snn.neuron),
    surrogate: p.snn.surrogate === 'fast-sigmoid' ? { kind: 'fast-sigmoid', slope: 25 } : { kind: 'piecewise-linear', scale: SURROGATE_SCALE },
  };
}

/** The network of the finetune-snn2 stage: `snn.*` with `second_snn`'s neuron and T. */
export function secondSnnConfigFromParams(p: Params, classes: number): SpikingVggConfig {
  return { ...snnConfigFromParams(p, classes), timesteps: p.second_snn.timesteps, neuron: neuronFromParams(p, p.second_snn.neuron) };
}

/** A neuron of params.yaml's names, with the alif constants of `snn.*`. */
function neuronFromParams(p: Params, neuron: 'lif' | 'alif'): SpikingVggConfig['neuron'] {
  return neuron === 'alif' ? { kind: 'alif', adaptation: p.snn.adaptation, decay: p.snn.adaptation_decay } : { kind: 'lif' };
}
