import type { DifferentiableModel, Inputs, ParameterBlock } from '@tdlab/core';
import { type FloatArray, gemm, gemv, type Precision, type Rng } from '@tdlab/tensor';
import { applyActivation, type FeatureActivationName } from './feature-activation.js';
import { checkInputs, checkLength, checkPositiveInteger, DerivedRows } from './internal.js';
import type { ExplicitJacobian } from './jacobian.js';

/**
 * A fixed feature map φ: ℝ^d → ℝ^p. It has no parameters of its own: whatever is random in it (the
 * first-layer weights of random features) is drawn once, when it is built.
 */
export interface FeatureMap {
  readonly inputDim: number;
  readonly featureCount: number;
  /** True when φ(x) = x: the model then uses the input rows as its feature matrix, without a copy. */
  readonly identity?: boolean;
  /** out (n×p, row-major) ← φ(x_k) for each of the n rows x_k of x. */
  features(x: FloatArray, n: number, out: FloatArray): void;
}

export interface FeatureModelOptions {
  /** Used in error messages. */
  readonly name: string;
  /** Precision of the cached feature matrices (default float64). */
  readonly precision?: Precision;
  /** θ₀ ~ N(0, initStd²) per coordinate; 0 (default) starts at θ₀ = 0, so ridgeless GD ends at the minimum-norm fit. */
  readonly initStd?: number;
  /** Name of the single parameter block (default "theta"). */
  readonly blockName?: string;
}

/**
 * The linear model f(θ; x) = ⟨θ, φ(x)⟩ on a fixed feature map (papers.md §5): J = Φ, the n×p
 * feature matrix of the batch, for every θ, so the tangent kernel K = ΦΦᵀ never moves and every
 * second-order product is 0.
 *
 * Products are one gemv each on Φ (forward and jvp: Φ·v; vjp: Φᵀ·g). Φ is computed once per batch
 * and cached for the last two batches seen (the training set and the held-out set a probe
 * evaluates), keyed by the values of the rows; for φ = identity the rows themselves are Φ.
 */
export class FeatureModel implements DifferentiableModel, ExplicitJacobian {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly blocks: readonly ParameterBlock[];
  readonly initStd: number;
  private readonly name: string;
  private readonly cache: DerivedRows | undefined;

  constructor(
    readonly map: FeatureMap,
    options: FeatureModelOptions,
  ) {
    this.name = options.name;
    checkPositiveInteger(this.name, 'inputDim', map.inputDim);
    checkPositiveInteger(this.name, 'featureCount', map.featureCount);
    this.initStd = options.initStd ?? 0;
    if (!(this.initStd >= 0 && Number.isFinite(this.initStd))) throw new RangeError(`${this.name}: initStd must be a finite number >= 0, got ${this.initStd}`);
    this.inputDim = map.inputDim;
    this.parameterCount = map.featureCount;
    const p = map.featureCount;
    this.blocks = [{ name: options.blockName ?? 'theta', offset: 0, length: p, shape: [p] }];
    this.cache = map.identity
      ? undefined
      : new DerivedRows(options.precision ?? 'float64', map.inputDim, p, (x, n, out) => map.features(x, n, out));
  }

  initialize(rng: Rng, params: FloatArray): void {
    checkLength(this.name, 'params', params, this.parameterCount);
    const theta = params.subarray(0, this.parameterCount);
    if (this.initStd === 0) theta.fill(0);
    else rng.fillNormal(theta, 0, this.initStd);
  }

  /** Φ for the batch (n×p): the input rows themselves for φ = identity, else the cached features. */
  featureMatrix(inputs: Inputs): FloatArray {
    checkInputs(this.name, this.inputDim, inputs);
    return this.cache ? this.cache.get(inputs) : inputs.x;
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.jvp(params, inputs, params, out);
  }

  /** out = Φ·tangent. */
  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    const p = this.parameterCount;
    checkLength(this.name, 'params', params, p);
    checkLength(this.name, 'tangent', tangent, p);
    checkLength(this.name, 'out', out, inputs.n);
    gemv(false, inputs.n, p, 1, this.featureMatrix(inputs), tangent, 0, out);
  }

  /** out = Φᵀ·cotangent. */
  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    const p = this.parameterCount;
    checkLength(this.name, 'params', params, p);
    checkLength(this.name, 'cotangent', cotangent, inputs.n);
    checkLength(this.name, 'out', out, p);
    gemv(true, inputs.n, p, 1, this.featureMatrix(inputs), cotangent, 0, out);
  }

  /** f is linear in θ: ∇²f = 0. */
  hvp(params: FloatArray, _inputs: Inputs, _weights: FloatArray, _vector: FloatArray, out: FloatArray): void {
    checkLength(this.name, 'params', params, this.parameterCount);
    out.fill(0, 0, this.parameterCount);
  }

  secondDirectional(params: FloatArray, inputs: Inputs, _vector: FloatArray, out: FloatArray): void {
    checkLength(this.name, 'params', params, this.parameterCount);
    out.fill(0, 0, inputs.n);
  }

  jacobian(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    const size = inputs.n * this.parameterCount;
    checkLength(this.name, 'params', params, this.parameterCount);
    checkLength(this.name, 'out', out, size);
    const phi = this.featureMatrix(inputs);
    for (let i = 0; i < size; i++) out[i] = phi[i];
  }
}

/** φ(x) = x (p = d): `linear-features`, ridge regression on the raw inputs (papers.md §5(i)). */
export class IdentityFeatures implements FeatureMap {
  readonly identity = true;
  readonly featureCount: number;

  constructor(readonly inputDim: number) {
    this.featureCount = inputDim;
  }

  features(x: FloatArray, n: number, out: FloatArray): void {
    const length = n * this.inputDim;
    for (let i = 0; i < length; i++) out[i] = x[i];
  }
}

/**
 * φ_j(x) = N^{-1/2} σ(⟨w_j, x⟩), j ≤ N, with fixed first-layer weights W (N×d): the random-feature
 * model f = Σ_j a_j φ_j(x) of papers.md §5(iii), with a = θ trained. The N^{-1/2} makes
 * ⟨φ(x), φ(x')⟩ → E_w σ(⟨w,x⟩)σ(⟨w,x'⟩) as N → ∞ (the arc-cosine kernel for ReLU), so a ridge λ
 * means the same for random features and for kernel ridge regression with the limiting kernel.
 * Computed as one gemm Z = X Wᵀ (n×N) and one elementwise pass.
 */
export class RandomFeatures implements FeatureMap {
  readonly featureCount: number;
  private readonly scale: number;

  constructor(
    readonly weights: FloatArray,
    readonly inputDim: number,
    readonly width: number,
    readonly activation: FeatureActivationName,
  ) {
    checkPositiveInteger('random-features', 'width', width);
    checkPositiveInteger('random-features', 'inputDim', inputDim);
    checkLength('random-features', 'weights', weights, width * inputDim);
    this.featureCount = width;
    this.scale = 1 / Math.sqrt(width);
  }

  features(x: FloatArray, n: number, out: FloatArray): void {
    const width = this.width;
    gemm(false, true, n, width, this.inputDim, 1, x, this.weights, 0, out);
    const length = n * width;
    applyActivation(this.activation, out, out, length);
    const scale = this.scale;
    for (let i = 0; i < length; i++) out[i] *= scale;
  }
}
