import type { DifferentiableModel, Inputs, ParameterBlock } from '@tdlab/core';
import { type FloatArray, gemm, type Precision, type Rng } from '@tdlab/tensor';
import { Activation, type ActivationName } from './activation.js';
import { BatchScratch, checkInputs, checkLength } from './internal.js';

export type SecondLayerInit = 'gaussian' | 'rademacher';

export interface TwoLayerModelOptions {
  /** Hidden width m. */
  readonly width: number;
  /** Input dimension d. */
  readonly inputDim: number;
  readonly activation?: ActivationName;
  /** Negative-side slope of leaky ReLU (default 0.01); ignored by the other activations. */
  readonly leakySlope?: number;
  /** v ~ N(0, 1) ('gaussian', default) or v ~ Unif{±1} ('rademacher', as in Zhu et al.). */
  readonly secondLayer?: SecondLayerInit;
  /** Precision of the scratch buffers (pre-activations); default float64. */
  readonly precision?: Precision;
}

const NAME = 'two-layer';

/**
 * Two-layer network in NTK scaling (papers.md §1b, Zhu et al.; Lewkowycz et al. §1a):
 *
 *   f(x) = m^{-1/2} Σᵢ vᵢ σ(zᵢ),   zᵢ = uᵢ·x / √d,
 *
 * with u ∈ ℝ^{m×d} (block "u", row-major, offset 0) and v ∈ ℝ^m (block "v", offset m·d).
 * Initialization: uᵢ ~ N(0, I_d); v ~ N(0, 1) or Unif{±1}.
 *
 * Every product is computed analytically in O(n·m·d) from the batch's pre-activations
 * Z = X Uᵀ/√d (n×m, one gemm); nothing p×p or n×p is ever formed. Derivatives, with c = m^{-1/2}
 * and s = d^{-1/2}:
 *   ∂f/∂vᵢ = c σ(zᵢ),           ∂f/∂uᵢ = c s vᵢ σ'(zᵢ) x,
 *   ∂²f/∂vᵢ∂uᵢ = c s σ'(zᵢ) x,  ∂²f/∂uᵢ∂uᵢ = c s² vᵢ σ''(zᵢ) x xᵀ,
 * and all other second derivatives (v–v, and across neurons) vanish.
 *
 * Z is recomputed on every call: parameters are updated in place by the trainer, so a cache keyed
 * on the array could silently go stale. Scratch matrices grow to the largest batch seen.
 */
