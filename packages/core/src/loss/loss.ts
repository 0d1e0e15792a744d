import type { FloatArray } from '@tdlab/tensor';

/**
 * A loss L(f, y) = Σᵢ ℓ(fᵢ, yᵢ) · (normalization) over a batch of scalar outputs.
 * The normalization (sum or mean, with or without ½) is part of the loss, and it fixes which
 * tangent kernel sets the stability thresholds (papers.md §0): the Gauss–Newton part of the loss
 * Hessian is Jᵀ·diag(∂²L/∂f²)·J, whose nonzero spectrum is that of D^½ J Jᵀ D^½.
 */
export interface Loss {
  /** One line naming the normalization, e.g. "½·Σ(f−y)²". */
  readonly convention: string;
  value(outputs: FloatArray, targets: FloatArray, n: number): number;
  /** out_i = ∂L/∂f_i. */
  gradient(outputs: FloatArray, targets: FloatArray, n: number, out: FloatArray): void;
  /** out_i = ∂²L/∂f_i² (the loss is separable, so its output Hessian is diagonal). */
  curvature(outputs: FloatArray, targets: FloatArray, n: number, out: FloatArray): void;
}
