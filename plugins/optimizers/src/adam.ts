import { defineOptimizer } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { checkUnitInterval, type MinibatchOrder, minibatchOrder, StatefulOptimizer } from './stateful-optimizer.js';

/**
 * Adam (Kingma & Ba 2015, Algorithm 1) in PyTorch's `torch.optim.Adam` / `torch.optim.AdamW`
 * convention. With t = 1, 2, … counting this optimizer's updates:
 *
 *   adam  (L2, coupled):     g ← ∇L + λθ                  (PyTorch Adam `weight_decay`)
 *   adamw (decoupled):       θ ← θ(1 − ηλ), g ← ∇L        (PyTorch AdamW; Loshchilov & Hutter 2019, Alg. 2)
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²
 *   θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * which is PyTorch's arrangement of the bias corrections m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) and of ε
 * (added to √v̂, not to v̂). m and v are Float64Arrays allocated here; arithmetic is float64.
 */
export class Adam extends StatefulOptimizer {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  /** Updates taken so far (t − 1 during an update). */
  private t = 0;

  constructor(
    parameterCount: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
    weightDecay = 0,
    /** true: AdamW's decoupled decay θ ← θ(1 − ηλ); false: Adam's L2 decay g ← ∇L + λθ. */
    readonly decoupled = false,
    minibatch?: MinibatchOrder,
  ) {
    super(parameterCount, weightDecay, minibatch);
    checkUnitInterval('beta1', beta1);
    checkUnitInterval('beta2', beta2);
    if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`optimizer: epsilon must be a finite number > 0, got ${epsilon}`);
    this.m = new Float64Array(parameterCount);
    this.v = new Float64Array(parameterCount);
  }

  /** The number of updates taken so far (the t of the last bias correction). */
  get updates(): number {
    return this.t;
  }

  protected apply(params: FloatArray, gradient: FloatArray, lr: number): void {
    const { m, v, beta1, beta2, epsilon, weightDecay, decoupled } = this;
    const t = ++this.t;
    const stepSize = lr / (1 - beta1 ** t);
    const correction2Sqrt = Math.sqrt(1 - beta2 ** t);
    const shrink = decoupled ? 1 - lr * weightDecay : 1;
    const l2 = decoupled ? 0 : weightDecay;
    for (let i = 0; i < params.length; i++) {
      const theta = params[i];
      const g = gradient[i] + l2 * theta;
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = theta * shrink - (stepSize * mi) / (Math.sqrt(vi) / correction2Sqrt + epsilon);
    }
  }
}

const adamOptions = type({
  /** β₁ ∈ [0, 1): decay of the first-moment average m. Default 0.9 (PyTorch). */
  beta1: '0 <= number < 1 = 0.9',
  /** β₂ ∈ [0, 1): decay of the second-moment average v. Default 0.999 (PyTorch). */
  beta2: '0 <= number < 1 = 0.999',
  /** ε > 0, added to √v̂. Default 1e-8 (PyTorch). */
  epsilon: ['number > 0', '=', 1e-8],
  /** λ ≥ 0: weight decay (L2 for adam, decoupled for adamw). Default 0 (PyTorch's AdamW defaults to 1e-2; we do not). */
  weightDecay: 'number >= 0 = 0',
  /** B: rows per step, chosen as `sgd` chooses them. Absent (or B ≥ n): full batch. */
  'batchSize?': 'number.integer > 0',
});

/** `optimizer: { use: adam }` — Adam with L2 weight decay g ← ∇L + λθ (PyTorch Adam). */
export const adam = defineOptimizer({
  id: 'adam',
  description: 'Adam (PyTorch convention), weight decay as L2: g ← ∇L + λθ before the moments',
  options: adamOptions,
  create: (options, context) =>
    new Adam(context.parameterCount, options.beta1, options.beta2, options.epsilon, options.weightDecay, false, minibatchOrder(options.batchSize, context)),
});

/** `optimizer: { use: adamw, weightDecay: 0.01 }` — Adam with decoupled weight decay θ ← θ(1 − ηλ) (PyTorch AdamW). */
export const adamw = defineOptimizer({
  id: 'adamw',
  description: 'AdamW (PyTorch convention), decoupled weight decay θ ← θ(1 − ηλ) before the Adam step',
  options: adamOptions,
  create: (options, context) =>
    new Adam(context.parameterCount, options.beta1, options.beta2, options.epsilon, options.weightDecay, true, minibatchOrder(options.batchSize, context)),
});
