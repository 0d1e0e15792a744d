import type { DifferentiableModel, Inputs, LinearizedModel, ParameterBlock } from '@tdlab/core';
import { type FloatArray, gemm, gemv, type Precision, type Rng } from '@tdlab/tensor';
import { BatchScratch, checkInputs, checkLength } from './internal.js';
import { skewSymmetricExponential } from './skew-exponential.js';

/** The element-wise activation g of the meta-feature function ψ(x) = g(d^{-1/2} Σᵢ xᵢWᵢ). */
export type MetaActivation = 'identity' | 'tanh' | 'relu' | 'leaky-relu';

export interface PureQuadraticStructureOptions {
  /** Input dimension d (one meta-feature matrix Wᵢ per input feature). */
  readonly inputDim: number;
  /** n, the rank of the meta-feature function (even: the eigenvalues come in ± pairs). */
  readonly width: number;
  /** n_f, the dimension of the linear feature map φ(x) = Uᵀx/(√d·√n_f); 0 (default) for none. */
  readonly features?: number;
  /** The positive eigenvalues s_a of each Wᵢ are drawn from U[low, high]; default [1, 1] (all |s| = 1). */
  readonly eigenvalueRange?: readonly [number, number];
}

/**
 * The fixed random parts of Meltzer et al.'s quadratic model (papers.md §2): the meta-feature matrices
 * Wᵢ = Qᵢ diag(s_1 … s_{n/2}, −s_1 … −s_{n/2}) Qᵢᵀ with Qᵢ = exp((Bᵢ − Bᵢᵀ)/√2), B ~ N(0, 1), and the
 * feature matrix U ~ N(0, 1) (d×n_f). A teacher and its students share one structure.
 */
export interface PureQuadraticStructure {
  readonly inputDim: number;
  readonly width: number;
  readonly features: number;
  /** W_1 … W_d, each n×n symmetric, row-major, one after another (d·n² entries). */
  readonly meta: Float64Array;
  /** U, d×n_f row-major. */
  readonly featureMatrix: Float64Array;
}

/**
 * Draws a structure from `rng`, in a fixed order: for each input feature i, Bᵢ (n² normals, row-major)
 * then the n/2 positive eigenvalues (uniforms, drawn even when low = high); then U (d·n_f normals).
 * The same `rng` state and options give the same structure bit for bit (teacher and student draw it
 * from the same named stream, `rng('meta-features')`).
 */
export function drawPureQuadraticStructure(rng: Rng, options: PureQuadraticStructureOptions): PureQuadraticStructure {
  const { inputDim: d, width: n } = options;
  const features = options.features ?? 0;
  const [low, high] = options.eigenvalueRange ?? [1, 1];
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`${NAME}: inputDim must be a positive integer, got ${d}`);
  if (!Number.isSafeInteger(n) || n < 2 || n % 2 !== 0) {
    throw new RangeError(`${NAME}: width must be an even integer ≥ 2 (the eigenvalues of Wᵢ come in ± pairs), got ${n}`);
  }
  if (!Number.isSafeInteger(features) || features < 0) throw new RangeError(`${NAME}: features must be a non-negative integer, got ${features}`);
  if (!(Number.isFinite(low) && Number.isFinite(high) && 0 <= low && low <= high)) {
    throw new RangeError(`${NAME}: eigenvalueRange must be [low, high] with 0 ≤ low ≤ high, got [${low}, ${high}]`);
  }
  const meta = new Float64Array(d * n * n);
  const b = new Float64Array(n * n);
  const eigenvalues = new Float64Array(n / 2);
  for (let i = 0; i < d; i++) {
    rng.fillNormal(b);
    rng.fillUniform(eigenvalues, low, high);
    meta.set(metaMatrix(b, eigenvalues, n), i * n * n);
  }
  const featureMatrix = new Float64Array(d * features);
  rng.fillNormal(featureMatrix);
  return { inputDim: d, width: n, features, meta, featureMatrix };
}

