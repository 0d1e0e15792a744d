import type { DifferentiableModel, Inputs, LinearizedModel, ParameterBlock } from '@tdlab/core';
import { type FloatArray, type Precision, type Rng } from '@tdlab/tensor';
import { BatchScratch, checkInputs, checkLength } from './internal.js';
import { UvModel } from './uv-model.js';

/** φ(x) = x/‖x‖ ('normalized', Zhu et al. App. 19.4) or φ = 0 ('none'). */
export type GeneralQuadraticFeatures = 'normalized' | 'none';

interface CommonOptions {
  /** Input dimension d. */
  readonly inputDim: number;
  /** γ, the weight of the quadratic term. */
  readonly gamma: number;
  /** Precision of the scratch buffers; default float64. */
  readonly precision?: Precision;
}

/**
 * Σ diagonal and independent of x, p = d: `diagonal` holds Σ's diagonal (a random ±1 draw for
 * App. 19.4, see `rademacherDiagonal`).
 */
export interface DiagonalGeneralQuadraticOptions extends CommonOptions {
  readonly sigma: 'diagonal';
  readonly diagonal: ArrayLike<number>;
  /** Default 'normalized'. */
  readonly features?: GeneralQuadraticFeatures;
}

/** Σ(x) = [[0, I_m⊗x], [I_m⊗xᵀ, 0]] on w = (u ∈ ℝ^{m×d}, v ∈ ℝ^m), φ = 0: the uv model. */
export interface UvGeneralQuadraticOptions extends CommonOptions {
  readonly sigma: 'uv';
  /** Width m. */
  readonly width: number;
}

export type GeneralQuadraticModelOptions = DiagonalGeneralQuadraticOptions | UvGeneralQuadraticOptions;

const NAME = 'general-quadratic';

/** d entries ±1 with probability ½ each: Σ's diagonal in Zhu et al. App. 19.4. */
export function rademacherDiagonal(rng: Rng, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) out[i] = rng.rademacher();
  return out;
}

/**
 * Zhu et al.'s general quadratic model (papers.md §1b, App. 19.4):
 *
 *   g(w; x) = wᵀφ(x) + ½γ wᵀΣ(x)w,    w₀ ~ N(0, I),
 *
 * in two forms, both with an exactly constant Hessian γΣ(x):
 *
 * - `sigma: 'diagonal'` (App. 19.4): w ∈ ℝ^d (p = d, block "w"), φ(x) = x/‖x‖ (φ(0) = 0) or 0, and
 *   Σ = diag(s) with fixed entries (±1 drawn once per model). Σ does **not** depend on x: App. 19.4
 *   gives Σ only as "diagonal with random ±1 entries", with no x in it, and with φ normalized to
 *   ‖φ(x)‖ = 1 the condition Σ² = ‖φ‖²I of Prop. 10 holds as Σ² = I for every input. So the quadratic
 *   term c(w) = ½γ Σⱼ sⱼwⱼ² is shared by all samples, and (with e = Σ_k u_k)
 *     forward  g_k = φ_k·w + c(w)            jvp  φ_k·t + γ (s⊙w)·t
 *     vjp      Σ_k u_k φ_k + γ e (s⊙w)      hvp  γ (Σ_k w_k) s⊙v
 *     secondDirectional  γ Σⱼ sⱼvⱼ²,
 *   each O(n·d) with one pass over X and no p×p matrix.
 * - `sigma: 'uv'`: the special case φ = 0, Σ(x) = [[0, I⊗x], [I⊗xᵀ, 0]], so ½γ wᵀΣ(x)w = γ vᵀUx; with
 *   γ = 1/√m and d = 1 this is Lewkowycz et al.'s uv model (papers.md §1a). Computed by a `UvModel`
 *   (whose scale is κ = (md)^{-1/2}) with every output rescaled by γ/κ; same blocks "u", "v" and the
 *   same initialization, so both start from the same θ₀ for a seed.
 */
