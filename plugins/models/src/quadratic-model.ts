import type { DifferentiableModel, Inputs, LinearizedModel } from '@tdlab/core';
import { allocate, type FloatArray } from '@tdlab/tensor';
import { checkLength } from './internal.js';
import { copyInto, TaylorExpansion, type TaylorExpansionOptions } from './taylor-expansion.js';

const NAME = 'quadratic';

/**
 * The neural quadratic model (NQM) of a base model, Zhu et al. (papers.md §1b): the second-order
 * Taylor expansion at θ₀, with Δ = θ − θ₀,
 *
 *   f_quad(θ; x_k) = f₀,k + J₀,k Δ + ½ ΔᵀH₀,k Δ,      H₀,k = ∇²f(θ₀; x_k).
 *
 * Its Hessian is constant (H₀), its Jacobian affine in θ: row k of J(θ) is J₀,k + (H₀,k Δ)ᵀ.
 * Everything is computed from the base's products at θ₀, never a p×p (or n×p) matrix:
 *
 *   forward:            f₀ + J₀Δ + ½ secondDirectional₀(Δ)
 *   vjp(c):             J₀ᵀc + Σ_k c_k H₀,k Δ = J₀ᵀc + hvp₀(weights c, Δ)
 *   jvp(t)_k:           J₀,k t + ΔᵀH₀,k t
 *   hvp, secondDirectional: the base's at θ₀ (constant Hessian)
 *
 * The per-sample bilinear form ΔᵀH₀,k t comes from two second directional derivatives by
 * polarization, exact for a symmetric bilinear form: with a = Δ + αt and b = Δ − αt,
 *   aᵀH a − bᵀH b = 4α ΔᵀH t.
 * α = ‖Δ‖/‖t‖ makes the two terms of the same size, so the difference loses no more than
 * rounding at the scale ‖Δ‖·‖t‖·‖H‖ (without it, a small t beside a large Δ would cancel).
 *
 * Cost per product in base products at θ₀ (whose primal pass the base caches): forward 2
 * (J₀ product + secondDirectional), vjp 2 (J₀ᵀ product + hvp), jvp 3; so one gradient-descent step
 * is 4 where the network's own is 2 (forward + vjp), on the same cached σ(Z₀), σ'(Z₀). f₀ and J₀
 * are cached per batch. Peak memory: the base's O(n·m) batch buffers, plus O(p + n) here.
 *
 * For one input, the NQM of a two-layer ReLU net is exactly the uv model on the units active at
 * initialization (papers.md §1b; tested in quadratic-model.test.ts). The uv model is its own NQM.
 */
export class NeuralQuadraticModel extends TaylorExpansion {
  /** p-vectors: the polarization directions and an hvp output. */
  private readonly plus: FloatArray;
  private readonly minus: FloatArray;
  private readonly wide: FloatArray;
  /** n-vectors, grown to the largest batch. */
  private narrow: FloatArray[] = [];
  private linearization:
    | { inputs: { x: FloatArray; n: number }; delta: FloatArray; theta0: FloatArray; linear: LinearizedModel }
    | undefined;

  constructor(base: DifferentiableModel, options: TaylorExpansionOptions = {}) {
    super(base, NAME, options);
    this.plus = allocate(this.precision, this.parameterCount);
    this.minus = allocate(this.precision, this.parameterCount);
    this.wide = allocate(this.precision, this.parameterCount);
  }