export class TwoLayerModel implements DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly width: number;
  readonly blocks: readonly ParameterBlock[];
  readonly activation: Activation;
  readonly secondLayer: SecondLayerInit;
  /** Offset of block "v" (= m·d). */
  private readonly vOffset: number;
  /** c = m^{-1/2} */
  private readonly outputScale: number;
  /** s = d^{-1/2} */
  private readonly inputScale: number;
  private readonly scratch: BatchScratch;

  constructor(options: TwoLayerModelOptions) {
    const { width, inputDim } = options;
    if (!Number.isSafeInteger(width) || width < 1) throw new RangeError(`${NAME}: width must be a positive integer, got ${width}`);
    if (!Number.isSafeInteger(inputDim) || inputDim < 1) {
      throw new RangeError(`${NAME}: inputDim must be a positive integer, got ${inputDim}`);
    }
    this.width = width;
    this.inputDim = inputDim;
    this.activation = new Activation(options.activation ?? 'relu', options.leakySlope ?? 0.01);
    this.secondLayer = options.secondLayer ?? 'gaussian';
    this.vOffset = width * inputDim;
    this.parameterCount = width * inputDim + width;
    this.blocks = [
      { name: 'u', offset: 0, length: width * inputDim, shape: [width, inputDim] },
      { name: 'v', offset: this.vOffset, length: width, shape: [width] },
    ];
    this.outputScale = 1 / Math.sqrt(width);
    this.inputScale = 1 / Math.sqrt(inputDim);
    // Three n×m matrices: pre-activations, directional pre-activations, and one work matrix.
    this.scratch = new BatchScratch(options.precision ?? 'float64', width, 3);
  }

  initialize(rng: Rng, params: FloatArray): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    rng.fillNormal(params.subarray(0, this.vOffset));
    const v = params.subarray(this.vOffset, this.parameterCount);
    if (this.secondLayer === 'rademacher') rng.fillRademacher(v);
    else rng.fillNormal(v);
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'out', out, n);
    const m = this.width;
    const [z] = this.scratch.ensure(n);
    this.preActivations(params, inputs, z);
    this.activation.apply(z, z, n * m);
    const { vOffset, outputScale } = this;
    for (let k = 0; k < n; k++) {
      const row = k * m;
      let sum = 0;
      for (let i = 0; i < m; i++) sum += z[row + i] * params[vOffset + i];
      out[k] = outputScale * sum;
    }
  }

  /** out_k = c Σᵢ [δvᵢ σ(z_ki) + vᵢ σ'(z_ki) s (δuᵢ·x_k)]. */
  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, n);
    const m = this.width;
    const [z, p, a] = this.scratch.ensure(n);
    this.preActivations(params, inputs, z);
    this.preActivations(tangent, inputs, p);
    this.activation.apply(z, a, n * m);
    this.activation.applyDerivative(z, z, n * m);
    const { vOffset, outputScale } = this;
    for (let k = 0; k < n; k++) {
      const row = k * m;
      let sum = 0;
      for (let i = 0; i < m; i++) {
        sum += tangent[vOffset + i] * a[row + i] + params[vOffset + i] * z[row + i] * p[row + i];
      }
      out[k] = outputScale * sum;
    }
  }

  /** out_v,i = c Σ_k g_k σ(z_ki); out_u,i = c s vᵢ Σ_k g_k σ'(z_ki) x_k. */
  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'cotangent', cotangent, n);
    checkLength(NAME, 'out', out, this.parameterCount);
    const m = this.width;
    const [z, , a] = this.scratch.ensure(n);
    this.preActivations(params, inputs, z);
    this.activation.apply(z, a, n * m);
    this.activation.applyDerivative(z, z, n * m);
    const { vOffset, outputScale } = this;
    for (let i = 0; i < m; i++) out[vOffset + i] = 0;
    for (let k = 0; k < n; k++) {
      const row = k * m;
      const g = cotangent[k];
      for (let i = 0; i < m; i++) {
        out[vOffset + i] += outputScale * g * a[row + i];
        // z becomes B_ki = g_k vᵢ σ'(z_ki), so that out_u = c s Bᵀ X.
        z[row + i] *= g * params[vOffset + i];
      }
    }
    this.backProject(z, inputs, out);
  }

  /**
   * out = Σ_k w_k ∇²f_k·δθ with P_ki = s (δuᵢ·x_k):
   *   out_v,i = c Σ_k w_k σ'(z_ki) P_ki,
   *   out_u,i = c s Σ_k w_k [σ'(z_ki) δvᵢ + vᵢ σ''(z_ki) P_ki] x_k.
   */
  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'weights', weights, n);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, this.parameterCount);
    const m = this.width;
    const [z, p, curvature] = this.scratch.ensure(n);
    this.preActivations(params, inputs, z);
    this.preActivations(vector, inputs, p);
    const curved = !this.activation.piecewiseLinear;
    if (curved) this.activation.applySecondDerivative(z, curvature, n * m);
    this.activation.applyDerivative(z, z, n * m);
    const { vOffset, outputScale } = this;
    for (let i = 0; i < m; i++) out[vOffset + i] = 0;
    for (let k = 0; k < n; k++) {
      const row = k * m;
      const w = weights[k];
      for (let i = 0; i < m; i++) {
        const slope = z[row + i];
        const pki = p[row + i];
        out[vOffset + i] += outputScale * w * slope * pki;
        let b = slope * vector[vOffset + i];
        if (curved) b += params[vOffset + i] * curvature[row + i] * pki;
        z[row + i] = w * b;
      }
    }
    this.backProject(z, inputs, out);
  }

  /** out_k = c Σᵢ P_ki [2 σ'(z_ki) δvᵢ + vᵢ σ''(z_ki) P_ki]. */
  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, n);
    const m = this.width;
    const [z, p, curvature] = this.scratch.ensure(n);
    this.preActivations(params, inputs, z);
    this.preActivations(vector, inputs, p);
    const curved = !this.activation.piecewiseLinear;
    if (curved) this.activation.applySecondDerivative(z, curvature, n * m);
    this.activation.applyDerivative(z, z, n * m);
    const { vOffset, outputScale } = this;
    for (let k = 0; k < n; k++) {
      const row = k * m;
      let sum = 0;
      for (let i = 0; i < m; i++) {
        const pki = p[row + i];
        let term = 2 * z[row + i] * vector[vOffset + i];
        if (curved) term += params[vOffset + i] * curvature[row + i] * pki;
        sum += pki * term;
      }
      out[k] = outputScale * sum;
    }
  }

  private check(params: FloatArray, inputs: Inputs): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    checkInputs(NAME, this.inputDim, inputs);
  }

  /** out (n×m) = X Uᵀ / √d, reading U from the first m·d entries of `theta`. */
  private preActivations(theta: FloatArray, inputs: Inputs, out: FloatArray): void {
    gemm(false, true, inputs.n, this.width, this.inputDim, this.inputScale, inputs.x, theta, 0, out);
  }

  /** out[0, m·d) = c s Bᵀ X for an n×m matrix B (the block-"u" part of a VJP or HVP). */
  private backProject(b: FloatArray, inputs: Inputs, out: FloatArray): void {
    gemm(true, false, this.width, this.inputDim, inputs.n, this.outputScale * this.inputScale, b, inputs.x, 0, out);
  }
}
