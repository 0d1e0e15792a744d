import { type } from 'arktype';
import { defineLoss } from '../contributions/loss-contribution.js';
import { LinearHinge } from './linear-hinge.js';

/** `loss: { use: linear-hinge, reduction: sum | mean, h: 1 }` — reduction is required, never guessed; h defaults to 1. */
export const linearHingeContribution = defineLoss({
  id: 'linear-hinge',
  description:
    'Linear hinge c·Σ(h−y·f)₊ on labels ±1 (Pellegrini & Biroli), c = (mean ? 1/n : 1); zero curvature, so the loss-matched NTK vanishes (`hinge` is the squared version)',
  options: type({ reduction: "'sum' | 'mean'", h: 'number > 0 = 1' }),
  create: (options) => new LinearHinge(options.reduction, options.h),
});
