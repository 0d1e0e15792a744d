import { defineProbe, sampledProbe } from '@tdlab/core';
import { type } from 'arktype';

/**
 * `probes: [{ use: loss }]` — the training loss of the step (`loss`, the value the trainer computed
 * for this event). The loss on the eval split is the `eval-loss` probe's (`eval_loss`), so it can be
 * measured at its own cadence.
 */
export const lossProbe = defineProbe({
  id: 'loss',
  description: 'Training loss (loss); the eval split has its own probe, eval-loss',
  options: type({}),
  create: (_options, context) => sampledProbe(context.every, (event, emit) => emit('loss', event.loss)),
});
