import type { FloatArray } from '@tdlab/tensor';
import type { Loss } from './loss.js';
import type { Reduction } from './mean-squared-error.js';

/**
 * softplus(x) = log(1 + eˣ), written as max(x, 0) + log1p(e^{−|x|}) so that e^{…} never
 * overflows and the small tail keeps its relative precision (log1p rather than log(1 + ·)).
 */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** σ(x) = 1/(1 + e^{−x}), evaluated through e^{−|x|} ≤ 1 so it cannot overflow for either sign. */
export function sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/**
 * σ(x)·σ(−x) = σ′(x) = e^{−|x|}/(1 + e^{−|x|})², which is even in x: one exponential, no
 * cancellation in 1 − σ, and it decays to 0 (not NaN) for |x| → ∞.
 */
export function sigmoidSlope(x: number): number {
  const e = Math.exp(-Math.abs(x));
  const d = 1 + e;
  return e / (d * d);
}

/**
 * The logistic loss on the margin, L = c · Σᵢ log(1 + e^{−yᵢfᵢ}) with labels yᵢ = ±1 and
 * c = (mean ? 1/n : 1), computed as softplus(−yf) so that it stays finite for any |f|
 * (→ 0 for yf → +∞, → −yf for yf → −∞). It is binary cross-entropy in ±1 labels (`CrossEntropy`
 * is the same loss in 0/1 labels).
 *
 * ∂L/∂fᵢ = −c·yᵢ·σ(−yᵢfᵢ) and ∂²L/∂fᵢ² = c·σ(yᵢfᵢ)σ(−yᵢfᵢ) (y² = 1): the curvature decays as the
 * margins grow, so the loss-matched kernel shrinks as the data are fitted.
 */
export class Logistic implements Loss {
  readonly convention: string;

  constructor(readonly reduction: Reduction) {
    this.convention = reduction === 'sum' ? 'Σ log(1+e^(−y·f)), y = ±1' : 'mean log(1+e^(−y·f)), y = ±1';
  }

  private factor(n: number): number {
    return this.reduction === 'mean' ? 1 / n : 1;
  }

  /** Also checks the labels (the gradient and curvature stay check-free for the hot loop). */
  value(outputs: FloatArray, targets: FloatArray, n: number): number {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const y = targets[i];
      if (y !== 1 && y !== -1) throw new Error(`logistic: target of row ${i} is ${y}, but margin losses need labels ±1`);
      sum += softplus(-y * outputs[i]);
    }
    return this.factor(n) * sum;
  }

  gradient(outputs: FloatArray, targets: FloatArray, n: number, out: FloatArray): void {
    const c = this.factor(n);
    for (let i = 0; i < n; i++) {
      const y = targets[i];
      out[i] = -c * y * sigmoid(-y * outputs[i]);
    }
  }

  curvature(outputs: FloatArray, targets: FloatArray, n: number, out: FloatArray): void {
    const c = this.factor(n);
    for (let i = 0; i < n; i++) out[i] = c * sigmoidSlope(targets[i] * outputs[i]);
  }
}
