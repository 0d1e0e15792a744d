import { defineOptimizer } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { checkUnitInterval, type MinibatchOrder, minibatchOrder, StatefulOptimizer } from './stateful-optimizer.js';

/**
 * SGD with momentum in PyTorch's `torch.optim.SGD` convention (momentum = β, dampening = 0):
 *
 *   d ← g + λθ            (weight decay as L2, coupled: it goes through the momentum buffer)
 *   b ← βb + d            (b₀ = 0, so b₁ = d₁, as PyTorch's first-step b = d)
 *   heavy ball: θ ← θ − ηb
 *   nesterov:   θ ← θ − η(d + βb)
 *
 * With a constant η heavy ball is Polyak's θₜ₊₁ = θₜ − η∇L + β(θₜ − θₜ₋₁); with a changing η it is
 * not (the buffer holds raw gradients and the current η multiplies all of them). The buffer is one
 * Float64Array allocated here; arithmetic is float64, float32 parameters are rounded once on store.
 */
export class Momentum extends StatefulOptimizer {
  private readonly buffer: Float64Array;

  constructor(
    parameterCount: number,
    readonly beta = 0.9,
    readonly nesterov = false,
    weightDecay = 0,
    minibatch?: MinibatchOrder,
  ) {
    super(parameterCount, weightDecay, minibatch);
    checkUnitInterval('beta', beta);
    this.buffer = new Float64Array(parameterCount);
  }

  protected apply(params: FloatArray, gradient: FloatArray, lr: number): void {
    const { buffer, beta, weightDecay } = this;
    for (let i = 0; i < params.length; i++) {
      const d = gradient[i] + weightDecay * params[i];
      const b = beta * buffer[i] + d;
      buffer[i] = b;
      params[i] -= lr * (this.nesterov ? d + beta * b : b);
    }
  }
}

const momentumOptions = type({
  /** β ∈ [0, 1): the momentum coefficient (PyTorch `momentum`). Default 0.9. β = 0 is gd/sgd. */
  beta: '0 <= number < 1 = 0.9',
  /** λ ≥ 0: L2 weight decay added to the gradient before the momentum buffer, d = ∇L + λθ (PyTorch `weight_decay`). Default 0. */
  weightDecay: 'number >= 0 = 0',
  /** B: rows per step, chosen as `sgd` chooses them. Absent (or B ≥ n): full batch. */
  'batchSize?': 'number.integer > 0',
});

/** `optimizer: { use: momentum, beta: 0.9 }` — heavy-ball momentum, b ← βb + ∇L, θ ← θ − ηb (PyTorch SGD, nesterov=False). */
export const momentum = defineOptimizer({
  id: 'momentum',
  description: 'Heavy-ball momentum b ← βb + (∇L + λθ), θ ← θ − ηb (PyTorch SGD convention)',
  options: momentumOptions,
  create: (options, context) =>
    new Momentum(context.parameterCount, options.beta, false, options.weightDecay, minibatchOrder(options.batchSize, context)),
});

/** `optimizer: { use: nesterov, beta: 0.9 }` — Nesterov momentum, θ ← θ − η(∇L + βb) (PyTorch SGD, nesterov=True). */
export const nesterov = defineOptimizer({
  id: 'nesterov',
  description: 'Nesterov momentum b ← βb + (∇L + λθ), θ ← θ − η(∇L + λθ + βb) (PyTorch SGD convention)',
  options: momentumOptions,
  create: (options, context) =>
    new Momentum(context.parameterCount, options.beta, true, options.weightDecay, minibatchOrder(options.batchSize, context)),
});
