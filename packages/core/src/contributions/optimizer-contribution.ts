import type { Type } from 'arktype';
import type { Optimizer } from '../optimizer/optimizer.js';
import type { Contribution } from './contribution.js';
import type { RunContext } from './run-context.js';

export interface OptimizerContext extends RunContext {
  readonly parameterCount: number;
}

export const OptimizerContribution = Symbol.for('@tdlab/core/OptimizerContribution');
/** An optimizer a study selects with `optimizer: { use: <id>, ... }`. */
export interface OptimizerContribution<S extends Type<object> = Type<object>> extends Contribution<S, OptimizerContext, Optimizer> {}

export function defineOptimizer<S extends Type<object>>(contribution: OptimizerContribution<S>): OptimizerContribution<S> {
  return contribution;
}
