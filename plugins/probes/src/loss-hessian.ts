import type { DifferentiableModel, LabeledInputs, Loss, ParameterBlock } from '@tdlab/core';
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
 *
 * With a `block` (a layer's parameters), the operator is the diagonal block H_BB = P_B H_L P_Bᵀ on
 * vectors of that block's length: v is embedded with zeros elsewhere and the block of H_L·v kept.
 */
export function findBlock(model: DifferentiableModel, name: string, probe: string): ParameterBlock {
  const block = model.blocks.find((candidate) => candidate.name === name);
  if (!block) throw new Error(`${probe}: the model has no parameter block "${name}" (blocks: ${model.blocks.map((b) => b.name).join(', ')})`);
  return block;
}

export class LossHessian {
  readonly dimension: number;
  private readonly curvature: Float64Array;
  private readonly dLoss: Float64Array;
  private readonly tangentOutputs: Float64Array;
  private readonly functional: Float64Array;
  private params: FloatArray | undefined;
  /** Full-length vectors for a block-restricted operator (empty otherwise). */
  private readonly embedded: Float64Array;
  private readonly product: Float64Array;

  constructor(
    private readonly model: DifferentiableModel,
    private readonly loss: Loss,
    private readonly inputs: LabeledInputs,
    private readonly block?: ParameterBlock,
  ) {
    this.dimension = block ? block.length : model.parameterCount;
    this.embedded = new Float64Array(block ? model.parameterCount : 0);
    this.product = new Float64Array(block ? model.parameterCount : 0);
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

  /** out = H_L · v (both of length p), or H_BB · v (both of the block's length). */
  readonly apply = (v: FloatArray, out: FloatArray): void => {
    const block = this.block;
    if (block) {
      this.embedded.set(v.subarray(0, block.length), block.offset);
      this.full(this.embedded, this.product);
      out.set(this.product.subarray(block.offset, block.offset + block.length));
      return;
    }
    this.full(v, out);
  };

  private full(v: FloatArray, out: FloatArray): void {
    const params = this.params;
    if (params === undefined) throw new Error('LossHessian: call at(params, outputs) before apply');
    const { n } = this.inputs;
    // Gauss–Newton term Jᵀ D J v.
    this.model.jvp(params, this.inputs, v, this.tangentOutputs);
    for (let i = 0; i < n; i++) this.tangentOutputs[i] *= this.curvature[i];
    this.model.vjp(params, this.inputs, this.tangentOutputs, out);
    // Functional term Σᵢ (∂L/∂fᵢ) ∇²fᵢ v: zero for a linear model and at an interpolating minimum.
    this.model.hvp(params, this.inputs, this.dLoss, v, this.functional);
    for (let j = 0; j < this.model.parameterCount; j++) out[j] += this.functional[j];
  }
}
