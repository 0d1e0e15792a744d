import type { FloatArray } from '@tdlab/tensor';
import { axpy } from '@tdlab/tensor';

/**
 * θ ← θ − η(g + λθ) in place. With λ = 0 this is exactly θ + (−η)·g (one rounding per entry, the
 * same as `axpy(-η, g, θ)`). Arithmetic is float64; float32 parameters are rounded once on store.
 */
export function descend(params: FloatArray, gradient: FloatArray, lr: number, weightDecay: number): void {
  if (params.length !== gradient.length) {
    throw new RangeError(`optimizer: ${params.length} parameters but a gradient of length ${gradient.length}`);
  }
  if (weightDecay === 0) {
    axpy(-lr, gradient, params);
    return;
  }
  for (let i = 0; i < params.length; i++) params[i] -= lr * (gradient[i] + weightDecay * params[i]);
}

/** Weight decay must be a finite number ≥ 0 (the option schemas check this; the classes check again). */
export function checkWeightDecay(weightDecay: number): void {
  if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) {
    throw new RangeError(`optimizer: weightDecay must be a finite number >= 0, got ${weightDecay}`);
  }
}