export class GeneralQuadraticModel implements DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly blocks: readonly ParameterBlock[];
  readonly gamma: number;
  readonly sigma: 'diagonal' | 'uv';
  readonly features: GeneralQuadraticFeatures;
  /** Σ's diagonal (sigma 'diagonal'), float64. */
  readonly diagonal: Float64Array | undefined;
  private readonly uv: UvModel | undefined;
  /** γ/κ for the uv form, kept as a field (a double computed at a call site is boxed). */
  private readonly uvRatio: number;
  /** Per-row 1/‖x_k‖ (0 for a zero row or without features). */
  private readonly rowScales: BatchScratch;
  private linearization: DiagonalLinearization | undefined;
  private uvLinearization: UvLinearization | undefined;

  constructor(options: GeneralQuadraticModelOptions) {
    const { inputDim, gamma } = options;
    if (!Number.isSafeInteger(inputDim) || inputDim < 1) throw new RangeError(`${NAME}: inputDim must be a positive integer, got ${inputDim}`);
    if (!(Number.isFinite(gamma) && gamma > 0)) throw new RangeError(`${NAME}: gamma must be a positive number, got ${gamma}`);
    this.inputDim = inputDim;
    this.gamma = gamma;
    this.sigma = options.sigma;
    this.rowScales = new BatchScratch('float64', 1, 1);
    if (options.sigma === 'uv') {
      const { width } = options;
      if (!Number.isSafeInteger(width) || width < 1) throw new RangeError(`${NAME}: width must be a positive integer, got ${width}`);
      this.uv = new UvModel({ width, inputDim, precision: options.precision });
      this.uvRatio = gamma * Math.sqrt(width * inputDim);
      this.parameterCount = this.uv.parameterCount;
      this.blocks = this.uv.blocks;
      this.features = 'none';
      this.diagonal = undefined;
      return;
    }
    if (options.sigma !== 'diagonal') throw new RangeError(`${NAME}: sigma must be 'diagonal' or 'uv', got ${String((options as { sigma: unknown }).sigma)}`);
    const { diagonal } = options;
    if (diagonal.length !== inputDim) throw new RangeError(`${NAME}: the diagonal of Σ has ${diagonal.length} entries, needs inputDim = ${inputDim}`);
    for (let i = 0; i < inputDim; i++) {
      if (!Number.isFinite(diagonal[i])) throw new RangeError(`${NAME}: Σ's diagonal entry ${i} is ${diagonal[i]}`);
    }
    this.uv = undefined;
    this.uvRatio = 0;
    this.diagonal = Float64Array.from(diagonal);
    this.features = options.features ?? 'normalized';
    this.parameterCount = inputDim;
    this.blocks = [{ name: 'w', offset: 0, length: inputDim, shape: [inputDim] }];
  }

  /** w₀ ~ N(0, I) (uv form: u then v, as UvModel). */
  initialize(rng: Rng, params: FloatArray): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    rng.fillNormal(params.subarray(0, this.parameterCount));
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'out', out, inputs.n);
    if (this.uv) {
      this.uv.forward(params, inputs, out);
      scaleInPlace(out, inputs.n, this.uvRatio);
      return;
    }
    const { n, x } = inputs;
    const scales = this.scales(x, n);
    // c(w) = ½γ Σⱼ sⱼwⱼ², the same for every sample.
    const s = this.diagonal!;
    let quadratic = 0;
    for (let j = 0; j < this.inputDim; j++) quadratic += s[j] * params[j] * params[j];
    quadratic *= 0.5 * this.gamma;
    this.featureDots(x, n, scales, params, out);
    for (let k = 0; k < n; k++) out[k] += quadratic;
  }

  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    if (this.uv) {
      this.uv.jvp(params, inputs, tangent, out);
      scaleInPlace(out, inputs.n, this.uvRatio);
      return;
    }
    this.jvpFrom(params, inputs.x, inputs.n, this.scales(inputs.x, inputs.n), tangent, out);
  }

  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'cotangent', cotangent, inputs.n);
    checkLength(NAME, 'out', out, this.parameterCount);
    if (this.uv) {
      this.uv.vjp(params, inputs, cotangent, out);
      scaleInPlace(out, this.parameterCount, this.uvRatio);
      return;
    }
    this.vjpFrom(params, inputs.x, inputs.n, this.scales(inputs.x, inputs.n), cotangent, out);
  }

  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'weights', weights, inputs.n);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, this.parameterCount);
    if (this.uv) {
      this.uv.hvp(params, inputs, weights, vector, out);
      scaleInPlace(out, this.parameterCount, this.uvRatio);
      return;
    }
    // Σ_k w_k ∇²g_k v = γ (Σ_k w_k) Σv.
    let total = 0;
    for (let k = 0; k < inputs.n; k++) total += weights[k];
    const factor = this.gamma * total;
    const s = this.diagonal!;
    for (let j = 0; j < this.inputDim; j++) out[j] = factor * s[j] * vector[j];
  }

  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    if (this.uv) {
      this.uv.secondDirectional(params, inputs, vector, out);
      scaleInPlace(out, inputs.n, this.uvRatio);
      return;
    }
    // vᵀ(γΣ)v, the same for every sample.
    const s = this.diagonal!;
    let sum = 0;
    for (let j = 0; j < this.inputDim; j++) sum += s[j] * vector[j] * vector[j];
    out.fill(this.gamma * sum, 0, inputs.n);
  }

  /**
   * J at (params, inputs) for many products: a snapshot of θ, X and the row scales 1/‖x_k‖ (float64,
   * exact), agreeing exactly with jvp/vjp. Like the other models' `linearize`, the returned object
   * belongs to the model and the next call replaces what it holds.
   */
  linearize(params: FloatArray, inputs: Inputs): LinearizedModel {
    this.check(params, inputs);
    if (this.uv) {
      const scaled = (this.uvLinearization ??= this.createUvLinearization());
      scaled.base = this.uv.linearize(params, inputs);
      scaled.n = inputs.n;
      return scaled.linear;
    }
    const { n, x } = inputs;
    const d = this.inputDim;
    const lin = (this.linearization ??= this.createLinearization());
    const ownX = lin.inputs.ensure(n)[0];
    const ownScales = lin.scales.ensure(n)[0];
    const scales = this.scales(x, n);
    for (let i = 0; i < n * d; i++) ownX[i] = x[i];
    for (let k = 0; k < n; k++) ownScales[k] = scales[k];
    for (let j = 0; j < d; j++) lin.theta[j] = params[j];
    lin.n = n;
    return lin.linear;
  }

  /** The uv form's linearization: the UvModel's, with outputs rescaled by γ/κ. */
  private createUvLinearization(): UvLinearization {
    const p = this.parameterCount;
    const scaled: UvLinearization = {
      n: 0,
      base: undefined,
      linear: {
        jvp: (tangent: FloatArray, out: FloatArray): void => {
          scaled.base!.jvp(tangent, out);
          scaleInPlace(out, scaled.n, this.uvRatio);
        },
        vjp: (cotangent: FloatArray, out: FloatArray): void => {
          scaled.base!.vjp(cotangent, out);
          scaleInPlace(out, p, this.uvRatio);
        },
      },
    };
    return scaled;
  }

  private createLinearization(): DiagonalLinearization {
    const p = this.parameterCount;
    const lin: DiagonalLinearization = {
      n: 0,
      theta: new Float64Array(p),
      inputs: new BatchScratch('float64', this.inputDim, 1),
      scales: new BatchScratch('float64', 1, 1),
      linear: {
        jvp: (tangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'tangent', tangent, p);
          checkLength(NAME, 'out', out, lin.n);
          this.jvpFrom(lin.theta, lin.inputs.ensure(lin.n)[0], lin.n, lin.scales.ensure(lin.n)[0], tangent, out);
        },
        vjp: (cotangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'cotangent', cotangent, lin.n);
          checkLength(NAME, 'out', out, p);
          this.vjpFrom(lin.theta, lin.inputs.ensure(lin.n)[0], lin.n, lin.scales.ensure(lin.n)[0], cotangent, out);
        },
      },
    };
    return lin;
  }

  private check(params: FloatArray, inputs: Inputs): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    checkInputs(NAME, this.inputDim, inputs);
  }

  /** 1/‖x_k‖ per row into the scratch (0 for a zero row, or everywhere when φ = 0). */
  private scales(x: FloatArray, n: number): FloatArray {
    const scales = this.rowScales.ensure(n)[0];
    const d = this.inputDim;
    if (this.features === 'none') {
      scales.fill(0, 0, n);
      return scales;
    }
    for (let k = 0; k < n; k++) {
      const row = k * d;
      let sum = 0;
      for (let j = 0; j < d; j++) sum += x[row + j] * x[row + j];
      scales[k] = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    }
    return scales;
  }

  /** out_k = φ_k·v = (x_k·v)/‖x_k‖. */
  private featureDots(x: FloatArray, n: number, scales: FloatArray, v: FloatArray, out: FloatArray): void {
    const d = this.inputDim;
    for (let k = 0; k < n; k++) {
      const scale = scales[k];
      if (scale === 0) {
        out[k] = 0;
        continue;
      }
      const row = k * d;
      let sum = 0;
      for (let j = 0; j < d; j++) sum += x[row + j] * v[j];
      out[k] = scale * sum;
    }
  }

  /** out_k = φ_k·t + γ (s⊙w)·t. */
  private jvpFrom(theta: FloatArray, x: FloatArray, n: number, scales: FloatArray, tangent: FloatArray, out: FloatArray): void {
    const s = this.diagonal!;
    let shared = 0;
    for (let j = 0; j < this.inputDim; j++) shared += s[j] * theta[j] * tangent[j];
    shared *= this.gamma;
    this.featureDots(x, n, scales, tangent, out);
    for (let k = 0; k < n; k++) out[k] += shared;
  }

  /** out = Σ_k u_k φ_k + γ (Σ_k u_k) s⊙w. */
  private vjpFrom(theta: FloatArray, x: FloatArray, n: number, scales: FloatArray, cotangent: FloatArray, out: FloatArray): void {
    const d = this.inputDim;
    const s = this.diagonal!;
    let total = 0;
    for (let k = 0; k < n; k++) total += cotangent[k];
    const factor = this.gamma * total;
    for (let j = 0; j < d; j++) out[j] = factor * s[j] * theta[j];
    for (let k = 0; k < n; k++) {
      const weight = cotangent[k] * scales[k];
      if (weight === 0) continue;
      const row = k * d;
      for (let j = 0; j < d; j++) out[j] += weight * x[row + j];
    }
  }
}

/** The model-owned state behind `GeneralQuadraticModel.linearize` (diagonal form). */
interface DiagonalLinearization {
  n: number;
  readonly theta: Float64Array;
  readonly inputs: BatchScratch;
  readonly scales: BatchScratch;
  readonly linear: LinearizedModel;
}

/** The model-owned state behind `GeneralQuadraticModel.linearize` (uv form). */
interface UvLinearization {
  n: number;
  base: LinearizedModel | undefined;
  readonly linear: LinearizedModel;
}

function scaleInPlace(out: FloatArray, length: number, factor: number): void {
  for (let i = 0; i < length; i++) out[i] *= factor;
}
