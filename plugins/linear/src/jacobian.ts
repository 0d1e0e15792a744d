import type { DifferentiableModel, Inputs } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';

/**
 * A model that can write its Jacobian J (n×p, J_ij = ∂f(x_i)/∂θ_j, papers.md §0) at once, in the
 * cost of one forward pass. The models of this plugin do (for a linear model J is the feature
 * matrix Φ); other models fall back to n vector-Jacobian products.
 */
export interface ExplicitJacobian {
  /** out (n×p, row-major) = J at (params, inputs). */
  jacobian(params: FloatArray, inputs: Inputs, out: FloatArray): void;
}

export function hasExplicitJacobian(model: DifferentiableModel): model is DifferentiableModel & ExplicitJacobian {
  return typeof (model as Partial<ExplicitJacobian>).jacobian === 'function';
}

/** The most entries (8 bytes each) a dense Jacobian may have: 5·10⁷, 400 MB. */
export const MAX_JACOBIAN_ENTRIES = 5e7;

/** A zeroed n×p float64 matrix for J, or a clear error naming `owner` when it would be too large. */
export function allocateJacobian(owner: string, n: number, p: number): Float64Array {
  if (n * p > MAX_JACOBIAN_ENTRIES) {
    throw new RangeError(`${owner}: the Jacobian would have n·p = ${n}·${p} = ${n * p} entries (at most ${MAX_JACOBIAN_ENTRIES}); use fewer training rows or a smaller model`);
  }
  return new Float64Array(n * p);
}

/** out (n×p) = J at (params, inputs): the model's own `jacobian`, or row k = Jᵀe_k by n VJPs. */
export function formJacobian(model: DifferentiableModel, params: FloatArray, inputs: Inputs, out: Float64Array): void {
  const { n } = inputs;
  const p = model.parameterCount;
  if (out.length < n * p) throw new RangeError(`formJacobian: out has length ${out.length}, needs n·p = ${n * p}`);
  if (hasExplicitJacobian(model)) {
    model.jacobian(params, inputs, out);
    return;
  }
  const unit = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    unit[k] = 1;
    model.vjp(params, inputs, unit, out.subarray(k * p, (k + 1) * p));
    unit[k] = 0;
  }
}
