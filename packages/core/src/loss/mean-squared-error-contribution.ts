import { type } from 'arktype';
import { defineLoss } from '../contributions/loss-contribution.js';
import { MeanSquaredError } from './mean-squared-error.js';

/** `loss: { use: mse, reduction: sum | mean, half: true | false }` — both are required, never guessed. */
export const meanSquaredErrorContribution = defineLoss({
  id: 'mse',
  description: 'Mean squared error c·Σ(f−y)², c = (half ? ½ : 1)·(mean ? 1/n : 1); the NTK is scaled to match (papers.md §0)',
  options: type({ reduction: "'sum' | 'mean'", half: 'boolean' }),
  create: (options) => new MeanSquaredError(options.reduction, options.half),
});
