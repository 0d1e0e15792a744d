import type { DifferentiableModel, Inputs, LinearizedModel, ParameterBlock } from '@tdlab/core';
import { type FloatArray, gemm, gemmActivation, gemv, KernelWorkspace, type Precision, type Rng } from '@tdlab/tensor';
import { BatchScratch, checkInputs, checkLength, copyInto, rowDots } from './internal.js';

/** Standard deviations of the initialization: aᵢ ~ N(0, a²), wᵢ ~ N(0, w² I_d). Each defaults to 1. */
export interface MeanFieldInitScale {
  readonly a?: number;
  readonly w?: number;
}

export interface MeanFieldTwoLayerModelOptions {
  /** Hidden width M. */
  readonly width: number;
  /** Input dimension d. */
  readonly inputDim: number;
  /** α > 0, the lazy↔rich knob (small α = lazy); default 1. */
  readonly alpha?: number;
  /** σ_a and σ_w of the initialization; both default to 1. */
  readonly initScale?: MeanFieldInitScale;
  /** Precision of the scratch buffers (pre-activations, masks); default float64. */
  readonly precision?: Precision;
}

const NAME = 'mean-field-two-layer';

/**
 * Two-layer ReLU network in mean-field scaling (Pellegrini & Biroli, papers.md §3, §6):
 *
 *   f(x) = (1/(αM)) Σᵢ aᵢ ReLU(zᵢ),   zᵢ = wᵢ·x / √d,
 *
 * with M hidden units (`width`), input dimension d and α > 0 the lazy↔rich knob (small α = lazy).
 *
 * Layout (one flat parameter array): block "a" (length M) at offset 0, then block "w" (M×d,
 * row-major, unit i's weights in row i) at offset M, so wᵢⱼ = params[M + i·d + j]
 * (`wOffset(i)`). Initialization: aᵢ ~ N(0, σ_a²) (M normals, drawn first), then
 * wᵢ ~ N(0, σ_w² I_d) (M·d normals); σ_a = σ_w = 1 by default (`initScale: { a, w }`).
 *
 * Time: `timeScale` = α·M, so the trainer's time is the mean-field time of dθ/dt = −αM·∇L. For
 * the mean linear hinge L = ⟨(h − y f)·θ(h − y f)⟩ this gives, with u = 1{y f(x) < h},
 *   ȧᵢ = (1/√d) wᵢ·⟨u y θ(wᵢ·x) x⟩,   ẇᵢ = (1/√d) aᵢ ⟨u y θ(wᵢ·x) x⟩,
 * the convention that reproduces the numbers of papers.md §6 (Pellegrini–Biroli); the unit-level
 * quantity aᵢ² − ‖wᵢ‖² is conserved by this flow (ReLU homogeneity, papers.md §3).
 *
 * ReLU'(0) = 0 (the mask is z > 0, strictly). With c = 1/(αM), s = 1/√d and θ_ki = 1{z_ki > 0},
 * ReLU(z) = z θ(z) gives
 *   ∂f_k/∂aᵢ = c s θ_ki wᵢ·x_k,   ∂f_k/∂wᵢ = c s aᵢ θ_ki x_k,   ∂²f_k/∂aᵢ∂wᵢ = c s θ_ki x_k,
 * and every other second derivative vanishes. From the batch's mask S = θ(Z) (n×M, one gemm for
 * Z = X Wᵀ/√d fused with the ReLU pass) each product is one more gemm:
 *   jvp:  out_k = c s x_k·(S R)_k,  R_i = aᵢ δwᵢ + δaᵢ wᵢ       (S R, n×d)
 *   vjp:  Q = c s Sᵀ diag(g) X (M×d);  out_wᵢ = aᵢ Qᵢ,  out_aᵢ = wᵢ·Qᵢ
 *   hvp:  Q = c s Sᵀ diag(weights) X;  out_wᵢ = δaᵢ Qᵢ,  out_aᵢ = δwᵢ·Qᵢ
 *   secondDirectional:  out_k = 2 c s x_k·(S R)_k,  R_i = δaᵢ δwᵢ.
 *
 * Primal cache: ReLU(Z) and θ(Z) depend only on W and X; the model keeps exact copies of both and
 * reuses the primal pass when a call has the same n, array types and values (the key is the
 * values, never the array's identity, since parameters are updated in place), so every product
 * stays a pure function of its arguments. Scratch buffers grow to the largest batch seen; no
 * allocation per call after that.
 */
