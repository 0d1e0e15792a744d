import { type FloatArray, lanczosTopEigen, type Rng } from '@tdlab/tensor';
import type { LabeledInputs } from '../data/data-set.js';
import type { Loss } from '../loss/loss.js';
import type { DifferentiableModel, ParameterBlock } from '../model/differentiable-model.js';

/**
 * The tangent kernel matched to the loss's normalization, K_L = D^½ J Jᵀ D^½ with D = ∂²L/∂f²
 * (papers.md §0: K for ½·sum, K/n for ½·mean, 2K/n for mean without ½). Its top eigenvalue λ sets
 * the thresholds of gradient descent on the linearized model: η·λ < 2 is stable.
 *
 * Applied matrix-free, v ↦ D^½ J (Jᵀ (D^½ v)): one VJP and one JVP per product, never an n×n or
 * n×p matrix. Lanczos is warm-started from the previous top eigenvector, since the kernel moves
 * little from one step to the next.
 */
export class LossMatchedNtk {
  private readonly sqrtCurvature: Float64Array;
  private readonly scaled: Float64Array;
  private readonly parameterBuffer: Float64Array;
  private warmStart: Float64Array | undefined;

  constructor(
    private readonly model: DifferentiableModel,
    private readonly loss: Loss,
    private readonly inputs: LabeledInputs,
    private readonly rng: Rng,
    /** Restrict to one parameter block: the layer's kernel D^½ J_B J_Bᵀ D^½ (the full kernel is the sum over blocks). */
    private readonly block?: ParameterBlock,
  ) {
    this.sqrtCurvature = new Float64Array(inputs.n);
    this.scaled = new Float64Array(inputs.n);
    this.parameterBuffer = new Float64Array(model.parameterCount);
  }

  /** Top-min(k, n) eigenvalues (descending) at `params`, whose training outputs are `outputs`. */
  topEigenvalues(params: FloatArray, outputs: FloatArray, k: number): Float64Array {
    return this.topEigenpairs(params, outputs, k).values;
  }

  /**
   * Top-min(k, n) eigenvalues (descending) and their unit eigenvectors (row i of the min(k, n)×n
   * row-major `vectors` belongs to values[i]; the sign of each is arbitrary).
   */
  topEigenpairs(params: FloatArray, outputs: FloatArray, k: number): { values: Float64Array; vectors: Float64Array } {
    const { n } = this.inputs;
    this.loss.curvature(outputs, this.inputs.y, n, this.sqrtCurvature);
    for (let i = 0; i < n; i++) this.sqrtCurvature[i] = Math.sqrt(Math.max(0, this.sqrtCurvature[i]));
    const model = this.model;
    const inputs = this.inputs;
    // One linearization serves every product of this Lanczos run (θ does not move during it).
    const linear = model.linearize?.(params, inputs) ?? {
      jvp: (tangent: FloatArray, result: FloatArray) => model.jvp(params, inputs, tangent, result),
      vjp: (cotangent: FloatArray, result: FloatArray) => model.vjp(params, inputs, cotangent, result),
    };
    const operator = (v: Float64Array, out: Float64Array): void => {
      for (let i = 0; i < n; i++) this.scaled[i] = v[i] * this.sqrtCurvature[i];
      linear.vjp(this.scaled, this.parameterBuffer);
      const block = this.block;
      if (block) {
        this.parameterBuffer.fill(0, 0, block.offset);
        this.parameterBuffer.fill(0, block.offset + block.length);
      }
      linear.jvp(this.parameterBuffer, out);
      for (let i = 0; i < n; i++) out[i] *= this.sqrtCurvature[i];
    };
    const result = lanczosTopEigen(operator, n, {
      k: Math.min(k, n),
      rng: this.rng,
      start: this.warmStart,
      vectors: true,
    });
    if (result.vectors && result.vectors.length >= n) this.warmStart = result.vectors.slice(0, n);
    // At most n eigenvalues exist; never pad with zeros a caller could take for real ones.
    const count = Math.min(k, n);
    const vectors = result.vectors ? result.vectors.slice(0, count * n) : new Float64Array(count * n).fill(Number.NaN);
    return { values: result.values.slice(0, count), vectors };
  }
}
