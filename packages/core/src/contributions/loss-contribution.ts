import type { Type } from 'arktype';
import type { Loss } from '../loss/loss.js';
import type { Contribution } from './contribution.js';
import type { RunContext } from './run-context.js';

export const LossContribution = Symbol.for('@tdlab/core/LossContribution');
/** A loss a study selects with `loss: { use: <id>, ... }`; its options state the normalization. */
export interface LossContribution<S extends Type<object> = Type<object>> extends Contribution<S, RunContext, Loss> {}

export function defineLoss<S extends Type<object>>(contribution: LossContribution<S>): LossContribution<S> {
  return contribution;
}
