import { defineProbe } from '@tdlab/core';
import { copy } from '@tdlab/tensor';
import { type } from 'arktype';
import { blockView, cosine, subtract } from './parameter-difference.js';
import { stepObservingProbe } from './step-observing-probe.js';

/**
 * `probes: [{ use: update-cosine, perBlock: true }]` — `update_cosine` = c_t = cos∠(Δθ_t, θ_t − θ₀)
 * with Δθ_t = θ_t − θ_{t−1}, the update that produced θ_t (a backward difference, so any optimizer
 * works); with `perBlock`, `update_cosine/<block>` per parameter block. Our stand-in for Terjék's
 * "cosine between the new and the cumulative update" (papers.md §4, not from the paper). c_1 = 1;
 * nothing is emitted at step 0 (no update yet); NaN when either vector is zero or non-finite.
 */
export const updateCosineProbe = defineProbe({
  id: 'update-cosine',
  description: 'Cosine between the newest update θ_t − θ_{t−1} and the cumulative update θ_t − θ₀ (update_cosine; per block with perBlock: true)',
  options: type({ perBlock: 'boolean = false' }),
  create: ({ perBlock }, context) => {
    // θ_t is copied on every step (O(p), like the update itself) into `current`; the buffer that held
    // it swaps to `previous` on the next step. The differences are float64.
    let buffers: { previous: Float64Array; current: Float64Array; update: Float64Array; cumulative: Float64Array; hasPrevious: boolean } | undefined;
    return stepObservingProbe(context.every, {
      observe: (event) => {
        const { params } = event.state;
        if (event.step === 0 || buffers === undefined || buffers.current.length !== params.length) {
          const p = params.length;
          buffers = { previous: new Float64Array(p), current: new Float64Array(p), update: new Float64Array(p), cumulative: new Float64Array(p), hasPrevious: false };
          copy(params, buffers.current);
          return;
        }
        [buffers.previous, buffers.current] = [buffers.current, buffers.previous];
        buffers.hasPrevious = true;
        copy(params, buffers.current);
      },
      measure: (event, emit) => {
        const { params, initialParams, model } = event.state;
        if (buffers === undefined || !buffers.hasPrevious) return;
        const update = subtract(params, buffers.previous, buffers.update);
        const cumulative = subtract(params, initialParams, buffers.cumulative);
        emit('update_cosine', cosine(update, cumulative));
        if (!perBlock) return;
        for (const block of model.blocks) emit(`update_cosine/${block.name}`, cosine(blockView(update, block), blockView(cumulative, block)));
      },
    });
  },
});
