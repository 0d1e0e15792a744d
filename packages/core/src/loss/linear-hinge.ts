import type { FloatArray } from '@tdlab/tensor';
import type { Loss } from './loss.js';
import type { Reduction } from './mean-squared-error.js';

/**
 * The linear hinge of Pellegrini & Biroli, L = c · Σᵢ (h − yᵢfᵢ)₊ with labels yᵢ = ±1, threshold
 * h > 0 and c = (mean ? 1/n : 1). An example with margin yf ≥ h is satisfied and contributes
 * nothing; this is the loss whose SAT/UNSAT transition they study (the squared version is `Hinge`).
 *
 * ∂L/∂fᵢ = −c·yᵢ·1{yᵢfᵢ < h}. At the kink yf = h the loss is not differentiable; we take the
 * right derivative 0, i.e. the example counts as satisfied, so a training set sitting exactly on
 * the margin is a fixed point of gradient descent. ∂²L/∂fᵢ² = 0 almost everywhere (the kink's
 * delta is dropped), so the loss-matched tangent kernel of this loss is zero: curvature-based
 * stability thresholds say nothing here.
 */
export class LinearHinge implements Loss {
  readonly convention: string;

  constructor(
    readonly reduction: Reduction,
    readonly h: number,
  ) {
    this.convention = reduction === 'sum' ? `Σ(${h}−y·f)₊, y = ±1` : `mean (${h}−y·f)₊, y = ±1`;
  }

  private factor(n: number): number {
    return this.reduction === 'mean' ? 1 / n : 1;
  }

  /** Also checks the labels (the gradient and curvature stay check-free for the hot loop). */
  value(outputs: FloatArray, targets: FloatArray, n: number): number {
    const h = this.h;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const y = targets[i];
      if (y !== 1 && y !== -1) throw new Error(`linear-hinge: target of row ${i} is ${y}, but margin losses need labels ±1`);
      const gap = h - y * outputs[i];
      if (gap > 0) sum += gap;
    }
    return this.factor(n) * sum;
  }

  gradient(outputs: FloatArray, targets: FloatArray, n: number, out: FloatArray): void {
    const c = this.factor(n);
    const h = this.h;
    for (let i = 0; i < n; i++) {
      const y = targets[i];
      out[i] = y * outputs[i] < h ? -c * y : 0;
    }
  }

  curvature(_outputs: FloatArray, _targets: FloatArray, n: number, out: FloatArray): void {
    out.fill(0, 0, n);
  }
}
