import type { FloatArray } from '@tdlab/tensor';
import type { Loss } from './loss.js';

export type Reduction = 'sum' | 'mean';

/**
 * L = c · Σᵢ (fᵢ − yᵢ)² with c = (half ? ½ : 1) · (mean ? 1/n : 1).
 * ∂²L/∂fᵢ² = 2c, so the loss-matched tangent kernel is 2c·J Jᵀ: K for ½·sum, K/n for ½·mean and
 * 2K/n for torch's MSELoss (mean, no ½) — papers.md §0.
 */
export class MeanSquaredError implements Loss {
  readonly convention: string;

  constructor(
    readonly reduction: Reduction,
    readonly half: boolean,
  ) {
    const scale = half ? '½·' : '';
    this.convention = reduction === 'sum' ? `${scale}Σ(f−y)²` : `${scale}mean (f−y)²`;
  }

  private factor(n: number): number {
    return (this.half ? 0.5 : 1) * (this.reduction === 'mean' ? 1 / n : 1);
  }

  value(outputs: FloatArray, targets: FloatArray, n: number): number {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const r = outputs[i] - targets[i];
      sum += r * r;
    }
    return this.factor(n) * sum;
  }

  gradient(outputs: FloatArray, targets: FloatArray, n: number, out: FloatArray): void {
    const c = 2 * this.factor(n);
    for (let i = 0; i < n; i++) out[i] = c * (outputs[i] - targets[i]);
  }

  curvature(_outputs: FloatArray, _targets: FloatArray, n: number, out: FloatArray): void {
    out.fill(2 * this.factor(n), 0, n);
  }
}
