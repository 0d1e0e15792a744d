import { defineOptimizer } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { type MinibatchOrder, minibatchOrder, StatefulOptimizer } from './stateful-optimizer.js';

/**
 * Normalized gradient descent θ ← θ − η d/‖d‖₂ with d = ∇L + λθ, so every step has Euclidean length
 * η (up to rounding) whatever the gradient's size; with d = 0 the step is skipped. Weight decay is
 * inside the normalization (the step length stays η). The norm is taken with the largest |dᵢ|
 * factored out, so it neither overflows nor underflows. No state beyond the shell's; allocates nothing.
 */
export class NormalizedGradientDescent extends StatefulOptimizer {
  constructor(parameterCount: number, weightDecay = 0, minibatch?: MinibatchOrder) {
    super(parameterCount, weightDecay, minibatch);
  }

  protected apply(params: FloatArray, gradient: FloatArray, lr: number): void {
    const { weightDecay } = this;
    let scale = 0;
    for (let i = 0; i < params.length; i++) scale = Math.max(scale, Math.abs(gradient[i] + weightDecay * params[i]));
    if (scale === 0) return;
    if (!Number.isFinite(scale)) throw new RangeError(`normalized-gd: the update direction is not finite (max |∇L + λθ| = ${scale})`);
    let sum = 0;
    for (let i = 0; i < params.length; i++) {
      const d = (gradient[i] + weightDecay * params[i]) / scale;
      sum += d * d;
    }
    const factor = lr / (scale * Math.sqrt(sum));
    for (let i = 0; i < params.length; i++) params[i] -= factor * (gradient[i] + weightDecay * params[i]);
  }
}

/** `optimizer: { use: normalized-gd }` — θ ← θ − η(∇L + λθ)/‖∇L + λθ‖, steps of length η. */
export const normalizedGradientDescent = defineOptimizer({
  id: 'normalized-gd',
  description: 'Normalized gradient descent θ ← θ − η d/‖d‖, d = ∇L + λθ: every step has length η',
  options: type({
    /** λ ≥ 0: weight decay inside the normalized direction, d = ∇L + λθ. Default 0. */
    weightDecay: 'number >= 0 = 0',
    /** B: rows per step, chosen as `sgd` chooses them (d is then the minibatch direction). Absent (or B ≥ n): full batch. */
    'batchSize?': 'number.integer > 0',
  }),
  create: (options, context) => new NormalizedGradientDescent(context.parameterCount, options.weightDecay, minibatchOrder(options.batchSize, context)),
});