/**
 * Kept indices of a random mask: `total − masked` distinct indices of [0, total), sorted, drawn by a
 * Fisher–Yates shuffle of 0 … total − 1 (the student of Meltzer et al.'s teacher–student set-up).
 */
export function drawKeptIndices(rng: Rng, total: number, masked: number): Int32Array {
  if (!Number.isSafeInteger(masked) || masked < 0 || masked > total) {
    throw new RangeError(`${NAME}: cannot mask ${masked} of ${total} features`);
  }
  const order = Int32Array.from({ length: total }, (_, i) => i);
  if (masked > 0) rng.shuffle(order);
  return order.slice(0, total - masked).sort();
}

export interface PureQuadraticModelOptions {
  readonly structure: PureQuadraticStructure;
  /** g, applied entry-wise to d^{-1/2} Σᵢ xᵢWᵢ; default identity. */
  readonly activation?: MetaActivation;
  /** Negative-side slope of leaky-relu (default 0.01). */
  readonly leakySlope?: number;
  /** The meta-features the model keeps (a student's mask), distinct, in [0, n); default all. */
  readonly metaIndices?: ArrayLike<number>;
  /** The linear features it keeps, distinct, in [0, n_f); default all. */
  readonly featureIndices?: ArrayLike<number>;
  /** Precision of the per-batch ψ(x) and ψ(x)θ buffers; default float64. */
  readonly precision?: Precision;
}

const NAME = 'pure-quadratic';

/**
 * Meltzer et al.'s quadratic model (papers.md §2, code `david-meltzer/quadratic_model`):
 *
 *   z(x) = θ_fᵀφ(x) + (ζ/2) θᵀψ(x)θ,   ζ = (n_s/2)^{-1/2},   θ ~ N(0, I_{n_s}), θ_f ~ N(0, I),
 *   ψ(x) = g(d^{-1/2} Σᵢ xᵢ Wᵢ)  (n_s×n_s, the kept rows and columns),  φ(x) = Uᵀx/(√d·√n_f),
 *
 * with n_s the number of kept meta-features (n without a mask; the student's ζ uses its own n_s and
 * φ keeps the teacher's 1/√n_f, as in the authors' code). Without features (n_f = 0) it is the pure
 * quadratic model z = (ζ/2)θᵀψθ. Blocks: "theta" (θ, offset 0) and, with features, "theta_f".
 *
 * ψ(x) is symmetric, so ∇_θ z = ζψ(x)θ, ∇_{θ_f} z = φ(x) and the Hessian is the constant ζψ(x)
 * (zero on θ_f); the NTK is K_ab = ζ² θᵀψ(x_a)ψ(x_b)θ + φ(x_a)·φ(x_b). Every product goes through
 * P = [ψ(x_1)θ; …; ψ(x_B)θ] (B×n_s) and Φ (B×n_f, one gemm per batch), cached on the values of X and θ
 * (never on array identity). With P_k = ψ(x_k)θ:
 *   forward  z_k = (ζ/2) θ·P_k + θ_f·φ_k     jvp  ζ P_k·t + φ_k·t_f      (O(B·(n_s + n_f)) given P)
 *   vjp      (ζ Σ_k u_k P_k, Σ_k u_k φ_k)    hvp  (ζ Σ_k w_k ψ_k v, 0)     secondDirectional  ζ vᵀψ_k v.
 * How P and the Hessian products are formed depends on g:
 * - g = identity (the default): ψ is linear in x, so P = d^{-1/2} X [W_1θ; …; W_dθ] and
 *   Σ_k w_k ψ_k v = d^{-1/2} Σᵢ (Σ_k w_k x_ki) Wᵢv: one pass over the d kept Wᵢ (d·n_s²) per new θ or
 *   per Hessian product, whatever the batch size, and no per-batch matrices at all.
 * - any other g: the model precomputes Ψ = [ψ(x_1); …; ψ(x_B)] per batch (B·n_s² numbers, one gemm
 *   X·W then g entry-wise), cached on X; P and the Hessian products are then one pass over Ψ.
 * The trainer's forward then vjp at one θ cost one such pass; nothing p×p is formed beyond ψ itself.
 */
