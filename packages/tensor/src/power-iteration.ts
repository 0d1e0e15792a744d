import { dot, norm2 } from './blas.js';
import type { LinearOperator } from './linear-operator.js';
import { Rng } from './rng.js';

export interface PowerIterationOptions {
  /** operator applications at most; default 1000 */
  maxIterations?: number;
  /** stop when ‖Av − λv‖ ≤ tolerance·|λ|; default 1e-10 */
  tolerance?: number;
  /** source of the random start vector; default a fixed seed, so runs are reproducible */
  rng?: Rng;
  /** warm start vector, e.g. the previous step's top eigenvector */
  start?: Float64Array;
}

export interface PowerIterationResult {
  /** Rayleigh quotient vᵀAv of the returned vector: the eigenvalue of largest magnitude, signed */
  value: number;
  /** unit vector */
  vector: Float64Array;
  /** operator applications made */
  iterations: number;
  /** whether the residual test passed (it cannot when ±λ tie in magnitude) */
  converged: boolean;
}

const DEFAULT_SEED = 0x9013e7;

/**
 * Top eigenvalue by magnitude of a symmetric operator. Cheaper per step than Lanczos (two
 * vectors, no basis), at the price of convergence at the rate |λ₂/λ₁|; use it for a quick
 * sharpness estimate when the spectral gap is clear. A non-finite operator output stops the
 * iteration with value NaN and converged = false.
 */
export function powerIteration(
  operator: LinearOperator,
  dim: number,
  options: PowerIterationOptions = {},
): PowerIterationResult {
  if (!Number.isSafeInteger(dim) || dim < 1) {
    throw new RangeError(`powerIteration: dim must be a positive integer, got ${dim}`);
  }
  const maxIterations = options.maxIterations ?? 1000;
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`powerIteration: maxIterations must be a positive integer, got ${maxIterations}`);
  }
  const tolerance = options.tolerance ?? 1e-10;
  if (!(tolerance >= 0)) {
    throw new RangeError(`powerIteration: tolerance must be non-negative, got ${tolerance}`);
  }

  const v = new Float64Array(dim);
  const w = new Float64Array(dim);
  let length = 0;
  if (options.start !== undefined) {
    if (options.start.length !== dim) {
      throw new RangeError(`powerIteration: start has length ${options.start.length}, expected ${dim}`);
    }
    v.set(options.start);
    length = norm2(v);
    if (!Number.isFinite(length)) throw new RangeError('powerIteration: start vector has non-finite entries');
  }
  if (length === 0) {
    const rng = options.rng ?? new Rng(DEFAULT_SEED);
    // A Gaussian vector is non-zero with probability 1; the loop only guards the impossible.
    while (length === 0) {
      rng.fillNormal(v);
      length = norm2(v);
    }
  }
  // Division rather than a reciprocal multiply, so that dim = 1 gives exactly ±1.
  for (let t = 0; t < dim; t++) v[t] /= length;

  let value = Number.NaN;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    operator(v, w);
    value = dot(v, w);
    let residual = 0;
    for (let t = 0; t < dim; t++) {
      const r = w[t] - value * v[t];
      residual += r * r;
    }
    residual = Math.sqrt(residual);
    if (!Number.isFinite(value) || !Number.isFinite(residual)) {
      return { value: Number.NaN, vector: v, iterations: iteration, converged: false };
    }
    if (residual <= tolerance * Math.abs(value)) {
      return { value, vector: v, iterations: iteration, converged: true };
    }
    // Keep v and value paired on the last step: the returned value is v's Rayleigh quotient.
    if (iteration === maxIterations) {
      return { value, vector: v, iterations: iteration, converged: false };
    }
    // residual > 0 here, so w ≠ 0.
    const size = norm2(w);
    for (let t = 0; t < dim; t++) v[t] = w[t] / size;
  }
  return { value, vector: v, iterations: maxIterations, converged: false };
}
