import { defineProbe } from '@tdlab/core';
import { type } from 'arktype';
import { evalOutputs, sampledMetric } from './eval-split.js';

/**
 * `probes: [{ use: eval-loss, every: 10 }]` — the study's own loss on the eval split (`eval_loss`):
 * L(f(θ_t; X_eval), y_eval) with the loss section's normalization, over the n_eval eval rows. With
 * `reduction: mean` it is comparable with the training loss; with `reduction: sum` it is a sum over
 * n_eval rows (½·Σ(f−y)² for `half: true`), so it scales with the size of the eval split.
 */
export const evalLossProbe = defineProbe({
  id: 'eval-loss',
  description: "The study's loss, with its own normalization, on the data set's eval split (eval_loss)",
  options: type({}),
  create: (_options, context) => {
    return sampledMetric(context.every, 'eval_loss', (event) => {
      const { split, outputs } = evalOutputs(event, 'eval-loss', context);
      return event.state.loss.value(outputs, split.y, split.n);
    });
  },
});
