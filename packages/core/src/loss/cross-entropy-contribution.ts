import { type } from 'arktype';
import { defineLoss } from '../contributions/loss-contribution.js';
import { CrossEntropy } from './cross-entropy.js';

/** `loss: { use: cross-entropy, reduction: sum | mean }` — required, never guessed. */
export const crossEntropyContribution = defineLoss({
  id: 'cross-entropy',
  description:
    'Binary cross-entropy on a scalar logit, c·Σ −[y·log σ(f) + (1−y)·log(1−σ(f))] on labels 0/1, c = (mean ? 1/n : 1); no multi-class (outputs are scalar)',
  options: type({ reduction: "'sum' | 'mean'" }),
  create: (options) => new CrossEntropy(options.reduction),
});
