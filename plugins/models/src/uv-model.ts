import type { DifferentiableModel, Inputs, ParameterBlock } from '@tdlab/core';
import { allocate, type FloatArray, gemv, type Precision, type Rng } from '@tdlab/tensor';
import { checkInputs, checkLength } from './internal.js';

export interface UvModelOptions {
  /** Width m (the paper's n). */
  readonly width: number;
  /** Input dimension d. */
  readonly inputDim: number;
  /** Precision of the two d-vector scratch buffers; default float64. */
  readonly precision?: Precision;
}

const NAME = 'uv';

/**
 * The uv model of Lewkowycz et al. (papers.md §1a), generalized to inputs x ∈ ℝ^d:
 *
 *   f(x) = (m·d)^{-1/2} Σᵢ vᵢ (uᵢ·x) = κ · vᵀ U x,   κ = (m·d)^{-1/2},
 *
 * with U ∈ ℝ^{m×d} (block "u", row-major, offset 0) and v ∈ ℝ^m (block "v", offset m·d), all
 * entries N(0, 1). For d = 1 and x = 1 this is exactly the paper's n^{-1/2} vᵀu; it equals the
 * linear two-layer model with the same parameters. It is a quadratic model (Zhu et al. §1b):
 * its Hessian is constant, ∂²f/∂vᵢ∂uᵢ = κ x, and zero elsewhere.
 *
 * Because f is bilinear and rank-structured (f = κ xᵀ(Uᵀv)), every product is computed through
 * d-vectors in O((n + m)·d), with no n×m intermediate:
 *   forward: f = κ X (Uᵀv)                     jvp: κ X (δUᵀv + Uᵀδv)
 *   vjp:     g̃ = Xᵀg; out_u = κ v ⊗ g̃; out_v = κ U g̃
 *   hvp:     w̃ = Xᵀw; out_u = κ δv ⊗ w̃; out_v = κ δU w̃
 *   secondDirectional: out_k = 2κ x_k·(δUᵀδv)
 */
export class UvModel implements DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly width: number;
  readonly blocks: readonly ParameterBlock[];
  private readonly vOffset: number;
  /** κ = (m·d)^{-1/2} */
  private readonly scaleFactor: number;
  private readonly first: FloatArray;
  private readonly second: FloatArray;

  constructor(options: UvModelOptions) {
    const { width, inputDim } = options;
    if (!Number.isSafeInteger(width) || width < 1) throw new RangeError(`${NAME}: width must be a positive integer, got ${width}`);
    if (!Number.isSafeInteger(inputDim) || inputDim < 1) {
      throw new RangeError(`${NAME}: inputDim must be a positive integer, got ${inputDim}`);
    }
    this.width = width;
    this.inputDim = inputDim;
    this.vOffset = width * inputDim;
    this.parameterCount = width * inputDim + width;
    this.blocks = [
      { name: 'u', offset: 0, length: width * inputDim, shape: [width, inputDim] },
      { name: 'v', offset: this.vOffset, length: width, shape: [width] },
    ];
    this.scaleFactor = 1 / Math.sqrt(width * inputDim);
    const precision = options.precision ?? 'float64';
    this.first = allocate(precision, inputDim);
    this.second = allocate(precision, inputDim);
  }

  /** Every entry of u and v ~ N(0, 1), u first. */
  initialize(rng: Rng, params: FloatArray): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    rng.fillNormal(params.subarray(0, this.parameterCount));
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'out', out, inputs.n);
    const w = this.first;
    this.transposedTimesV(params, params, 0, w);
    gemv(false, inputs.n, this.inputDim, this.scaleFactor, inputs.x, w, 0, out);
  }

  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    const w = this.first;
    this.transposedTimesV(tangent, params, 0, w); // δUᵀ v
    this.transposedTimesV(params, tangent, 1, w); // + Uᵀ δv
    gemv(false, inputs.n, this.inputDim, this.scaleFactor, inputs.x, w, 0, out);
  }

  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'cotangent', cotangent, inputs.n);
    checkLength(NAME, 'out', out, this.parameterCount);
    const projected = this.first;
    gemv(true, inputs.n, this.inputDim, 1, inputs.x, cotangent, 0, projected); // Xᵀg
    this.outer(params, projected, out); // out_u = κ v ⊗ Xᵀg
    this.matrixTimes(params, projected, out); // out_v = κ U Xᵀg
  }

  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'weights', weights, inputs.n);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, this.parameterCount);
    const projected = this.first;
    gemv(true, inputs.n, this.inputDim, 1, inputs.x, weights, 0, projected); // Xᵀw
    this.outer(vector, projected, out); // out_u = κ δv ⊗ Xᵀw
    this.matrixTimes(vector, projected, out); // out_v = κ δU Xᵀw
  }

  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    const w = this.second;
    this.transposedTimesV(vector, vector, 0, w); // δUᵀ δv
    gemv(false, inputs.n, this.inputDim, 2 * this.scaleFactor, inputs.x, w, 0, out);
  }

  private check(params: FloatArray, inputs: Inputs): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    checkInputs(NAME, this.inputDim, inputs);
  }

  /** out (len d) ← beta·out + Uᵀv, with U from `uSource` and v from `vSource` (beta ∈ {0, 1}). */
  private transposedTimesV(uSource: FloatArray, vSource: FloatArray, beta: 0 | 1, out: FloatArray): void {
    const d = this.inputDim;
    if (beta === 0) out.fill(0);
    for (let i = 0; i < this.width; i++) {
      const vi = vSource[this.vOffset + i];
      const row = i * d;
      for (let j = 0; j < d; j++) out[j] += vi * uSource[row + j];
    }
  }

  /** out[0, m·d) ← κ · (v from `vSource`) ⊗ y. */
  private outer(vSource: FloatArray, y: FloatArray, out: FloatArray): void {
    const d = this.inputDim;
    for (let i = 0; i < this.width; i++) {
      const vi = this.scaleFactor * vSource[this.vOffset + i];
      const row = i * d;
      for (let j = 0; j < d; j++) out[row + j] = vi * y[j];
    }
  }

  /** out[m·d, p) ← κ · (U from `uSource`) y. */
  private matrixTimes(uSource: FloatArray, y: FloatArray, out: FloatArray): void {
    const d = this.inputDim;
    for (let i = 0; i < this.width; i++) {
      const row = i * d;
      let sum = 0;
      for (let j = 0; j < d; j++) sum += uSource[row + j] * y[j];
      out[this.vOffset + i] = this.scaleFactor * sum;
    }
  }
}
