import type { DifferentiableModel, LabeledInputs, ParameterBlock } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';

/** The first min(n, maxPoints) rows of a labeled set, as views (no copy). */
export function leadingRows(inputs: LabeledInputs, inputDim: number, maxPoints: number): LabeledInputs {
  const n = Math.min(inputs.n, maxPoints);
  if (n === inputs.n) return inputs;
  return { x: inputs.x.subarray(0, n * inputDim), y: inputs.y.subarray(0, n), n };
}

/**
 * The tangent kernel Gram matrix K = J Jᵀ (n×n, row-major; papers.md §0: J_ij = ∂f(x_i)/∂θ_j) at θ,
 * formed column by column, K e_j = J (Jᵀ e_j): n VJPs and n JVPs, O(n·p) time per product pair
 * for a dense model, n² + p + 2n numbers of memory. Meant for small n; callers cap n.
 * The two triangles are averaged, so roundoff never makes K asymmetric. With a `block`, the layer's
 * kernel K_B = J_B J_Bᵀ (its parameters' contribution; K = Σ_B K_B): Jᵀe_j is masked to the block.
 */
export function tangentKernelMatrix(
  model: DifferentiableModel,
  params: FloatArray,
  inputs: LabeledInputs,
  out?: Float64Array,
  block?: ParameterBlock,
): Float64Array {
  const { n } = inputs;
  const kernel = out ?? new Float64Array(n * n);
  const basis = new Float64Array(n);
  const row = new Float64Array(model.parameterCount);
  const column = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    basis.fill(0);
    basis[j] = 1;
    model.vjp(params, inputs, basis, row);
    if (block) {
      row.fill(0, 0, block.offset);
      row.fill(0, block.offset + block.length);
    }
    model.jvp(params, inputs, row, column);
    for (let i = 0; i < n; i++) kernel[i * n + j] = column[i];
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const mean = 0.5 * (kernel[i * n + j] + kernel[j * n + i]);
      kernel[i * n + j] = mean;
      kernel[j * n + i] = mean;
    }
  }
  return kernel;
}

/** ‖A‖_F of a flat matrix. */
export function frobeniusNorm(matrix: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < matrix.length; i++) sum += matrix[i] * matrix[i];
  return Math.sqrt(sum);
}
