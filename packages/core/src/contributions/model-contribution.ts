import type { Type } from 'arktype';
import type { DifferentiableModel } from '../model/differentiable-model.js';
import type { SectionSpec } from '../spec/study-spec.js';
import type { Contribution } from './contribution.js';
import type { RunContext } from './run-context.js';

export interface ModelContext extends RunContext {
  /** The data set's input dimension. */
  readonly inputDim: number;
  /**
   * Builds a model section nested in this one: a section the contribution declares in `nested`,
   * exactly as its factory was handed it in the options (`context.createModel(options.base)`).
   * The nested model gets this same context (input dimension, precision, random streams), so it is
   * the model the section would build at the top level, and a wrapper that delegates `initialize`
   * to it starts from the same θ₀ as the bare model.
   */
  createModel(section: SectionSpec): DifferentiableModel;
}

export const ModelContribution = Symbol.for('@tdlab/core/ModelContribution');
/** A model a study selects with `model: { use: <id>, ... }`. */
export interface ModelContribution<S extends Type<object> = Type<object>> extends Contribution<S, ModelContext, DifferentiableModel> {}

export function defineModel<S extends Type<object>>(contribution: ModelContribution<S>): ModelContribution<S> {
  return contribution;
}
