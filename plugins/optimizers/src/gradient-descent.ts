import { defineOptimizer, type Optimizer } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { checkWeightDecay, descend } from './descend.js';

/** Full-batch gradient descent θ ← θ − η(∇L + λθ); no batchSize, so the trainer always uses the whole training set. */
export class GradientDescent implements Optimizer {
  constructor(readonly weightDecay = 0) {
    checkWeightDecay(weightDecay);
  }

  update(params: FloatArray, gradient: FloatArray, lr: number): void {
    descend(params, gradient, lr, this.weightDecay);
  }
}

/** `optimizer: { use: gd, weightDecay: 0 }` — full-batch gradient descent, the optimizer of every catapult paper (papers.md §1a, §1b). */
export const gradientDescent = defineOptimizer({
  id: 'gd',
  description: 'Full-batch gradient descent θ ← θ − η(∇L + λθ)',
  options: type({
    /**
     * λ ≥ 0: weight decay applied in the update, θ ← θ − η(∇L + λθ). It is not part of the loss, so
     * the reported loss, gradients and NTK/λ₀ never include it. Default 0 (plain GD, θ ← θ − η∇L).
     */
    weightDecay: 'number >= 0 = 0',
  }),
  create: (options) => new GradientDescent(options.weightDecay),
});
