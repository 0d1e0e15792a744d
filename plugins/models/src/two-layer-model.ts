import type { DifferentiableModel, Inputs, LinearizedModel, ParameterBlock } from '@tdlab/core';
import { type FloatArray, gemm, gemmActivation, gemv, KernelWorkspace, PackedGemmOperand, type Precision, type Rng } from '@tdlab/tensor';
import { Activation, type ActivationName } from './activation.js';
import { BatchScratch, checkInputs, checkLength, copyInto, rowDots } from './internal.js';

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
 * The primal pass (one gemm for Z, then one fused element-wise pass giving σ(Z), σ'(Z) and, for
 * forward, the outputs) is shared by every product. With S = σ'(Z) (n×m), G = diag(g) X (n×d) and
 * R a per-neuron combination of rows of U (m×d), the products reduce to one gemm each:
 *   vjp:  out_u,i = c s vᵢ Qᵢ,  Q = Sᵀ G                  (m×d)
 *   jvp:  out_k = c s x_k·(S R)_k,  R_i = vᵢ δuᵢ (+ δvᵢ uᵢ)   (S R, n×d)
 * For the piecewise-linear activations σ(z) = z σ'(z), so σ(z_ki) = s σ'(z_ki) uᵢ·x_k and the
 * v-block terms fold into the same gemm: out_v,i = c s uᵢ·Qᵢ in the vjp and the δvᵢ uᵢ term of R in
 * the jvp. No n×m pass is made beyond the primal one; the work per product is one gemm of
 * n·m·d multiply-adds plus O((n + m)·d). tanh keeps the σ(Z) terms as n×m passes.
 *
 * Primal cache: σ(Z) and σ'(Z) depend only on U and X, and the trainer calls forward then vjp at
 * the same θ. The model therefore keeps a copy of the U block and of X (float64, exact) next to
 * the primal buffers, and reuses them when a later call has the same n, the same array types and
 * equal values (a compare of (m + n)·d numbers, n or m times cheaper than the gemm it saves). The
 * key is the values, never the array's identity: parameters are updated in place. Results are the
 * same whether the cache hit or not (up to the sign of an exact zero), so every product stays a
 * pure function of its arguments. Scratch matrices grow to the largest batch seen.
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
  /** c·s and 2·c·s, kept as fields: a double computed at a call site is boxed (16 B) when passed on. */
  private readonly jointScale: number;
  private readonly twiceJointScale: number;
  /** σ'' ≠ 0 (tanh): the second-order products need the n×m work matrix and σ(Z) terms. */
  private readonly curved: boolean;
  private readonly precision: Precision;
  /** n×m: values σ(Z), slopes σ'(Z) and, for a curved activation, one work matrix. */
  private readonly scratch: BatchScratch;
  /** n×d: G = diag(g) X, or the product S R. */
  private readonly narrow: BatchScratch;
  /** m×d: R, the per-neuron combination of rows of U and of the tangent. */
  private readonly wide: FloatArray;
  /** m: column sums accumulated in float64. */
  private readonly columns: Float64Array;
  /** An m-vector in the scratch precision (a copy of v or δv for gemv, or Σ_k g_k σ(z_k)). */
  private readonly vector: FloatArray;
  /** The primal cache key: a copy of the U block, and of X (n·d) in `cachedInputs`. */
  private readonly cachedU: Float64Array;
  private readonly cachedInputs: BatchScratch;
  /** n of the cached primal, −1 when nothing is cached. */
  private cachedN = -1;
  /** The values buffer the cache was computed into (a grown scratch invalidates it). */
  private cachedValues: FloatArray | undefined;
  /** Which of params and x were float64 (the gemm may dispatch on the array types). */
  private cachedKinds = 0;
  private linearization: TwoLayerLinearization | undefined;
  private readonly workspace = new KernelWorkspace();

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
    this.jointScale = this.outputScale * this.inputScale;
    this.twiceJointScale = 2 * this.jointScale;
    this.curved = !this.activation.piecewiseLinear;
    this.precision = options.precision ?? 'float64';
    // The n×m and m×d matrices every product passes to gemm live in the kernels' memory, so the
    // products use them in place (no copy in or out per call).
    this.scratch = new BatchScratch(this.precision, width, this.curved ? 3 : 2, this.workspace);
    this.narrow = new BatchScratch(this.precision, inputDim, 1, this.workspace);
    this.wide = this.workspace.allocate(this.precision, width * inputDim);
    this.vector = this.workspace.allocate(this.precision, width);
    this.columns = new Float64Array(width);
    this.cachedU = new Float64Array(width * inputDim);
    this.cachedInputs = new BatchScratch('float64', inputDim, 1);
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
    checkLength(NAME, 'out', out, inputs.n);
    this.primal(params, inputs, out);
  }

  /** out_k = c Σᵢ [δvᵢ σ(z_ki) + vᵢ σ'(z_ki) s (δuᵢ·x_k)]. */
  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, n);
    this.primal(params, inputs, undefined);
    const buffers = this.scratch.ensure(n);
    this.jvpFrom(buffers[0], buffers[1], params, inputs.x, n, tangent, out);
  }

  /** out_v,i = c Σ_k g_k σ(z_ki); out_u,i = c s vᵢ Σ_k g_k σ'(z_ki) x_k. */
  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'cotangent', cotangent, n);
    checkLength(NAME, 'out', out, this.parameterCount);
    this.primal(params, inputs, undefined);
    const buffers = this.scratch.ensure(n);
    this.vjpFrom(buffers[0], buffers[1], params, inputs.x, n, cotangent, out);
  }

  /**
   * out = Σ_k w_k ∇²f_k·δθ with P_ki = s (δuᵢ·x_k):
   *   out_v,i = c Σ_k w_k σ'(z_ki) P_ki,
   *   out_u,i = c s Σ_k w_k [σ'(z_ki) δvᵢ + vᵢ σ''(z_ki) P_ki] x_k.
   * Piecewise linear (σ'' = 0): with Q = σ'(Z)ᵀ diag(w) X, out_v,i = c s δuᵢ·Qᵢ and
   * out_u,i = c s δvᵢ Qᵢ, one gemm.
   */
  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'weights', weights, n);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, this.parameterCount);
    this.primal(params, inputs, undefined);
    const m = this.width;
    const d = this.inputDim;
    const x = inputs.x;
    const buffers = this.scratch.ensure(n);
    const slopes = buffers[1];
    const { vOffset, outputScale, inputScale } = this;
    if (!this.curved) {
      this.foldedBackProjection(slopes, x, n, weights, vector, out);
      return;
    }
    const values = buffers[0];
    const work = buffers[2];
    gemm(false, true, n, m, d, inputScale, x, vector, 0, work); // P = s X δUᵀ
    const columns = this.columns;
    columns.fill(0);
    for (let k = 0; k < n; k++) {
      const row = k * m;
      const w = weights[k];
      for (let i = 0; i < m; i++) {
        const slope = slopes[row + i];
        const pki = work[row + i];
        // σ'' = −2σσ' for tanh, the only curved activation.
        const curvature = -2 * values[row + i] * slope;
        columns[i] += w * slope * pki;
        work[row + i] = w * (slope * vector[vOffset + i] + params[vOffset + i] * curvature * pki);
      }
    }
    gemm(true, false, m, d, n, this.jointScale, work, x, 0, out);
    for (let i = 0; i < m; i++) out[vOffset + i] = outputScale * columns[i];
  }

  /**
   * out_k = c Σᵢ P_ki [2 σ'(z_ki) δvᵢ + vᵢ σ''(z_ki) P_ki]. Piecewise linear: out_k = 2 c s x_k·(S R)_k
   * with R_i = δvᵢ δuᵢ, one gemm.
   */
  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, n);
    this.primal(params, inputs, undefined);
    const m = this.width;
    const d = this.inputDim;
    const x = inputs.x;
    const buffers = this.scratch.ensure(n);
    const slopes = buffers[1];
    const { vOffset, outputScale, inputScale } = this;
    if (!this.curved) {
      const r = this.wide;
      for (let i = 0; i < m; i++) {
        const a = vector[vOffset + i];
        const row = i * d;
        for (let j = 0; j < d; j++) r[row + j] = a * vector[row + j];
      }
      this.rowProducts(slopes, r, x, n, this.twiceJointScale, out);
      return;
    }
    const values = buffers[0];
    const work = buffers[2];
    gemm(false, true, n, m, d, inputScale, x, vector, 0, work); // P = s X δUᵀ
    for (let k = 0; k < n; k++) {
      const row = k * m;
      let sum = 0;
      for (let i = 0; i < m; i++) {
        const pki = work[row + i];
        const slope = slopes[row + i];
        const curvature = -2 * values[row + i] * slope;
        sum += pki * (2 * slope * vector[vOffset + i] + params[vOffset + i] * curvature * pki);
      }
      out[k] = outputScale * sum;
    }
  }

  /**
   * J at (params, inputs) for many products (a Lanczos run): σ(Z) and σ'(Z) are computed (or taken
   * from the primal cache) once, with copies of θ and X, so each product is one gemm plus
   * O((n + m)·d). Agrees exactly with jvp/vjp at the same arguments.
   *
   * The returned object and its buffers belong to the model and are reused: the next `linearize`
   * call on this model replaces what it holds (invalidating the previous linearization); other
   * calls (forward, vjp, … on any inputs) do not disturb it. It is a snapshot: it keeps J at the θ
   * and X it was made with, even if those arrays change afterwards.
   */
  linearize(params: FloatArray, inputs: Inputs): LinearizedModel {
    this.check(params, inputs);
    const { n } = inputs;
    const m = this.width;
    const d = this.inputDim;
    this.primal(params, inputs, undefined);
    const source = this.scratch.ensure(n);
    const lin = (this.linearization ??= this.createLinearization());
    const own = lin.matrices.ensure(n);
    const count = n * m;
    copyInto(source[1], own[0], count);
    if (this.curved) copyInto(source[0], own[1], count);
    copyInto(params, lin.theta, this.parameterCount);
    copyInto(inputs.x, lin.inputs.ensure(n)[0], n * d);
    lin.n = n;
    // σ'(Z) is the left operand of both products of every jvp/vjp until the next linearize: pack
    // it once for each (S for the jvp's S·R, c s Sᵀ for the vjp's back-projection).
    lin.packed?.rows.release();
    lin.packed?.columns.release();
    lin.packed = {
      rows: PackedGemmOperand.pack(false, n, m, 1, own[0]),
      columns: PackedGemmOperand.pack(true, m, n, this.jointScale, own[0]),
    };
    return lin.linear;
  }

  private createLinearization(): TwoLayerLinearization {
    const p = this.parameterCount;
    const lin: TwoLayerLinearization = {
      n: 0,
      packed: undefined,
      theta: new Float64Array(p),
      inputs: new BatchScratch('float64', this.inputDim, 1),
      // σ'(Z), then σ(Z) for a curved activation.
      matrices: new BatchScratch(this.precision, this.width, this.curved ? 2 : 1, this.workspace),
      linear: {
        jvp: (tangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'tangent', tangent, p);
          checkLength(NAME, 'out', out, lin.n);
          const own = lin.matrices.ensure(lin.n);
          this.jvpFrom(this.curved ? own[1] : own[0], own[0], lin.theta, lin.inputs.ensure(lin.n)[0], lin.n, tangent, out, lin.packed);
        },
        vjp: (cotangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'cotangent', cotangent, lin.n);
          checkLength(NAME, 'out', out, p);
          const own = lin.matrices.ensure(lin.n);
          this.vjpFrom(this.curved ? own[1] : own[0], own[0], lin.theta, lin.inputs.ensure(lin.n)[0], lin.n, cotangent, out, lin.packed);
        },
      },
    };
    return lin;
  }

  readonly hiddenLayers: readonly string[] = ['hidden'];

  /**
   * out[0] = fraction of z_ki = uᵢ·x_k/√d ≤ 0. Counted on σ(Z) from the primal pass: every activation
   * here is sign-preserving with σ(0) = 0 (ReLU's σ(z) = 0 exactly when z ≤ 0), so σ(z) ≤ 0 ⇔ z ≤ 0.
   */
  preactivationSparsity(params: FloatArray, inputs: Inputs, out: Float64Array): void {
    this.check(params, inputs);
    this.primal(params, inputs, undefined);
    const values = this.scratch.ensure(inputs.n)[0];
    const count = inputs.n * this.width;
    let sparse = 0;
    for (let i = 0; i < count; i++) if (values[i] <= 0) sparse++;
    out[0] = count === 0 ? Number.NaN : sparse / count;
  }

  /** Returns the model's scratch memory to the kernels; the model must not be used afterwards. */
  dispose(): void {
    this.linearization?.packed?.rows.release();
    this.linearization?.packed?.columns.release();
    this.workspace.release();
  }

  private check(params: FloatArray, inputs: Inputs): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    checkInputs(NAME, this.inputDim, inputs);
  }

  /**
   * Makes the scratch values and slopes hold σ(Z) and σ'(Z) for (params, inputs), from the cache
   * when U, X and n are unchanged, and writes forward outputs to `out` when given (in the same
   * pass as the activation on a miss, in one pass over σ(Z) on a hit).
   */
  private primal(params: FloatArray, inputs: Inputs, out: FloatArray | undefined): void {
    const { n, x } = inputs;
    const m = this.width;
    const d = this.inputDim;
    const buffers = this.scratch.ensure(n);
    const values = buffers[0];
    const kinds = (params instanceof Float64Array ? 1 : 0) | (x instanceof Float64Array ? 2 : 0);
    const cachedX = this.cachedInputs.ensure(n)[0];
    const { vOffset, outputScale } = this;
    if (
      this.cachedN === n &&
      this.cachedValues === values &&
      this.cachedKinds === kinds &&
      firstDifference(this.cachedU, params, m * d) === m * d &&
      firstDifference(cachedX, x, n * d) === n * d
    ) {
      if (out) this.outputs(values, params, n, out);
      return;
    }
    this.cachedN = -1;
    const activation = this.activation;
    if (activation.name === 'tanh') {
      gemm(false, true, n, m, d, this.inputScale, x, params, 0, values);
      activation.evaluate(values, buffers[1], n, m, params, vOffset, outputScale, undefined);
      if (out) this.outputs(values, params, n, out);
    } else {
      // Z, σ(Z) and σ'(Z) in one call: the activation pass runs in the WASM kernels' memory right
      // after the product (see gemmActivation in @tdlab/tensor), bit-identical to activation.evaluate.
      gemmActivation(false, true, n, m, d, this.inputScale, x, params, values, buffers[1], activation.name, activation.leakySlope);
      if (out) this.outputs(values, params, n, out);
    }
    copyInto(params, this.cachedU, m * d);
    copyInto(x, cachedX, n * d);
    this.cachedN = n;
    this.cachedValues = values;
    this.cachedKinds = kinds;
  }

  /**
   * out = J·tangent from σ(Z) (`values`), σ'(Z) (`slopes`), θ and X:
   * out_k = c s x_k·(S R)_k with R_i = vᵢ δuᵢ, plus δvᵢ uᵢ when σ(z) = z σ'(z) (piecewise linear),
   * else plus c (σ(Z) δv)_k.
   */
  private jvpFrom(
    values: FloatArray,
    slopes: FloatArray,
    theta: FloatArray,
    x: FloatArray,
    n: number,
    tangent: FloatArray,
    out: FloatArray,
    packed?: PackedSlopes,
  ): void {
    const m = this.width;
    const d = this.inputDim;
    const { vOffset, outputScale } = this;
    const r = this.wide;
    if (!this.curved) {
      for (let i = 0; i < m; i++) {
        const a = tangent[vOffset + i];
        const b = theta[vOffset + i];
        const row = i * d;
        for (let j = 0; j < d; j++) r[row + j] = a * theta[row + j] + b * tangent[row + j];
      }
      this.rowProducts(slopes, r, x, n, this.jointScale, out, packed?.rows);
      return;
    }
    for (let i = 0; i < m; i++) {
      const b = theta[vOffset + i];
      const row = i * d;
      for (let j = 0; j < d; j++) r[row + j] = b * tangent[row + j];
    }
    this.rowProducts(slopes, r, x, n, this.jointScale, out, packed?.rows);
    this.outputs(values, tangent, n, out, 1);
  }

  /**
   * out_k = c·Σᵢ σ(z_ki)·vector[vOffset + i] (+ beta·out_k): the forward outputs from σ(Z) as stored
   * (vector = θ), or the δv term of a jvp. One gemv on a copy of the v block when it has the scratch
   * precision (the SIMD kernel, not a serial chain of additions); otherwise the exact mixed-precision loop.
   */
  private outputs(values: FloatArray, vector: FloatArray, n: number, out: FloatArray, beta: 0 | 1 = 0): void {
    const m = this.width;
    const { vOffset, outputScale } = this;
    if (vector instanceof Float64Array === values instanceof Float64Array) {
      const v = this.vector;
      for (let i = 0; i < m; i++) v[i] = vector[vOffset + i];
      gemv(false, n, m, outputScale, values, v, beta, out);
      return;
    }
    mixedRowDots(values, vector, vOffset, n, m, outputScale, out, beta);
  }

  /**
   * out = Jᵀ·g: Q = c s σ'(Z)ᵀ diag(g) X into out_u, then out_u,i = vᵢ Qᵢ and out_v,i = uᵢ·Qᵢ
   * (piecewise linear) or c Σ_k g_k σ(z_ki) (curved).
   */
  private vjpFrom(
    values: FloatArray,
    slopes: FloatArray,
    theta: FloatArray,
    x: FloatArray,
    n: number,
    cotangent: FloatArray,
    out: FloatArray,
    packed?: PackedSlopes,
  ): void {
    if (!this.curved) {
      this.foldedBackProjection(slopes, x, n, cotangent, theta, out, packed?.columns);
      return;
    }
    const m = this.width;
    const d = this.inputDim;
    const { vOffset, outputScale } = this;
    this.backProject(slopes, x, n, cotangent, out, packed?.columns);
    for (let i = 0; i < m; i++) {
      const b = theta[vOffset + i];
      const row = i * d;
      for (let j = 0; j < d; j++) out[row + j] *= b;
    }
    // out_v = c σ(Z)ᵀ g: one transposed gemv into the scratch vector (out's v block is a slice).
    const columns = this.vector;
    gemv(true, n, m, outputScale, values, cotangent, 0, columns);
    for (let i = 0; i < m; i++) out[vOffset + i] = columns[i];
  }

  /**
   * The shared shape of the piecewise-linear vjp and hvp: Q = c s Sᵀ diag(w) X (m×d) into out_u,
   * then out_v,i = θ_u,i·Qᵢ and out_u,i = θ_v,i Qᵢ, with θ = params (vjp) or the direction (hvp).
   */
  private foldedBackProjection(
    slopes: FloatArray,
    x: FloatArray,
    n: number,
    w: FloatArray,
    theta: FloatArray,
    out: FloatArray,
    packed?: PackedGemmOperand,
  ): void {
    const m = this.width;
    const d = this.inputDim;
    const vOffset = this.vOffset;
    this.backProject(slopes, x, n, w, out, packed);
    for (let i = 0; i < m; i++) {
      const b = theta[vOffset + i];
      const row = i * d;
      let sum = 0;
      for (let j = 0; j < d; j++) {
        const q = out[row + j];
        sum += theta[row + j] * q;
        out[row + j] = b * q;
      }
      out[vOffset + i] = sum;
    }
  }

  /** out[0, m·d) = c s Sᵀ diag(w) X for an n×m matrix S: G = diag(w) X, then one gemm (S prepacked as c s Sᵀ when given). */
  private backProject(s: FloatArray, x: FloatArray, n: number, w: FloatArray, out: FloatArray, packed?: PackedGemmOperand): void {
    const d = this.inputDim;
    const g = this.narrow.ensure(n)[0];
    for (let k = 0; k < n; k++) {
      const wk = w[k];
      const row = k * d;
      for (let j = 0; j < d; j++) g[row + j] = wk * x[row + j];
    }
    if (packed) packed.multiply(false, d, g, 0, out);
    else gemm(true, false, this.width, d, n, this.jointScale, s, g, 0, out);
  }

  /** out_k = scale · x_k·(S R)_k for an n×m matrix S and the m×d matrix R: one gemm (n×d), S prepacked when given. */
  private rowProducts(s: FloatArray, r: FloatArray, x: FloatArray, n: number, scale: number, out: FloatArray, packed?: PackedGemmOperand): void {
    const d = this.inputDim;
    const product = this.narrow.ensure(n)[0];
    if (packed) packed.multiply(false, d, r, 0, product);
    else gemm(false, false, n, d, this.width, 1, s, r, 0, product);
    rowDots(x, product, n, d, scale, out);
  }
}

