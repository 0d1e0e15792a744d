import { defineProbe, sampledProbe } from '@tdlab/core';
import { type } from 'arktype';

/**
 * `probes: [{ use: activation-sparsity }]` — `activation_sparsity/<layer>`: the fraction of
 * non-positive pre-activations of each hidden layer over the training inputs (Meltzer et al.,
 * papers.md §2: ≈ 0.5 for a ReLU net at initialization and in the lazy phase, rising with the
 * normalized learning rate inside and beyond the catapult window). Needs a model that reports its
 * hidden layers (`hiddenLayers` and `preactivationSparsity`); any other model is a clear error.
 */
export const activationSparsityProbe = defineProbe({
  id: 'activation-sparsity',
  description: 'Fraction of non-positive hidden pre-activations per layer (activation_sparsity/<layer>)',
  options: type({}),
  create: (_options, context) => {
    let out = new Float64Array(0);
    return sampledProbe(context.every, (event, emit) => {
      const { model, params, data } = event.state;
      const layers = model.hiddenLayers;
      if (!layers || !model.preactivationSparsity) {
        throw new Error(
          'activation-sparsity: the model does not report hidden pre-activations (hiddenLayers / preactivationSparsity); ' +
            'use a network such as two-layer or mlp',
        );
      }
      if (out.length !== layers.length) out = new Float64Array(layers.length);
      model.preactivationSparsity(params, data.train, out);
      layers.forEach((layer, l) => emit(`activation_sparsity/${layer}`, out[l]));
    });
  },
});
