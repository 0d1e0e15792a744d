import type { DifferentiableModel, Inputs, ParameterBlock } from '@tdlab/core';
import { type FloatArray, gemm, type Precision, type Rng } from '@tdlab/tensor';
import { applyActivationSlope, type FeatureActivationName } from './feature-activation.js';
import { checkInputs, checkLength, checkPositiveInteger, DerivedRows, GrowingBuffer } from './internal.js';
import type { ExplicitJacobian } from './jacobian.js';

export interface NeuralTangentFeatureModelOptions {
  /** Fixed first-layer weights W (N×d, row-major). */
  readonly weights: FloatArray;
  readonly width: number;
  readonly inputDim: number;
  readonly activation: FeatureActivationName;
  readonly precision?: Precision;
  /** B₀ ~ N(0, initStd²) per coordinate; 0 (default) starts at B₀ = 0. */
  readonly initStd?: number;
}

const NAME = 'neural-tangent-features';

/**
 * The neural tangent model of papers.md §5(iv): the first-layer part of the linearization of
 * Σ_j a_j σ(⟨w_j, x⟩) around fixed w_j,
 *
 *   f(B; x) = (N·d)^{-1/2} Σ_j σ'(⟨w_j, x⟩) ⟨b_j, x⟩,   B = (b_1 … b_N) ∈ ℝ^{N×d} trained (p = N·d),
 *
 * i.e. features φ_{j,l}(x) = (N·d)^{-1/2} x_l σ'(⟨w_j, x⟩). The scale makes the tangent kernel
 * ⟨φ(x), φ(x')⟩ → (⟨x, x'⟩/d)·E_w σ'(⟨w,x⟩)σ'(⟨w,x'⟩) as N → ∞, O(1) for x on S^{d−1}(√d); for ReLU
 * that is the second term of the two-layer ReLU NTK (kernels.ts).
 *
 * The n×p feature matrix is never formed: with S = σ'(X Wᵀ) (n×N, cached per batch like the
 * features of FeatureModel) and c = (N·d)^{-1/2},
 *   jvp:  out_k = c ⟨x_k, (S T)_k⟩          (S T: one n×d gemm, T the tangent as N×d)
 *   vjp:  out   = c Sᵀ diag(g) X            (one N×d gemm)
 * O(n·N·d) per product and O(n·(N + d)) memory. f is linear in B: every second-order product is 0.
 */
export class NeuralTangentFeatureModel implements DifferentiableModel, ExplicitJacobian {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly width: number;
  readonly activation: FeatureActivationName;
  readonly weights: FloatArray;
  readonly blocks: readonly ParameterBlock[];
  readonly initStd: number;
  private readonly scale: number;
  private readonly slopes: DerivedRows;
  /** n×d: S·T in the jvp, diag(g)·X in the vjp. */
  private readonly narrow: GrowingBuffer;

  constructor(options: NeuralTangentFeatureModelOptions) {
    const { width, inputDim, weights, activation } = options;
    checkPositiveInteger(NAME, 'width', width);
    checkPositiveInteger(NAME, 'inputDim', inputDim);
    checkLength(NAME, 'weights', weights, width * inputDim);
    this.initStd = options.initStd ?? 0;
    if (!(this.initStd >= 0 && Number.isFinite(this.initStd))) throw new RangeError(`${NAME}: initStd must be a finite number >= 0, got ${this.initStd}`);
    this.width = width;
    this.inputDim = inputDim;
    this.weights = weights;
    this.activation = activation;
    this.parameterCount = width * inputDim;
    this.blocks = [{ name: 'b', offset: 0, length: this.parameterCount, shape: [width, inputDim] }];
    this.scale = 1 / Math.sqrt(width * inputDim);
    const precision = options.precision ?? 'float64';
    this.slopes = new DerivedRows(precision, inputDim, width, (x, n, out) => {
      gemm(false, true, n, width, inputDim, 1, x, weights, 0, out);
      applyActivationSlope(activation, out, out, n * width);
    });
    this.narrow = new GrowingBuffer(precision, inputDim);
  }

  initialize(rng: Rng, params: FloatArray): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    const theta = params.subarray(0, this.parameterCount);
    if (this.initStd === 0) theta.fill(0);
    else rng.fillNormal(theta, 0, this.initStd);
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.jvp(params, inputs, params, out);
  }

  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    const { n, x } = inputs;
    const d = this.inputDim;
    this.check(params, inputs);
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, n);
    const s = this.slopes.get(inputs);
    const product = this.narrow.ensure(n);
    gemm(false, false, n, d, this.width, 1, s, tangent, 0, product);
    const c = this.scale;
    for (let k = 0; k < n; k++) {
      const row = k * d;
      let sum = 0;
      for (let l = 0; l < d; l++) sum += x[row + l] * product[row + l];
      out[k] = c * sum;
    }
  }

  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    const { n, x } = inputs;
    const d = this.inputDim;
    this.check(params, inputs);
    checkLength(NAME, 'cotangent', cotangent, n);
    checkLength(NAME, 'out', out, this.parameterCount);
    const s = this.slopes.get(inputs);
    const g = this.narrow.ensure(n);
    for (let k = 0; k < n; k++) {
      const row = k * d;
      const gk = cotangent[k];
      for (let l = 0; l < d; l++) g[row + l] = gk * x[row + l];
    }
    gemm(true, false, this.width, d, n, this.scale, s, g, 0, out);
  }

  hvp(params: FloatArray, _inputs: Inputs, _weights: FloatArray, _vector: FloatArray, out: FloatArray): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    out.fill(0, 0, this.parameterCount);
  }

  secondDirectional(params: FloatArray, inputs: Inputs, _vector: FloatArray, out: FloatArray): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    out.fill(0, 0, inputs.n);
  }

  /** out[k, j·d + l] = c σ'(⟨w_j, x_k⟩) x_kl. */
  jacobian(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    const { n, x } = inputs;
    const d = this.inputDim;
    const m = this.width;
    const p = this.parameterCount;
    this.check(params, inputs);
    checkLength(NAME, 'out', out, n * p);
    const s = this.slopes.get(inputs);
    const c = this.scale;
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < m; j++) {
        const slope = c * s[k * m + j];
        const offset = k * p + j * d;
        for (let l = 0; l < d; l++) out[offset + l] = slope * x[k * d + l];
      }
    }
  }

  private check(params: FloatArray, inputs: Inputs): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    checkInputs(NAME, this.inputDim, inputs);
  }
}
