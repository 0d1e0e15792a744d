import type { DifferentiableModel, Inputs, LinearizedModel } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { checkLength } from './internal.js';
import { copyInto, TaylorExpansion, type TaylorExpansionOptions } from './taylor-expansion.js';

const NAME = 'linearized';

/**
 * The neural tangent model of a base model (papers.md §1b; Lee et al.'s linearized network,
 * neural-tangents' `linearize(f, θ₀)`): the first-order Taylor expansion at θ₀,
 *
 *   f_lin(θ; x) = f(θ₀; x) + J₀(x)·(θ − θ₀),     J₀ = ∂f/∂θ at θ₀,
 *
 * linear in θ, so J(θ) = J₀ for every θ and every second-order product is exactly zero. Gradient
 * descent on it is gradient descent on a linear model with the kernel K₀ = J₀J₀ᵀ: it converges for
 * η·λ₀ < 2 and diverges above, so it cannot catapult (papers.md §1a, §1b).
 *
 * θ₀ is the base's initialization (see `ExpansionAnchor` for loaded parameters). Per batch, f₀ and
 * J₀ are computed once (the base's `linearize(θ₀, X)` when it has one) and reused: a forward pass
 * is one J₀ product, f₀ + J₀Δ, and jvp/vjp are J₀ products; nothing p×p or n×p is formed.
 */
export class NeuralTangentModel extends TaylorExpansion {
  private linearization: { inputs: { x: FloatArray; n: number }; theta0: FloatArray; linear: LinearizedModel } | undefined;

  constructor(base: DifferentiableModel, options: TaylorExpansionOptions = {}) {
    super(base, NAME, options);
  }

  /** out_k = f₀_k + (J₀Δ)_k, Δ = θ − θ₀. */
  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    const theta0 = this.originFor(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'out', out, n);
    const batch = this.batch(theta0, inputs);
    batch.linear.jvp(this.delta(params, theta0), out);
    const f0 = batch.f0;
    for (let k = 0; k < n; k++) out[k] += f0[k];
  }

  /** J₀·tangent, whatever θ is. */
  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    const theta0 = this.originFor(params, inputs);
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    this.batch(theta0, inputs).linear.jvp(tangent, out);
  }

  /** J₀ᵀ·cotangent, whatever θ is. */
  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    const theta0 = this.originFor(params, inputs);
    checkLength(NAME, 'cotangent', cotangent, inputs.n);
    checkLength(NAME, 'out', out, this.parameterCount);
    this.batch(theta0, inputs).linear.vjp(cotangent, out);
  }

  /** 0: f_lin is linear in θ. */
  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    this.originFor(params, inputs);
    checkLength(NAME, 'weights', weights, inputs.n);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, this.parameterCount);
    out.fill(0, 0, this.parameterCount);
  }

  /** 0: f_lin is linear in θ. */
  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.originFor(params, inputs);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    out.fill(0, 0, inputs.n);
  }

  /**
   * J at (θ, X) is J₀ on X for every θ. A snapshot of X (exact copy): later changes of `inputs.x`
   * and products on other batches do not move it (each of its products finds J₀ on its own X in
   * the cache, relinearizing the base at θ₀ if another batch came in between). The returned object
   * and its buffers belong to the wrapper: the next `linearize` call replaces what it holds.
   */
  linearize(params: FloatArray, inputs: Inputs): LinearizedModel {
    const theta0 = this.originFor(params, inputs);
    const lin = (this.linearization ??= this.createLinearization(theta0));
    lin.theta0 = theta0;
    lin.inputs.x = copyInto(inputs.x, inputs.n * this.inputDim, lin.inputs.x);
    lin.inputs.n = inputs.n;
    return lin.linear;
  }

  private createLinearization(theta0: FloatArray): NonNullable<NeuralTangentModel['linearization']> {
    const p = this.parameterCount;
    const lin: NonNullable<NeuralTangentModel['linearization']> = {
      inputs: { x: new Float64Array(0), n: 0 },
      theta0,
      linear: {
        jvp: (tangent, out) => {
          checkLength(NAME, 'tangent', tangent, p);
          checkLength(NAME, 'out', out, lin.inputs.n);
          this.batch(lin.theta0, lin.inputs).linear.jvp(tangent, out);
        },
        vjp: (cotangent, out) => {
          checkLength(NAME, 'cotangent', cotangent, lin.inputs.n);
          checkLength(NAME, 'out', out, p);
          this.batch(lin.theta0, lin.inputs).linear.vjp(cotangent, out);
        },
      },
    };
    return lin;
  }
}

/** The neural tangent model of `base` (neural-tangents' `linearize`): f₀ + J₀(θ − θ₀). */
export function linearized(base: DifferentiableModel, options?: TaylorExpansionOptions): NeuralTangentModel {
  return new NeuralTangentModel(base, options);
}
