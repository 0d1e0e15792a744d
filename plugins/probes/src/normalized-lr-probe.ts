import { defineProbe, sampledProbe } from '@tdlab/core';
import { type } from 'arktype';

/**
 * `probes: [{ use: normalized-lr }]` — `normalized_lr` = η_t·λ_t, the learning rate of the update
 * after this step times the top eigenvalue of the loss-matched NTK at this step. The linearized
 * dynamics are stable below 2, so a catapult ends when it drops below 2 (papers.md §0, §1a).
 * Steps whose loss is not finite are skipped, as in `ntk-top-eigenvalue`.
 */
export const normalizedLrProbe = defineProbe({
  id: 'normalized-lr',
  description: 'Normalized learning rate η_t·λ_t with λ_t the top loss-matched NTK eigenvalue (normalized_lr)',
  options: type({}),
  create: (_options, context) =>
    sampledProbe(context.every, (event, emit) => {
      if (!Number.isFinite(event.loss)) return;
      emit('normalized_lr', event.lr * event.state.ntkTopEigenvalues(1)[0]);
    }),
});
