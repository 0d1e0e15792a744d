import type { FloatArray } from '@tdlab/tensor';
import type { Loss } from './loss.js';
import { sigmoid, sigmoidSlope, softplus } from './logistic.js';
import type { Reduction } from './mean-squared-error.js';

/**
 * Binary cross-entropy on a scalar logit, L = c · Σᵢ −[yᵢ log σ(fᵢ) + (1−yᵢ) log(1−σ(fᵢ))] with
 * labels yᵢ ∈ {0, 1} and c = (mean ? 1/n : 1) — torch's BCEWithLogitsLoss, and the `Logistic`
 * loss rewritten in 0/1 labels. The models here have scalar outputs, so multi-class (softmax)
 * cross-entropy is out of scope: it would need a vector output per example and a non-diagonal
 * output Hessian, which the `Loss` interface does not express.
 *
 * ℓ = softplus(f) − y·f, which for y ∈ {0, 1} is softplus((1 − 2y)·f); we evaluate the latter,
 * which never subtracts two large numbers (softplus(f) − f loses the small tail for large f).
 * ∂L/∂fᵢ = c·(σ(fᵢ) − yᵢ) and ∂²L/∂fᵢ² = c·σ(fᵢ)(1 − σ(fᵢ)), independent of the label.
 */
export class CrossEntropy implements Loss {
  readonly convention: string;

  constructor(readonly reduction: Reduction) {
    const terms = '−[y·log σ(f) + (1−y)·log(1−σ(f))], y ∈ {0,1}';
    this.convention = reduction === 'sum' ? `Σ ${terms}` : `mean ${terms}`;
  }

  private factor(n: number): number {
    return this.reduction === 'mean' ? 1 / n : 1;
  }

  /** Also checks the labels (the gradient and curvature stay check-free for the hot loop). */
  value(outputs: FloatArray, targets: FloatArray, n: number): number {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const y = targets[i];
      if (y !== 0 && y !== 1) throw new Error(`cross-entropy: target of row ${i} is ${y}, but binary cross-entropy needs labels 0 or 1`);
      sum += softplus((1 - 2 * y) * outputs[i]);
    }
    return this.factor(n) * sum;
  }

  gradient(outputs: FloatArray, targets: FloatArray, n: number, out: FloatArray): void {
    const c = this.factor(n);
    for (let i = 0; i < n; i++) out[i] = c * (sigmoid(outputs[i]) - targets[i]);
  }

  curvature(outputs: FloatArray, _targets: FloatArray, n: number, out: FloatArray): void {
    const c = this.factor(n);
    for (let i = 0; i < n; i++) out[i] = c * sigmoidSlope(outputs[i]);
  }
}
