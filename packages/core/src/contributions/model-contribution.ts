import type { Type } from 'arktype';
import type { DifferentiableModel } from '../model/differentiable-model.js';
import type { Contribution } from './contribution.js';
import type { RunContext } from './run-context.js';

export interface ModelContext extends RunContext {
  /** The data set's input dimension. */
  readonly inputDim: number;
}

export const ModelContribution = Symbol.for('@tdlab/core/ModelContribution');
/** A model a study selects with `model: { use: <id>, ... }`. */
export interface ModelContribution<S extends Type<object> = Type<object>> extends Contribution<S, ModelContext, DifferentiableModel> {}

export function defineModel<S extends Type<object>>(contribution: ModelContribution<S>): ModelContribution<S> {
  return contribution;
}
