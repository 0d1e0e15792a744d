import { type } from 'arktype';
import { defineLoss } from '../contributions/loss-contribution.js';
import { Logistic } from './logistic.js';

/** `loss: { use: logistic, reduction: sum | mean }` — required, never guessed. */
export const logisticContribution = defineLoss({
  id: 'logistic',
  description: 'Logistic loss c·Σ log(1+e^(−y·f)) on labels ±1, c = (mean ? 1/n : 1); curvature c·σ(yf)σ(−yf)',
  options: type({ reduction: "'sum' | 'mean'" }),
  create: (options) => new Logistic(options.reduction),
});