export class PureQuadraticModel implements DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly blocks: readonly ParameterBlock[];
  /** n_s, the number of meta-features kept (the length of θ). */
  readonly width: number;
  /** The number of linear features kept (the length of θ_f). */
  readonly featureCount: number;
  readonly zeta: number;
  readonly activation: MetaActivation;
  readonly leakySlope: number;
  readonly metaIndices: Int32Array;
  readonly featureIndices: Int32Array;
  /** ζ/2, kept as a field (a double computed at a call site is boxed when passed on). */
  private readonly halfZeta: number;
  /** d^{-1/2} */
  private readonly inputScale: number;
  /** The kept principal submatrices of W_1 … W_d, d × n_s² row-major (a d×n_s² matrix). */
  private readonly metaMatrices: Float64Array;
  /** U's kept columns times 1/(√d·√n_f), d×featureCount. */
  private readonly featureMatrix: Float64Array;
  /** g = identity: ψ is linear in x and Ψ is never formed. */
  private readonly linearMeta: boolean;
  /** B·n_s² (non-identity g only): Ψ, the batch's ψ(x_k). */
  private readonly psi: BatchScratch;
  private readonly phi: BatchScratch;
  private readonly psiTheta: BatchScratch;
  /** B×n_s float64: Ψv for hvp and secondDirectional (non-identity g). */
  private readonly work: BatchScratch;
  /** d·n_s float64: [W_1θ; …; W_dθ] (identity g) and [W_1v; …] for the Hessian products. */
  private readonly metaTheta: Float64Array;
  private readonly metaVector: Float64Array;
  /** d float64: Σ_k w_k x_ki, or vᵀWᵢv. */
  private readonly coefficients: Float64Array;
  /** The cache key of Ψ and Φ: a float64 copy of X. */
  private readonly cachedInputs: BatchScratch;
  private cachedN = -1;
  private cachedPsi: FloatArray | undefined;
  /** The cache key of P (valid while `psiThetaValid`, with X the cached inputs): a copy of θ. */
  private readonly cachedTheta: Float64Array;
  private psiThetaValid = false;
  private linearization: PureQuadraticLinearization | undefined;

  constructor(options: PureQuadraticModelOptions) {
    const { structure } = options;
    const { inputDim: d, width: n, features } = structure;
    if (structure.meta.length !== d * n * n || structure.featureMatrix.length !== d * features) {
      throw new RangeError(`${NAME}: the structure's arrays do not match d = ${d}, n = ${n}, n_f = ${features}`);
    }
    this.activation = options.activation ?? 'identity';
    if (!['identity', 'tanh', 'relu', 'leaky-relu'].includes(this.activation)) {
      throw new RangeError(`${NAME}: unknown activation ${String(this.activation)}`);
    }
    this.leakySlope = options.leakySlope ?? 0.01;
    this.metaIndices = checkIndices('metaIndices', options.metaIndices, n);
    this.featureIndices = checkIndices('featureIndices', options.featureIndices, features);
    if (this.metaIndices.length === 0) throw new RangeError(`${NAME}: the model must keep at least one meta-feature`);
    const ns = this.metaIndices.length;
    const nf = this.featureIndices.length;
    this.inputDim = d;
    this.width = ns;
    this.featureCount = nf;
    this.zeta = Math.sqrt(2 / ns);
    this.halfZeta = this.zeta / 2;
    this.inputScale = 1 / Math.sqrt(d);
    this.parameterCount = ns + nf;
    this.blocks =
      nf > 0
        ? [
            { name: 'theta', offset: 0, length: ns, shape: [ns] },
            { name: 'theta_f', offset: ns, length: nf, shape: [nf] },
          ]
        : [{ name: 'theta', offset: 0, length: ns, shape: [ns] }];
    this.metaMatrices = new Float64Array(d * ns * ns);
    for (let i = 0; i < d; i++) {
      for (let a = 0; a < ns; a++) {
        const source = i * n * n + this.metaIndices[a] * n;
        const target = i * ns * ns + a * ns;
        for (let b = 0; b < ns; b++) this.metaMatrices[target + b] = structure.meta[source + this.metaIndices[b]];
      }
    }
    this.featureMatrix = new Float64Array(d * nf);
    const featureScale = features > 0 ? 1 / Math.sqrt(d * features) : 0;
    for (let i = 0; i < d; i++) {
      for (let c = 0; c < nf; c++) this.featureMatrix[i * nf + c] = featureScale * structure.featureMatrix[i * features + this.featureIndices[c]];
    }
    const precision = options.precision ?? 'float64';
    this.linearMeta = this.activation === 'identity';
    this.psi = new BatchScratch(precision, ns * ns, 1);
    this.metaTheta = new Float64Array(d * ns);
    this.metaVector = new Float64Array(d * ns);
    this.coefficients = new Float64Array(d);
    this.phi = new BatchScratch(precision, Math.max(nf, 1), 1);
    this.psiTheta = new BatchScratch(precision, ns, 1);
    this.work = new BatchScratch('float64', ns, 1);
    this.cachedInputs = new BatchScratch('float64', d, 1);
    this.cachedTheta = new Float64Array(ns);
  }

  /** θ ~ N(0, I) then θ_f ~ N(0, I). */
  initialize(rng: Rng, params: FloatArray): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    rng.fillNormal(params.subarray(0, this.parameterCount));
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'out', out, inputs.n);
    const p = this.psiThetaFor(params, inputs);
    const phi = this.phi.ensure(inputs.n)[0];
    const ns = this.width;
    const nf = this.featureCount;
    for (let k = 0; k < inputs.n; k++) {
      const row = k * ns;
      let sum = 0;
      for (let a = 0; a < ns; a++) sum += params[a] * p[row + a];
      let linear = 0;
      for (let c = 0; c < nf; c++) linear += params[ns + c] * phi[k * nf + c];
      out[k] = this.halfZeta * sum + linear;
    }
  }

  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    this.jvpFrom(this.psiThetaFor(params, inputs), this.phi.ensure(inputs.n)[0], inputs.n, tangent, out);
  }

  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'cotangent', cotangent, inputs.n);
    checkLength(NAME, 'out', out, this.parameterCount);
    this.vjpFrom(this.psiThetaFor(params, inputs), this.phi.ensure(inputs.n)[0], inputs.n, cotangent, out);
  }

  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'weights', weights, inputs.n);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, this.parameterCount);
    const { n } = inputs;
    const ns = this.width;
    if (this.linearMeta) {
      // Σ_k w_k ζψ_k v = ζ d^{-1/2} Σᵢ (Σ_k w_k x_ki) Wᵢv.
      const x = this.primal(inputs);
      const d = this.inputDim;
      const c = this.coefficients;
      c.fill(0);
      for (let k = 0; k < n; k++) for (let i = 0; i < d; i++) c[i] += weights[k] * x[k * d + i];
      const wv = this.metaVector;
      gemv(false, d * ns, ns, 1, this.metaMatrices, vector, 0, wv);
      for (let a = 0; a < ns; a++) out[a] = 0;
      for (let i = 0; i < d; i++) {
        const factor = this.zeta * this.inputScale * c[i];
        for (let a = 0; a < ns; a++) out[a] += factor * wv[i * ns + a];
      }
    } else {
      const psiV = this.psiTimes(inputs, vector);
      // Σ_k w_k ζψ_k v on θ.
      for (let a = 0; a < ns; a++) out[a] = 0;
      for (let k = 0; k < n; k++) {
        const weight = this.zeta * weights[k];
        const row = k * ns;
        for (let a = 0; a < ns; a++) out[a] += weight * psiV[row + a];
      }
    }
    // The Hessian is zero on θ_f.
    out.fill(0, ns, this.parameterCount);
  }

  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    const ns = this.width;
    if (this.linearMeta) {
      // ζ vᵀψ_k v = ζ d^{-1/2} Σᵢ x_ki (vᵀWᵢv).
      const x = this.primal(inputs);
      const d = this.inputDim;
      const wv = this.metaVector;
      const c = this.coefficients;
      gemv(false, d * ns, ns, 1, this.metaMatrices, vector, 0, wv);
      for (let i = 0; i < d; i++) {
        let sum = 0;
        for (let a = 0; a < ns; a++) sum += vector[a] * wv[i * ns + a];
        c[i] = this.zeta * this.inputScale * sum;
      }
      for (let k = 0; k < inputs.n; k++) {
        let sum = 0;
        for (let i = 0; i < d; i++) sum += x[k * d + i] * c[i];
        out[k] = sum;
      }
      return;
    }
    const psiV = this.psiTimes(inputs, vector);
    for (let k = 0; k < inputs.n; k++) {
      const row = k * ns;
      let sum = 0;
      for (let a = 0; a < ns; a++) sum += vector[a] * psiV[row + a];
      out[k] = this.zeta * sum;
    }
  }

  /**
   * J at (params, inputs) for many products: a float64 snapshot of P = Ψθ and Φ, so each product
   * is O(B·(n_s + n_f)); agrees exactly with jvp/vjp. The returned object belongs to the model and
   * is reused: the next `linearize` call replaces what it holds; other calls do not disturb it.
   */
  linearize(params: FloatArray, inputs: Inputs): LinearizedModel {
    this.check(params, inputs);
    const { n } = inputs;
    const p = this.psiThetaFor(params, inputs);
    const phi = this.phi.ensure(n)[0];
    const lin = (this.linearization ??= this.createLinearization());
    const ownP = lin.psiTheta.ensure(n)[0];
    const ownPhi = lin.phi.ensure(n)[0];
    for (let i = 0; i < n * this.width; i++) ownP[i] = p[i];
    for (let i = 0; i < n * this.featureCount; i++) ownPhi[i] = phi[i];
    lin.n = n;
    return lin.linear;
  }

  /** ψ(x) for one input (n_s×n_s, row-major, float64), computed directly from the Wᵢ. */
  metaFeature(x: ArrayLike<number>): Float64Array {
    const d = this.inputDim;
    const size = this.width * this.width;
    if (x.length < d) throw new RangeError(`${NAME}: x has length ${x.length}, needs inputDim = ${d}`);
    const out = new Float64Array(size);
    for (let i = 0; i < d; i++) {
      const coefficient = this.inputScale * x[i];
      for (let j = 0; j < size; j++) out[j] += coefficient * this.metaMatrices[i * size + j];
    }
    this.applyActivation(out, size);
    return out;
  }

  /** φ(x) for one input (the kept features, float64). */
  featureMap(x: ArrayLike<number>): Float64Array {
    const d = this.inputDim;
    const nf = this.featureCount;
    if (x.length < d) throw new RangeError(`${NAME}: x has length ${x.length}, needs inputDim = ${d}`);
    const out = new Float64Array(nf);
    for (let i = 0; i < d; i++) for (let c = 0; c < nf; c++) out[c] += x[i] * this.featureMatrix[i * nf + c];
    return out;
  }

  private createLinearization(): PureQuadraticLinearization {
    const p = this.parameterCount;
    const lin: PureQuadraticLinearization = {
      n: 0,
      psiTheta: new BatchScratch('float64', this.width, 1),
      phi: new BatchScratch('float64', Math.max(this.featureCount, 1), 1),
      linear: {
        jvp: (tangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'tangent', tangent, p);
          checkLength(NAME, 'out', out, lin.n);
          this.jvpFrom(lin.psiTheta.ensure(lin.n)[0], lin.phi.ensure(lin.n)[0], lin.n, tangent, out);
        },
        vjp: (cotangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'cotangent', cotangent, lin.n);
          checkLength(NAME, 'out', out, p);
          this.vjpFrom(lin.psiTheta.ensure(lin.n)[0], lin.phi.ensure(lin.n)[0], lin.n, cotangent, out);
        },
      },
    };
    return lin;
  }

  private check(params: FloatArray, inputs: Inputs): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    checkInputs(NAME, this.inputDim, inputs);
  }

  /** out_k = ζ P_k·t + φ_k·t_f. */
  private jvpFrom(p: FloatArray, phi: FloatArray, n: number, tangent: FloatArray, out: FloatArray): void {
    const ns = this.width;
    const nf = this.featureCount;
    for (let k = 0; k < n; k++) {
      const row = k * ns;
      let sum = 0;
      for (let a = 0; a < ns; a++) sum += p[row + a] * tangent[a];
      let linear = 0;
      for (let c = 0; c < nf; c++) linear += phi[k * nf + c] * tangent[ns + c];
      out[k] = this.zeta * sum + linear;
    }
  }

  /** out = (ζ Σ_k u_k P_k, Σ_k u_k φ_k). */
  private vjpFrom(p: FloatArray, phi: FloatArray, n: number, cotangent: FloatArray, out: FloatArray): void {
    const ns = this.width;
    const nf = this.featureCount;
    gemv(true, n, ns, this.zeta, p, cotangent, 0, out);
    for (let c = 0; c < nf; c++) out[ns + c] = 0;
    for (let k = 0; k < n; k++) {
      const u = cotangent[k];
      for (let c = 0; c < nf; c++) out[ns + c] += u * phi[k * nf + c];
    }
  }

  /** Ψv (B×n_s, float64 scratch) for the θ part of v (non-identity g). */
  private psiTimes(inputs: Inputs, vector: FloatArray): Float64Array {
    this.primal(inputs);
    const psi = this.psi.ensure(inputs.n)[0];
    const work = this.work.ensure(inputs.n)[0] as Float64Array;
    gemv(false, inputs.n * this.width, this.width, 1, psi, vector, 0, work);
    return work;
  }

  /** P = [ψ(x_k)θ] for (params, inputs), from the cache when X and θ are unchanged. */
  private psiThetaFor(params: FloatArray, inputs: Inputs): FloatArray {
    const x = this.primal(inputs);
    const { n } = inputs;
    const ns = this.width;
    const p = this.psiTheta.ensure(n)[0];
    const theta = this.cachedTheta;
    if (this.psiThetaValid && firstDifference(theta, params, ns) === ns) return p;
    if (this.linearMeta) {
      // P = d^{-1/2} X [W_1θ; …; W_dθ].
      const d = this.inputDim;
      gemv(false, d * ns, ns, 1, this.metaMatrices, params, 0, this.metaTheta);
      if (n > 0) gemm(false, false, n, ns, d, this.inputScale, x, this.metaTheta, 0, p);
    } else {
      gemv(false, n * ns, ns, 1, this.psi.ensure(n)[0], params, 0, p);
    }
    for (let a = 0; a < ns; a++) theta[a] = params[a];
    this.psiThetaValid = true;
    return p;
  }

  /**
   * Makes the cache hold `inputs`: Φ and (non-identity g) Ψ = [ψ(x_k)], recomputed only when X
   * (values) or n changed; a miss also invalidates P. Returns the cached float64 copy of X.
   */
  private primal(inputs: Inputs): Float64Array {
    const { n, x } = inputs;
    const d = this.inputDim;
    const ns = this.width;
    const nf = this.featureCount;
    const psi = this.linearMeta ? undefined : this.psi.ensure(n)[0];
    const cachedX = this.cachedInputs.ensure(n)[0] as Float64Array;
    if (this.cachedN === n && this.cachedPsi === psi && firstDifference(cachedX, x, n * d) === n * d) return cachedX;
    this.cachedN = -1;
    this.psiThetaValid = false;
    for (let i = 0; i < n * d; i++) cachedX[i] = x[i];
    if (n > 0) {
      if (psi) {
        gemm(false, false, n, ns * ns, d, this.inputScale, cachedX, this.metaMatrices, 0, psi);
        this.applyActivation(psi, n * ns * ns);
      }
      if (nf > 0) gemm(false, false, n, nf, d, 1, cachedX, this.featureMatrix, 0, this.phi.ensure(n)[0]);
    }
    this.cachedN = n;
    this.cachedPsi = psi;
    return cachedX;
  }

  /** g entry-wise on the first `count` entries (NaN stays NaN). */
  private applyActivation(values: FloatArray, count: number): void {
    switch (this.activation) {
      case 'identity':
        return;
      case 'tanh':
        for (let i = 0; i < count; i++) values[i] = Math.tanh(values[i]);
        return;
      case 'relu':
        for (let i = 0; i < count; i++) values[i] = values[i] > 0 ? values[i] : 0 * values[i];
        return;
      case 'leaky-relu': {
        const slope = this.leakySlope;
        for (let i = 0; i < count; i++) values[i] = values[i] > 0 ? values[i] : slope * values[i];
        return;
      }
    }
  }
}

