import type { DifferentiableModel, LabeledInputs, Loss } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';

/**
 * The loss Hessian H_L = ∇²_θ L(f(θ; X), y) on the training set, applied matrix-free:
 *
 *   H_L v = Jᵀ D J v + Σᵢ gᵢ ∇²fᵢ v,   D = diag(∂²L/∂fᵢ²), g = ∂L/∂f
 *
 * (Gauss–Newton term plus the functional-Hessian term; papers.md §1b writes the same split for the
 * NQM). One JVP, one VJP and one model HVP per product, never a p×p matrix. D and g come from the
 * study's own loss, so H_L follows its normalization (½·Σ, ½·mean, mean): papers.md §0.
 *
 * `at` fixes θ and the outputs for a run of products (a Lanczos run, a set of Hutchinson probes);
 * the buffers are allocated once, for one model and one training set.
 */
export class LossHessian {
  readonly dimension: number;
  private readonly curvature: Float64Array;
  private readonly dLoss: Float64Array;
  private readonly tangentOutputs: Float64Array;
  private readonly functional: Float64Array;
  private params: FloatArray | undefined;

  constructor(
    private readonly model: DifferentiableModel,
    private readonly loss: Loss,
    private readonly inputs: LabeledInputs,
  ) {
    this.dimension = model.parameterCount;
    this.curvature = new Float64Array(inputs.n);
    this.dLoss = new Float64Array(inputs.n);
    this.tangentOutputs = new Float64Array(inputs.n);
    this.functional = new Float64Array(model.parameterCount);
  }

  /** Fixes θ (whose training outputs are `outputs`) for the following `apply` calls. */
  at(params: FloatArray, outputs: FloatArray): this {
    const { n, y } = this.inputs;
    this.loss.curvature(outputs, y, n, this.curvature);
    this.loss.gradient(outputs, y, n, this.dLoss);
    this.params = params;
    return this;
  }

  /** out = H_L · v (both of length p). */
  readonly apply = (v: FloatArray, out: FloatArray): void => {
    const params = this.params;
    if (params === undefined) throw new Error('LossHessian: call at(params, outputs) before apply');
    const { n } = this.inputs;
    // Gauss–Newton term Jᵀ D J v.
    this.model.jvp(params, this.inputs, v, this.tangentOutputs);
    for (let i = 0; i < n; i++) this.tangentOutputs[i] *= this.curvature[i];
    this.model.vjp(params, this.inputs, this.tangentOutputs, out);
    // Functional term Σᵢ (∂L/∂fᵢ) ∇²fᵢ v: zero for a linear model and at an interpolating minimum.
    this.model.hvp(params, this.inputs, this.dLoss, v, this.functional);
    for (let j = 0; j < this.dimension; j++) out[j] += this.functional[j];
  };
}