export class MeanFieldTwoLayerModel implements DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim: number;
  /** Hidden width M. */
  readonly width: number;
  /** The lazy↔rich knob α. */
  readonly alpha: number;
  /** σ_a and σ_w of the initialization. */
  readonly initScale: { readonly a: number; readonly w: number };
  /** α·M: dθ/dt = −αM·∇L is the model's natural (mean-field) gradient flow. */
  readonly timeScale: number;
  readonly blocks: readonly ParameterBlock[];
  readonly hiddenLayers: readonly string[] = ['hidden'];
  /** Offset of block "a" (0). */
  readonly aOffset = 0;
  /** Offset of block "w" (= M). */
  readonly wBlockOffset: number;
  /** c = 1/(αM). */
  readonly outputScale: number;
  /** s = 1/√d. */
  private readonly inputScale: number;
  /** c·s and 2·c·s. */
  private readonly jointScale: number;
  private readonly twiceJointScale: number;
  private readonly precision: Precision;
  /** n×M: ReLU(Z) and θ(Z). */
  private readonly scratch: BatchScratch;
  /** n×d: diag(g) X, or S R. */
  private readonly narrow: BatchScratch;
  /** M×d: R, in the scratch precision. */
  private readonly wide: FloatArray;
  /** M×d: Q of the back-projection (float64, so a float64 caller keeps a float64 product). */
  private readonly back: Float64Array;
  /** An M-vector in the scratch precision (a copy of a for gemv). */
  private readonly vector: FloatArray;
  /** Exact copies of the W block, one per parameter array type (allocated on first use); the gemm's B operand and the cache key. */
  private w64: Float64Array | undefined;
  private w32: Float32Array | undefined;
  private readonly cachedInputs: BatchScratch;
  private cachedN = -1;
  private cachedValues: FloatArray | undefined;
  private cachedKinds = 0;
  private linearization: MeanFieldLinearization | undefined;
  private readonly workspace = new KernelWorkspace();

  constructor(options: MeanFieldTwoLayerModelOptions) {
    const { width, inputDim } = options;
    const alpha = options.alpha ?? 1;
    const scaleA = options.initScale?.a ?? 1;
    const scaleW = options.initScale?.w ?? 1;
    if (!Number.isSafeInteger(width) || width < 1) throw new RangeError(`${NAME}: width must be a positive integer, got ${width}`);
    if (!Number.isSafeInteger(inputDim) || inputDim < 1) {
      throw new RangeError(`${NAME}: inputDim must be a positive integer, got ${inputDim}`);
    }
    if (!(alpha > 0) || !Number.isFinite(alpha)) throw new RangeError(`${NAME}: alpha must be a finite number > 0, got ${alpha}`);
    if (!(scaleA >= 0) || !Number.isFinite(scaleA)) throw new RangeError(`${NAME}: initScale.a must be a finite number ≥ 0, got ${scaleA}`);
    if (!(scaleW >= 0) || !Number.isFinite(scaleW)) throw new RangeError(`${NAME}: initScale.w must be a finite number ≥ 0, got ${scaleW}`);
    this.width = width;
    this.inputDim = inputDim;
    this.alpha = alpha;
    this.initScale = { a: scaleA, w: scaleW };
    this.timeScale = alpha * width;
    this.wBlockOffset = width;
    this.parameterCount = width + width * inputDim;
    this.blocks = [
      { name: 'a', offset: 0, length: width, shape: [width] },
      { name: 'w', offset: width, length: width * inputDim, shape: [width, inputDim] },
    ];
    this.outputScale = 1 / (alpha * width);
    this.inputScale = 1 / Math.sqrt(inputDim);
    this.jointScale = this.outputScale * this.inputScale;
    this.twiceJointScale = 2 * this.jointScale;
    this.precision = options.precision ?? 'float64';
    this.scratch = new BatchScratch(this.precision, width, 2, this.workspace);
    this.narrow = new BatchScratch(this.precision, inputDim, 1, this.workspace);
    this.wide = this.workspace.allocate(this.precision, width * inputDim);
    this.back = this.workspace.allocate('float64', width * inputDim) as Float64Array;
    this.vector = this.workspace.allocate(this.precision, width);
    this.cachedInputs = new BatchScratch('float64', inputDim, 1);
  }

  /** aᵢ, the output weight of unit i. */
  unitA(params: ArrayLike<number>, i: number): number {
    return params[i];
  }

  /** Where unit i's first-layer weights start: wᵢⱼ = params[wOffset(i) + j], wOffset(i) = M + i·d. */
  wOffset(i: number): number {
    return this.wBlockOffset + i * this.inputDim;
  }

  /** ‖wᵢ‖², accumulated in float64. */
  unitWNormSquared(params: ArrayLike<number>, i: number): number {
    const start = this.wOffset(i);
    let sum = 0;
    for (let j = 0; j < this.inputDim; j++) sum += params[start + j] * params[start + j];
    return sum;
  }

  /** aᵢ² − ‖wᵢ‖², conserved by gradient flow (ReLU homogeneity, papers.md §3 "Derived invariant"). */
  unitInvariant(params: ArrayLike<number>, i: number): number {
    return params[i] * params[i] - this.unitWNormSquared(params, i);
  }

  initialize(rng: Rng, params: FloatArray): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    rng.fillNormal(params.subarray(0, this.width), 0, this.initScale.a);
    rng.fillNormal(params.subarray(this.wBlockOffset, this.parameterCount), 0, this.initScale.w);
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'out', out, inputs.n);
    this.primal(params, inputs);
    this.outputs(this.scratch.ensure(inputs.n)[0], params, inputs.n, out);
  }

  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, n);
    this.primal(params, inputs);
    this.jvpFrom(this.scratch.ensure(n)[1], params, inputs.x, n, tangent, out);
  }

  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'cotangent', cotangent, n);
    checkLength(NAME, 'out', out, this.parameterCount);
    this.primal(params, inputs);
    this.foldedBackProjection(this.scratch.ensure(n)[1], inputs.x, n, cotangent, params, out);
  }

  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'weights', weights, n);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, this.parameterCount);
    this.primal(params, inputs);
    this.foldedBackProjection(this.scratch.ensure(n)[1], inputs.x, n, weights, vector, out);
  }

  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, n);
    this.primal(params, inputs);
    const m = this.width;
    const d = this.inputDim;
    const r = this.wide;
    const wOffset = this.wBlockOffset;
    for (let i = 0; i < m; i++) {
      const da = vector[i];
      const row = i * d;
      for (let j = 0; j < d; j++) r[row + j] = da * vector[wOffset + row + j];
    }
    this.rowProducts(this.scratch.ensure(n)[1], r, inputs.x, n, this.twiceJointScale, out);
  }

  /**
   * J at (params, inputs) for many products: θ(Z) and copies of θ and X are kept, so each product
   * is one gemm plus O((n + M)·d). Agrees exactly with jvp/vjp at the same arguments. The returned
   * object is reused by the next `linearize` call (which replaces what it holds); other calls do
   * not disturb it, and it stays a snapshot when θ or X change afterwards.
   */
  linearize(params: FloatArray, inputs: Inputs): LinearizedModel {
    this.check(params, inputs);
    const { n } = inputs;
    this.primal(params, inputs);
    const slopes = this.scratch.ensure(n)[1];
    const lin = (this.linearization ??= this.createLinearization());
    copyInto(slopes, lin.slopes.ensure(n)[0], n * this.width);
    copyInto(params, lin.theta, this.parameterCount);
    copyInto(inputs.x, lin.inputs.ensure(n)[0], n * this.inputDim);
    lin.n = n;
    return lin.linear;
  }

  /**
   * out[0] = fraction of z_ki = wᵢ·x_k/√d ≤ 0 over the n inputs and M units, counted on ReLU(Z)
   * (ReLU(z) ≤ 0 ⇔ z ≤ 0; a NaN counts as not sparse).
   */
  preactivationSparsity(params: FloatArray, inputs: Inputs, out: Float64Array): void {
    this.check(params, inputs);
    this.primal(params, inputs);
    const values = this.scratch.ensure(inputs.n)[0];
    const count = inputs.n * this.width;
    let sparse = 0;
    for (let i = 0; i < count; i++) if (values[i] <= 0) sparse++;
    out[0] = count === 0 ? Number.NaN : sparse / count;
  }

  /** Returns the scratch memory to the kernels; the model must not be used afterwards. */
  dispose(): void {
    this.workspace.release();
  }

  private createLinearization(): MeanFieldLinearization {
    const p = this.parameterCount;
    const lin: MeanFieldLinearization = {
      n: 0,
      theta: new Float64Array(p),
      inputs: new BatchScratch('float64', this.inputDim, 1),
      slopes: new BatchScratch(this.precision, this.width, 1, this.workspace),
      linear: {
        jvp: (tangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'tangent', tangent, p);
          checkLength(NAME, 'out', out, lin.n);
          this.jvpFrom(lin.slopes.ensure(lin.n)[0], lin.theta, lin.inputs.ensure(lin.n)[0], lin.n, tangent, out);
        },
        vjp: (cotangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'cotangent', cotangent, lin.n);
          checkLength(NAME, 'out', out, p);
          this.foldedBackProjection(lin.slopes.ensure(lin.n)[0], lin.inputs.ensure(lin.n)[0], lin.n, cotangent, lin.theta, out);
        },
      },
    };
    return lin;
  }

  private check(params: FloatArray, inputs: Inputs): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    checkInputs(NAME, this.inputDim, inputs);
  }

  /** The exact copy of the W block of the parameters' type (the gemm operand and cache key). */
  private weightCopy(params: FloatArray): FloatArray {
    const length = this.width * this.inputDim;
    if (params instanceof Float64Array) return (this.w64 ??= this.workspace.allocate('float64', length) as Float64Array);
    return (this.w32 ??= this.workspace.allocate('float32', length) as Float32Array);
  }

  /** Makes the scratch hold ReLU(Z) and θ(Z) for (params, inputs), from the cache when W, X and n are unchanged. */
  private primal(params: FloatArray, inputs: Inputs): void {
    const { n, x } = inputs;
    const m = this.width;
    const d = this.inputDim;
    const md = m * d;
    const buffers = this.scratch.ensure(n);
    const values = buffers[0];
    const kinds = (params instanceof Float64Array ? 1 : 0) | (x instanceof Float64Array ? 2 : 0);
    const cachedX = this.cachedInputs.ensure(n)[0];
    const w = this.weightCopy(params);
    const wOffset = this.wBlockOffset;
    if (this.cachedN === n && this.cachedValues === values && this.cachedKinds === kinds) {
      let same = true;
      for (let i = 0; i < md; i++) {
        if (w[i] !== params[wOffset + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        const nd = n * d;
        for (let i = 0; i < nd; i++) {
          if (cachedX[i] !== x[i]) {
            same = false;
            break;
          }
        }
      }
      if (same) return;
    }
    this.cachedN = -1;
    for (let i = 0; i < md; i++) w[i] = params[wOffset + i];
    gemmActivation(false, true, n, m, d, this.inputScale, x, w, values, buffers[1], 'relu', 0);
    copyInto(x, cachedX, n * d);
    this.cachedN = n;
    this.cachedValues = values;
    this.cachedKinds = kinds;
  }

  /** out_k = c Σᵢ ReLU(z_ki) aᵢ: one gemv on a copy of a when it has the scratch precision, else a float64 loop. */
  private outputs(values: FloatArray, params: FloatArray, n: number, out: FloatArray): void {
    const m = this.width;
    const scale = this.outputScale;
    if (params instanceof Float64Array === values instanceof Float64Array) {
      const a = this.vector;
      for (let i = 0; i < m; i++) a[i] = params[i];
      gemv(false, n, m, scale, values, a, 0, out);
      return;
    }
    for (let k = 0; k < n; k++) {
      const row = k * m;
      let sum = 0;
      for (let i = 0; i < m; i++) sum += values[row + i] * params[i];
      out[k] = scale * sum;
    }
  }

  /** out = J·tangent: out_k = c s x_k·(S R)_k with R_i = aᵢ δwᵢ + δaᵢ wᵢ. */
  private jvpFrom(slopes: FloatArray, theta: FloatArray, x: FloatArray, n: number, tangent: FloatArray, out: FloatArray): void {
    const m = this.width;
    const d = this.inputDim;
    const wOffset = this.wBlockOffset;
    const r = this.wide;
    for (let i = 0; i < m; i++) {
      const da = tangent[i];
      const a = theta[i];
      const row = i * d;
      const start = wOffset + row;
      for (let j = 0; j < d; j++) r[row + j] = da * theta[start + j] + a * tangent[start + j];
    }
    this.rowProducts(slopes, r, x, n, this.jointScale, out);
  }

  /**
   * Q = c s Sᵀ diag(weights) X (M×d), then out_wᵢ = ϑ_aᵢ Qᵢ and out_aᵢ = ϑ_wᵢ·Qᵢ, with ϑ = params
   * (vjp) or the direction (hvp).
   */
  private foldedBackProjection(slopes: FloatArray, x: FloatArray, n: number, weights: FloatArray, theta: FloatArray, out: FloatArray): void {
    const m = this.width;
    const d = this.inputDim;
    const wOffset = this.wBlockOffset;
    const g = this.narrow.ensure(n)[0];
    for (let k = 0; k < n; k++) {
      const wk = weights[k];
      const row = k * d;
      for (let j = 0; j < d; j++) g[row + j] = wk * x[row + j];
    }
    const q = this.back;
    gemm(true, false, m, d, n, this.jointScale, slopes, g, 0, q);
    for (let i = 0; i < m; i++) {
      const a = theta[i];
      const row = i * d;
      const start = wOffset + row;
      let sum = 0;
      for (let j = 0; j < d; j++) {
        const value = q[row + j];
        sum += theta[start + j] * value;
        out[start + j] = a * value;
      }
      out[i] = sum;
    }
  }

  /** out_k = scale · x_k·(S R)_k: one gemm (n×d). */
  private rowProducts(s: FloatArray, r: FloatArray, x: FloatArray, n: number, scale: number, out: FloatArray): void {
    const d = this.inputDim;
    const product = this.narrow.ensure(n)[0];
    gemm(false, false, n, d, this.width, 1, s, r, 0, product);
    rowDots(x, product, n, d, scale, out);
  }
}

/** The model-owned state behind `MeanFieldTwoLayerModel.linearize`. */
interface MeanFieldLinearization {
  n: number;
  /** Copies of θ and X (float64, exact) and of θ(Z). */
  readonly theta: Float64Array;
  readonly inputs: BatchScratch;
  readonly slopes: BatchScratch;
  readonly linear: LinearizedModel;
}
