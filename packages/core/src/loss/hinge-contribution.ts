import { type } from 'arktype';
import { defineLoss } from '../contributions/loss-contribution.js';
import { Hinge } from './hinge.js';

/** `loss: { use: hinge, reduction: sum | mean, h: 1 }` — reduction is required, never guessed; h defaults to 1. */
export const hingeContribution = defineLoss({
  id: 'hinge',
  description:
    'Squared (quadratic) hinge c·Σ½(h−y·f)₊² on labels ±1, c = (mean ? 1/n : 1); curvature c on the unsatisfied examples (`linear-hinge` is the linear one)',
  options: type({ reduction: "'sum' | 'mean'", h: 'number > 0 = 1' }),
  create: (options) => new Hinge(options.reduction, options.h),
});
