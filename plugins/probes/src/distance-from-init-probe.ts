import { defineProbe, sampledProbe } from '@tdlab/core';
import { norm2 } from '@tdlab/tensor';
import { type } from 'arktype';
import { blockView, subtract } from './parameter-difference.js';

/**
 * `probes: [{ use: distance-from-init, perBlock: true }]` — `distance_from_init` = ‖θ_t − θ₀‖ and
 * `relative_distance_from_init` = ‖θ_t − θ₀‖/‖θ₀‖ (the rich/lazy measure of papers.md §6,
 * Pellegrini–Biroli target 2); with `perBlock`, both again as `<name>/<block>` per parameter block.
 * A block initialized at zero has relative distance NaN while it is zero, Infinity after.
 */
export const distanceFromInitProbe = defineProbe({
  id: 'distance-from-init',
  description: 'Distance from initialization ‖θ_t − θ₀‖ and ‖θ_t − θ₀‖/‖θ₀‖ (distance_from_init, relative_distance_from_init; per block with perBlock: true)',
  options: type({ perBlock: 'boolean = false' }),
  create: ({ perBlock }, context) => {
    let difference: Float64Array | undefined;
    return sampledProbe(context.every, (event, emit) => {
      const { params, initialParams, model } = event.state;
      if (difference === undefined || difference.length !== params.length) difference = new Float64Array(params.length);
      subtract(params, initialParams, difference);
      const distance = norm2(difference);
      emit('distance_from_init', distance);
      emit('relative_distance_from_init', distance / norm2(initialParams));
      if (!perBlock) return;
      for (const block of model.blocks) {
        const blockDistance = norm2(blockView(difference, block));
        emit(`distance_from_init/${block.name}`, blockDistance);
        emit(`relative_distance_from_init/${block.name}`, blockDistance / norm2(blockView(initialParams, block)));
      }
    });
  },
});