/** σ'(Z) packed for the two products of a linearization: S (n×m) and c s Sᵀ (m×n). */
interface PackedSlopes {
  readonly rows: PackedGemmOperand;
  readonly columns: PackedGemmOperand;
}

/** The model-owned state behind `TwoLayerModel.linearize`. */
interface TwoLayerLinearization {
  n: number;
  packed: PackedSlopes | undefined;
  /** Copies of θ and X (float64, exact). */
  readonly theta: Float64Array;
  readonly inputs: BatchScratch;
  readonly matrices: BatchScratch;
  readonly linear: LinearizedModel;
}

/**
 * out_k = scale·Σᵢ values[k·m + i]·vector[vOffset + i] (+ out_k when beta = 1), summed in float64:
 * the exact path of `outputs` when σ(Z) and the vector have different precisions (the same-type
 * cases go through gemv).
 */
function mixedRowDots(values: FloatArray, vector: FloatArray, vOffset: number, n: number, m: number, scale: number, out: FloatArray, beta: 0 | 1): void {
  for (let k = 0; k < n; k++) {
    const row = k * m;
    let sum = 0;
    for (let i = 0; i < m; i++) sum += values[row + i] * vector[vOffset + i];
    out[k] = beta === 0 ? scale * sum : out[k] + scale * sum;
  }
}

/** The first index below `length` where a and b differ (NaN differs from itself), or `length`. */
function firstDifference(a: FloatArray, b: FloatArray, length: number): number {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return length;
}