/** The model-owned state behind `PureQuadraticModel.linearize`. */
interface PureQuadraticLinearization {
  n: number;
  readonly psiTheta: BatchScratch;
  readonly phi: BatchScratch;
  readonly linear: LinearizedModel;
}

/**
 * W = Q diag(s, −s) Qᵀ with Q = exp((B − Bᵀ)/√2), symmetrized (papers.md §2). Memoized on (B, s): a
 * teacher and its student, or a sweep over learning rates at one seed, draw the same B and would
 * otherwise repeat the ≈ 13 n×n products of the exponential.
 */
function metaMatrix(b: Float64Array, eigenvalues: Float64Array, n: number): Float64Array {
  const hit = memo.find((entry) => entry.n === n && firstDifference(entry.b, b, n * n) === n * n && firstDifference(entry.eigenvalues, eigenvalues, n / 2) === n / 2);
  if (hit) return hit.w;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i * n + j] = (b[i * n + j] - b[j * n + i]) / Math.SQRT2;
  }
  const q = skewSymmetricExponential(a, n);
  // Columns of Q are the eigenvectors, as papers.md §2 writes it: (QD)_{ma} = Q_{ma} λ_a with
  // λ = (s_1 … s_{n/2}, −s_1 … −s_{n/2}). The authors' code takes the rows (QᵀDQ); Qᵀ = exp(−A) and
  // −A has the law of A, so the two constructions have the same distribution.
  const half = n / 2;
  for (let m = 0; m < n; m++) {
    for (let c = 0; c < n; c++) a[m * n + c] = q[m * n + c] * (c < half ? eigenvalues[c] : -eigenvalues[c - half]);
  }
  const w = new Float64Array(n * n);
  gemm(false, true, n, n, n, 1, a, q, 0, w);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const mean = 0.5 * (w[i * n + j] + w[j * n + i]);
      w[i * n + j] = mean;
      w[j * n + i] = mean;
    }
  }
  memo.push({ n, b: Float64Array.from(b), eigenvalues: Float64Array.from(eigenvalues), w });
  let bytes = memo.reduce((sum, entry) => sum + 16 * entry.n * entry.n, 0);
  while (bytes > MEMO_BYTES && memo.length > 1) bytes -= 16 * memo.shift()!.n ** 2;
  return w;
}

interface MemoEntry {
  readonly n: number;
  readonly b: Float64Array;
  readonly eigenvalues: Float64Array;
  readonly w: Float64Array;
}

/** At most ≈ 64 MB of memoized (B, W) pairs, oldest dropped first. */
const MEMO_BYTES = 64 * 2 ** 20;
const memo: MemoEntry[] = [];

function checkIndices(name: string, indices: ArrayLike<number> | undefined, total: number): Int32Array {
  if (indices === undefined) return Int32Array.from({ length: total }, (_, i) => i);
  const seen = new Uint8Array(total);
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (!Number.isSafeInteger(index) || index < 0 || index >= total || seen[index]) {
      throw new RangeError(`${NAME}: ${name} must be distinct integers in [0, ${total}), got ${index} at position ${i}`);
    }
    seen[index] = 1;
    out[i] = index;
  }
  return out;
}

/** The first index below `length` where a and b differ (NaN differs from itself), or `length`. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>, length: number): number {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return length;
}
