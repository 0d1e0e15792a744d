import type { DifferentiableModel, Inputs, LinearizedModel, ParameterBlock } from '@tdlab/core';
import { allocate, type FloatArray, gemv, type Precision, type Rng } from '@tdlab/tensor';
import { BatchScratch, checkInputs, checkLength } from './internal.js';

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
 * Each product makes one pass over the m×d block (the jvp's two terms share it) and one over X.
 */
export class UvModel implements DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly width: number;
  readonly blocks: readonly ParameterBlock[];
  private readonly vOffset: number;
  /** κ = (m·d)^{-1/2} */
  private readonly scaleFactor: number;
  /** 2κ, kept as a field: a double computed at a call site is boxed (16 B) when passed on. */
  private readonly twiceScaleFactor: number;
  private readonly first: FloatArray;
  private readonly second: FloatArray;
  private linearization: UvLinearization | undefined;

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
    this.twiceScaleFactor = 2 * this.scaleFactor;
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
    this.transposedTimesV(params, params, w); // Uᵀv
    gemv(false, inputs.n, this.inputDim, this.scaleFactor, inputs.x, w, 0, out);
  }

  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    this.jvpFrom(params, inputs.x, inputs.n, tangent, out);
  }

  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'cotangent', cotangent, inputs.n);
    checkLength(NAME, 'out', out, this.parameterCount);
    this.backProject(params, inputs.x, inputs.n, cotangent, out); // κ (v ⊗ Xᵀg, U Xᵀg)
  }

  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'weights', weights, inputs.n);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, this.parameterCount);
    this.backProject(vector, inputs.x, inputs.n, weights, out); // κ (δv ⊗ Xᵀw, δU Xᵀw)
  }

  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    const w = this.second;
    this.transposedTimesV(vector, vector, w); // δUᵀ δv
    gemv(false, inputs.n, this.inputDim, this.twiceScaleFactor, inputs.x, w, 0, out);
  }

  /**
   * J at (params, inputs) for many products. The model's J is already cheap (O((n + m)·d) per
   * product), so this only snapshots θ and X (float64 copies, exact) and skips the per-call checks
   * of the inputs; results equal jvp/vjp exactly. The returned object and its buffers belong to the
   * model: the next `linearize` call replaces what it holds (invalidating the previous
   * linearization), other calls do not disturb it.
   */
  linearize(params: FloatArray, inputs: Inputs): LinearizedModel {
    this.check(params, inputs);
    const { n } = inputs;
    const p = this.parameterCount;
    const lin = (this.linearization ??= this.createLinearization());
    const x = lin.inputs.ensure(n)[0];
    for (let i = 0; i < p; i++) lin.theta[i] = params[i];
    for (let i = 0; i < n * this.inputDim; i++) x[i] = inputs.x[i];
    lin.n = n;
    return lin.linear;
  }

  private createLinearization(): UvLinearization {
    const p = this.parameterCount;
    const lin: UvLinearization = {
      n: 0,
      theta: new Float64Array(p),
      inputs: new BatchScratch('float64', this.inputDim, 1),
      linear: {
        jvp: (tangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'tangent', tangent, p);
          checkLength(NAME, 'out', out, lin.n);
          this.jvpFrom(lin.theta, lin.inputs.ensure(lin.n)[0], lin.n, tangent, out);
        },
        vjp: (cotangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'cotangent', cotangent, lin.n);
          checkLength(NAME, 'out', out, p);
          this.backProject(lin.theta, lin.inputs.ensure(lin.n)[0], lin.n, cotangent, out);
        },
      },
    };
    return lin;
  }

  private check(params: FloatArray, inputs: Inputs): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    checkInputs(NAME, this.inputDim, inputs);
  }

  /** out = κ X (δUᵀv + Uᵀδv), both terms in one pass over the m×d blocks. */
  private jvpFrom(theta: FloatArray, x: FloatArray, n: number, tangent: FloatArray, out: FloatArray): void {
    const d = this.inputDim;
    const vOffset = this.vOffset;
    const w = this.first;
    w.fill(0);
    for (let i = 0; i < this.width; i++) {
      const vi = theta[vOffset + i];
      const dvi = tangent[vOffset + i];
      const row = i * d;
      for (let j = 0; j < d; j++) w[j] += vi * tangent[row + j] + dvi * theta[row + j];
    }
    gemv(false, n, d, this.scaleFactor, x, w, 0, out);
  }

  /**
   * With y = Xᵀg: out[0, m·d) ← κ (v from `source`) ⊗ y and out[m·d, p) ← κ (U from `source`) y,
   * in one pass over the m×d block.
   */
  private backProject(source: FloatArray, x: FloatArray, n: number, g: FloatArray, out: FloatArray): void {
    const d = this.inputDim;
    const vOffset = this.vOffset;
    const kappa = this.scaleFactor;
    const y = this.first;
    gemv(true, n, d, 1, x, g, 0, y);
    for (let i = 0; i < this.width; i++) {
      const vi = kappa * source[vOffset + i];
      const row = i * d;
      let sum = 0;
      for (let j = 0; j < d; j++) {
        out[row + j] = vi * y[j];
        sum += source[row + j] * y[j];
      }
      out[vOffset + i] = kappa * sum;
    }
  }

  /** out (len d) ← Uᵀv, with U from `uSource` and v from `vSource`. */
  private transposedTimesV(uSource: FloatArray, vSource: FloatArray, out: FloatArray): void {
    const d = this.inputDim;
    out.fill(0);
    for (let i = 0; i < this.width; i++) {
      const vi = vSource[this.vOffset + i];
      const row = i * d;
      for (let j = 0; j < d; j++) out[j] += vi * uSource[row + j];
    }
  }
}

/** The model-owned state behind `UvModel.linearize`. */
interface UvLinearization {
  n: number;
  /** Copies of θ and X (float64, exact). */
  readonly theta: Float64Array;
  readonly inputs: BatchScratch;
  readonly linear: LinearizedModel;
}