  /** out_k = f₀_k + (J₀Δ)_k + ½ ΔᵀH₀,kΔ. */
  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    const theta0 = this.originFor(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'out', out, n);
    const batch = this.batch(theta0, inputs);
    const delta = this.delta(params, theta0);
    const [curvature] = this.scratch(n);
    batch.linear.jvp(delta, out);
    this.base.secondDirectional(theta0, batch.inputs, delta, curvature);
    const f0 = batch.f0;
    for (let k = 0; k < n; k++) out[k] = f0[k] + out[k] + 0.5 * curvature[k];
  }

  /** out_k = J₀,k t + ΔᵀH₀,k t. */
  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    const theta0 = this.originFor(params, inputs);
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    const batch = this.batch(theta0, inputs);
    this.jvpAt(theta0, batch.inputs, batch.linear, this.delta(params, theta0), tangent, out);
  }

  /** out = J₀ᵀc + Σ_k c_k H₀,k Δ. */
  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    const theta0 = this.originFor(params, inputs);
    checkLength(NAME, 'cotangent', cotangent, inputs.n);
    checkLength(NAME, 'out', out, this.parameterCount);
    const batch = this.batch(theta0, inputs);
    this.vjpAt(theta0, batch.inputs, batch.linear, this.delta(params, theta0), cotangent, out);
  }

  /** Σ_k w_k H₀,k v: the base's at θ₀, whatever θ is. */
  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    const theta0 = this.originFor(params, inputs);
    this.base.hvp(theta0, inputs, weights, vector, out);
  }

  /** vᵀH₀,k v: the base's at θ₀, whatever θ is. */
  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    const theta0 = this.originFor(params, inputs);
    this.base.secondDirectional(theta0, inputs, vector, out);
  }

  /**
   * J at (θ, X): J₀ on X plus the Hessian term at Δ = θ − θ₀. A snapshot of Δ and X (copies), so
   * later changes of `params` or `inputs.x` and products on other batches do not move it. The
   * returned object and its buffers belong to the wrapper: the next `linearize` call replaces what
   * it holds.
   */
  linearize(params: FloatArray, inputs: Inputs): LinearizedModel {
    const theta0 = this.originFor(params, inputs);
    const lin = (this.linearization ??= this.createLinearization(theta0));
    lin.theta0 = theta0;
    lin.inputs.x = copyInto(inputs.x, inputs.n * this.inputDim, lin.inputs.x);
    lin.inputs.n = inputs.n;
    const delta = lin.delta;
    for (let j = 0; j < this.parameterCount; j++) delta[j] = params[j] - theta0[j];
    return lin.linear;
  }

  private createLinearization(theta0: FloatArray): NonNullable<NeuralQuadraticModel['linearization']> {
    const p = this.parameterCount;
    const lin: NonNullable<NeuralQuadraticModel['linearization']> = {
      inputs: { x: new Float64Array(0), n: 0 },
      delta: allocate(this.precision, p),
      theta0,
      linear: {
        jvp: (tangent, out) => {
          checkLength(NAME, 'tangent', tangent, p);
          checkLength(NAME, 'out', out, lin.inputs.n);
          const batch = this.batch(lin.theta0, lin.inputs);
          this.jvpAt(lin.theta0, batch.inputs, batch.linear, lin.delta, tangent, out);
        },
        vjp: (cotangent, out) => {
          checkLength(NAME, 'cotangent', cotangent, lin.inputs.n);
          checkLength(NAME, 'out', out, p);
          const batch = this.batch(lin.theta0, lin.inputs);
          this.vjpAt(lin.theta0, batch.inputs, batch.linear, lin.delta, cotangent, out);
        },
      },
    };
    return lin;
  }

  private jvpAt(
    theta0: FloatArray,
    inputs: Inputs,
    linear: LinearizedModel,
    delta: FloatArray,
    tangent: FloatArray,
    out: FloatArray,
  ): void {
    const { n } = inputs;
    linear.jvp(tangent, out);
    const [bilinear] = this.scratch(n);
    if (this.bilinear(theta0, inputs, delta, tangent, bilinear)) {
      for (let k = 0; k < n; k++) out[k] += bilinear[k];
    }
  }

  private vjpAt(
    theta0: FloatArray,
    inputs: Inputs,
    linear: LinearizedModel,
    delta: FloatArray,
    cotangent: FloatArray,
    out: FloatArray,
  ): void {
    linear.vjp(cotangent, out);
    const curvature = this.wide;
    this.base.hvp(theta0, inputs, cotangent, delta, curvature);
    for (let j = 0; j < this.parameterCount; j++) out[j] += curvature[j];
  }

  /**
   * out_k = ΔᵀH₀,k t by polarization (see the class comment); returns false, leaving `out`
   * untouched, when Δ = 0 or t = 0 (the form is then 0).
   */
  private bilinear(theta0: FloatArray, inputs: Inputs, delta: FloatArray, tangent: FloatArray, out: FloatArray): boolean {
    const p = this.parameterCount;
    let deltaSquares = 0;
    let tangentSquares = 0;
    for (let j = 0; j < p; j++) {
      deltaSquares += delta[j] * delta[j];
      tangentSquares += tangent[j] * tangent[j];
    }
    if (deltaSquares === 0 || tangentSquares === 0) return false;
    // Unscaled (α = 1) when the ratio is not a finite positive number, so a NaN or ∞ still shows.
    const ratio = Math.sqrt(deltaSquares / tangentSquares);
    const alpha = ratio > 0 && ratio < Number.POSITIVE_INFINITY ? ratio : 1;
    const { plus, minus } = this;
    for (let j = 0; j < p; j++) {
      const step = alpha * tangent[j];
      plus[j] = delta[j] + step;
      minus[j] = delta[j] - step;
    }
    const { n } = inputs;
    const [, qPlus, qMinus] = this.scratch(n);
    this.base.secondDirectional(theta0, inputs, plus, qPlus);
    this.base.secondDirectional(theta0, inputs, minus, qMinus);
    const scale = 1 / (4 * alpha);
    for (let k = 0; k < n; k++) out[k] = (qPlus[k] - qMinus[k]) * scale;
    return true;
  }

  /** Three n-vectors of the wrapper's precision, grown to the largest batch. */
  private scratch(n: number): FloatArray[] {
    if (this.narrow.length === 0 || this.narrow[0].length < n) {
      this.narrow = [0, 1, 2].map(() => allocate(this.precision, n));
    }
    return this.narrow;
  }
}

/** The neural quadratic model of `base` (Zhu et al.; neural-tangents' `taylor_expand(f, θ₀, 2)`). */
export function quadratic(base: DifferentiableModel, options?: TaylorExpansionOptions): NeuralQuadraticModel {
  return new NeuralQuadraticModel(base, options);
}
