import { defineProbe, sampledProbe } from '@tdlab/core';
import { norm2 } from '@tdlab/tensor';
import { type } from 'arktype';
import { blockView } from './parameter-difference.js';

/**
 * `probes: [{ use: gradient-norm, perBlock: true }]` — `gradient_norm` = ‖∇L(θ_t)‖ of the gradient
 * the step's update uses (`state.gradient`: full batch, or the optimizer's minibatch); with
 * `perBlock`, `gradient_norm/<block>` per parameter block. The last event has no update and so no
 * gradient: nothing is emitted there (nor on a diverged step).
 */
export const gradientNormProbe = defineProbe({
  id: 'gradient-norm',
  description: 'Norm of the gradient the update uses, ‖∇L(θ_t)‖ (gradient_norm; per block with perBlock: true)',
  options: type({ perBlock: 'boolean = false' }),
  create: ({ perBlock }, context) =>
    sampledProbe(context.every, (event, emit) => {
      const { gradient, model } = event.state;
      if (gradient === undefined) return;
      emit('gradient_norm', norm2(gradient));
      if (!perBlock) return;
      for (const block of model.blocks) emit(`gradient_norm/${block.name}`, norm2(blockView(gradient, block)));
    }),
});
