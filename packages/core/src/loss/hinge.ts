import type { FloatArray } from '@tdlab/tensor';
import type { Loss } from './loss.js';
import type { Reduction } from './mean-squared-error.js';

/**
 * The quadratic (squared) hinge, L = c · Σᵢ ½(h − yᵢfᵢ)₊² with labels yᵢ = ±1, threshold h > 0 and
 * c = (mean ? 1/n : 1) — the loss of the jamming picture of training (Spigler, Geiger et al.), which,
 * unlike the linear hinge (`LinearHinge`), has a continuous gradient. The ½ makes the curvature of
 * an unsatisfied example exactly c, as for ½·MSE: on the unsatisfied set the loss is ½·MSE towards
 * the target h·y, so the loss-matched kernel is the NTK restricted to those examples.
 *
 * ∂L/∂fᵢ = −c·yᵢ(h − yᵢfᵢ)₊ and ∂²L/∂fᵢ² = c·1{yᵢfᵢ < h} (at yf = h both one-sided values of
 * the gradient are 0; for the curvature we take the satisfied side, 0, as `LinearHinge` does).
 */
export class Hinge implements Loss {
  readonly convention: string;

  constructor(
    readonly reduction: Reduction,
    readonly h: number,
  ) {
    this.convention = reduction === 'sum' ? `½·Σ(${h}−y·f)₊², y = ±1` : `½·mean (${h}−y·f)₊², y = ±1`;
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
      if (y !== 1 && y !== -1) throw new Error(`hinge: target of row ${i} is ${y}, but margin losses need labels ±1`);
      const gap = h - y * outputs[i];
      if (gap > 0) sum += gap * gap;
    }
    return 0.5 * this.factor(n) * sum;
  }

  gradient(outputs: FloatArray, targets: FloatArray, n: number, out: FloatArray): void {
    const c = this.factor(n);
    const h = this.h;
    for (let i = 0; i < n; i++) {
      const y = targets[i];
      const gap = h - y * outputs[i];
      out[i] = gap > 0 ? -c * y * gap : 0;
    }
  }

  curvature(outputs: FloatArray, targets: FloatArray, n: number, out: FloatArray): void {
    const c = this.factor(n);
    const h = this.h;
    for (let i = 0; i < n; i++) out[i] = targets[i] * outputs[i] < h ? c : 0;
  }
}
