import type { FloatArray } from '@tdlab/tensor';
import type { Type } from 'arktype';
import type { Optimizer } from '../optimizer/optimizer.js';
import type { Contribution } from './contribution.js';
import type { RunContext } from './run-context.js';

export interface OptimizerContext extends RunContext {
  readonly parameterCount: number;
  /** The model's `timeScale` c (dθ/dt = −c·∇L is its natural gradient flow), 1 when it declares none. */
  readonly timeScale: number;
  /**
   * out = ∇L(θ) over the full training set at any θ, for optimizers that evaluate the gradient at
   * more points than θ_t (a Runge–Kutta step). Allocates nothing per call.
   */
  gradientAt(params: FloatArray, out: FloatArray): void;
}

export const OptimizerContribution = Symbol.for('@tdlab/core/OptimizerContribution');
/** An optimizer a study selects with `optimizer: { use: <id>, ... }`. */
export interface OptimizerContribution<S extends Type<object> = Type<object>> extends Contribution<S, OptimizerContext, Optimizer> {}

export function defineOptimizer<S extends Type<object>>(contribution: OptimizerContribution<S>): OptimizerContribution<S> {
  return contribution;
}
