import { axpy, dot, norm2, scale } from './blas.js';
import type { LinearOperator } from './linear-operator.js';
import { Rng } from './rng.js';
import { tridiagonalEigen } from './tridiagonal-eigen.js';

export type { LinearOperator } from './linear-operator.js';

export interface LanczosOptions {
  /** number of top eigenvalues wanted; default 1, clamped to dim */
  k?: number;
  /** Lanczos steps (operator applications) at most; default min(dim, 64), raised to k, capped at dim */
  maxIterations?: number;
  /** relative residual for the Ritz pairs, default 1e-10 */
  tolerance?: number;
  /** source of the random start (and restart) vectors; default a fixed seed, so runs are reproducible */
  rng?: Rng;
  /** warm start vector, e.g. the previous top eigenvector */
  start?: Float64Array;
  /** return Ritz vectors */
  vectors?: boolean;
}

export interface LanczosResult {
  /** top k (algebraically largest), descending */
  values: Float64Array;
  /** k×dim row-major, unit norm, present when options.vectors */
  vectors?: Float64Array;
  /** operator applications made */
  iterations: number;
  converged: boolean;
}

const DEFAULT_SEED = 0x1a2c05;
// A Lanczos β this small relative to ‖T‖ is roundoff: the Krylov space is invariant to working
// precision, and every Ritz value already found is exact to within β.
const BREAKDOWN_TOLERANCE = 1e-12;
// Residual estimates need not go below roundoff of ‖T‖; without this floor a wanted eigenvalue
// at or near zero (a rank-deficient NTK, k beyond the rank) could never be declared converged.
const RESIDUAL_FLOOR = 16 * Number.EPSILON;

/**
 * Top-k eigenvalues of a symmetric operator by Lanczos with full reorthogonalization (two
 * Gram–Schmidt passes against the whole basis, so no spurious copies of converged values). The
 * Krylov basis is one Float64Array of iterations × dim, allocated per call; nothing is allocated
 * per step.
 *
 * A Ritz pair (θ, y) is converged when its residual ‖Ay − θy‖ = |β_j · s_{j,last}| is at most
 * max(tolerance·|θ|, 16ε·‖T‖). When β ≈ 0 the Krylov space is invariant and its Ritz values are
 * exact eigenvalues: the run stops if it already has k of them, otherwise it restarts from a
 * random vector orthogonal to the basis (so repeated eigenvalues and operators of low rank still
 * yield k values). A start vector lying exactly in an invariant subspace that misses the top
 * eigenvectors therefore returns that subspace's eigenvalues; warm starts from a previous step's
 * eigenvector are never exact in that sense.
 *
 * If the operator produces a non-finite value (a diverged model), the result is NaN with
 * converged = false rather than an exception, so a probe can record the blow-up.
 */
export function lanczosTopEigen(operator: LinearOperator, dim: number, options: LanczosOptions = {}): LanczosResult {
  if (!Number.isSafeInteger(dim) || dim < 1) {
    throw new RangeError(`lanczosTopEigen: dim must be a positive integer, got ${dim}`);
  }
  const requestedK = options.k ?? 1;
  if (!Number.isSafeInteger(requestedK) || requestedK < 1) {
    throw new RangeError(`lanczosTopEigen: k must be a positive integer, got ${requestedK}`);
  }
  const maxIterations = options.maxIterations ?? Math.min(dim, 64);
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`lanczosTopEigen: maxIterations must be a positive integer, got ${maxIterations}`);
  }
  const tolerance = options.tolerance ?? 1e-10;
  if (!(tolerance >= 0)) {
    throw new RangeError(`lanczosTopEigen: tolerance must be non-negative, got ${tolerance}`);
  }
  const k = Math.min(requestedK, dim);
  // At least k steps, since m steps give only m Ritz values; never more than dim.
  const steps = Math.min(dim, Math.max(maxIterations, k));
  const rng = options.rng ?? new Rng(DEFAULT_SEED);

  const basis = new Float64Array(steps * dim);
  const w = new Float64Array(dim);
  // The tridiagonal T: alphas on the diagonal, betas[j] = T[j][j+1] (0 where a restart began).
  const alphas = new Float64Array(steps);
  const betas = new Float64Array(steps);
  // Workspace for the projected eigenproblem, reused by every convergence check.
  const d = new Float64Array(steps);
  const e = new Float64Array(steps);
  const lastComponents = new Float64Array(steps);
  const top = new Int32Array(k);

  const first = basis.subarray(0, dim);
  if (options.start === undefined || !startFrom(options.start, first)) {
    randomUnitVector(rng, first, basis, 0);
  }

  let size = 0;
  let converged = false;
  let diverged = false;
  for (let j = 0; j < steps; j++) {
    const q = basis.subarray(j * dim, (j + 1) * dim);
    operator(q, w);
    size = j + 1;
    const alpha = dot(q, w);
    axpy(-alpha, q, w);
    if (j > 0) axpy(-betas[j - 1], basis.subarray((j - 1) * dim, j * dim), w);
    orthogonalize(w, basis, size, dim);
    orthogonalize(w, basis, size, dim);
    const beta = norm2(w);
    alphas[j] = alpha;
    if (!Number.isFinite(alpha) || !Number.isFinite(beta)) {
      diverged = true;
      break;
    }

    // Ritz values of T so far, with the last components of their eigenvectors.
    const magnitude = ritzValues(size, alphas, betas, d, e, lastComponents);
    const invariant = beta <= BREAKDOWN_TOLERANCE * Math.max(magnitude, Math.abs(alpha));
    if (size >= k) {
      selectTop(d, size, top);
      converged = invariant;
      if (!converged) {
        converged = true;
        for (let i = 0; i < k; i++) {
          const theta = d[top[i]];
          const residual = Math.abs(beta * lastComponents[top[i]]);
          if (residual > Math.max(tolerance * Math.abs(theta), RESIDUAL_FLOOR * magnitude)) {
            converged = false;
            break;
          }
        }
      }
      if (converged) break;
    }
    if (size === steps) break;

    const next = basis.subarray(size * dim, (size + 1) * dim);
    if (invariant) {
      // Too few values from this invariant subspace: continue in its orthogonal complement.
      betas[j] = 0;
      if (!randomUnitVector(rng, next, basis, size)) break;
    } else {
      betas[j] = beta;
      for (let t = 0; t < dim; t++) next[t] = w[t] / beta;
    }
  }

  const count = Math.min(k, size);
  const values = new Float64Array(k).fill(Number.NaN);
  const result: LanczosResult = { values, iterations: size, converged: converged && !diverged };
  if (diverged || count === 0) {
    if (options.vectors === true) result.vectors = new Float64Array(k * dim).fill(Number.NaN);
    return result;
  }

  // Final projected solve, with the full eigenvectors of T when Ritz vectors are wanted.
  const wantVectors = options.vectors === true;
  const s = wantVectors ? new Float64Array(size * size) : new Float64Array(0);
  for (let i = 0; i < size; i++) {
    d[i] = alphas[i];
    e[i] = i + 1 < size ? betas[i] : 0;
    if (wantVectors) s[i * size + i] = 1;
  }
  tridiagonalEigen(size, d, e, s, wantVectors ? size : 0);
  const chosen = new Int32Array(count);
  selectTop(d, size, chosen);
  for (let i = 0; i < count; i++) values[i] = d[chosen[i]];

  if (wantVectors) {
    const vectors = new Float64Array(k * dim).fill(Number.NaN);
    for (let i = 0; i < count; i++) {
      // y_i = Σ_l s_i[l] · q_l, renormalised to undo the basis' roundoff.
      const y = vectors.subarray(i * dim, (i + 1) * dim);
      y.fill(0);
      const row = chosen[i] * size;
      for (let l = 0; l < size; l++) axpy(s[row + l], basis.subarray(l * dim, (l + 1) * dim), y);
      scale(1 / norm2(y), y);
    }
    result.vectors = vectors;
  }
  return result;
}

/** Copies a caller's start vector into q as a unit vector; false when it is zero. */
function startFrom(start: Float64Array, q: Float64Array): boolean {
  if (start.length !== q.length) {
    throw new RangeError(`lanczosTopEigen: start has length ${start.length}, expected ${q.length}`);
  }
  const length = norm2(start);
  if (!Number.isFinite(length)) {
    throw new RangeError('lanczosTopEigen: start vector has non-finite entries');
  }
  if (length === 0) return false;
  for (let t = 0; t < q.length; t++) q[t] = start[t] / length;
  return true;
}

/**
 * Fills q with a Gaussian vector orthogonalised against the first `count` basis vectors and
 * normalised. False if no such direction could be found (the basis already spans the space).
 */
function randomUnitVector(rng: Rng, q: Float64Array, basis: Float64Array, count: number): boolean {
  const dim = q.length;
  for (let attempt = 0; attempt < 3; attempt++) {
    rng.fillNormal(q);
    const before = norm2(q);
    orthogonalize(q, basis, count, dim);
    orthogonalize(q, basis, count, dim);
    const after = norm2(q);
    // A random vector keeps about √((dim − count)/dim) of its length; far less means the
    // remainder is roundoff, not a new direction.
    if (after > 1e-8 * before) {
      scale(1 / after, q);
      return true;
    }
  }
  return false;
}

/** One modified Gram–Schmidt pass of v against the first `count` rows of basis. */
function orthogonalize(v: Float64Array, basis: Float64Array, count: number, dim: number): void {
  for (let i = 0; i < count; i++) {
    const offset = i * dim;
    let projection = 0;
    for (let t = 0; t < dim; t++) projection += basis[offset + t] * v[t];
    for (let t = 0; t < dim; t++) v[t] -= projection * basis[offset + t];
  }
}

/**
 * Eigenvalues of the leading size×size block of T into d, and the last component of each
 * eigenvector into last. Returns max |θ|, the 2-norm of T.
 */
function ritzValues(
  size: number,
  alphas: Float64Array,
  betas: Float64Array,
  d: Float64Array,
  e: Float64Array,
  last: Float64Array,
): number {
  for (let i = 0; i < size; i++) {
    d[i] = alphas[i];
    e[i] = i + 1 < size ? betas[i] : 0;
    last[i] = i + 1 === size ? 1 : 0;
  }
  tridiagonalEigen(size, d, e, last, 1);
  let magnitude = 0;
  for (let i = 0; i < size; i++) magnitude = Math.max(magnitude, Math.abs(d[i]));
  return magnitude;
}

/** Indices of the top.length largest of d[0..size), descending (ties keep the lower index). */
function selectTop(d: Float64Array, size: number, top: Int32Array): void {
  const wanted = Math.min(top.length, size);
  for (let i = 0; i < wanted; i++) {
    let best = -1;
    for (let t = 0; t < size; t++) {
      let taken = false;
      for (let u = 0; u < i; u++) {
        if (top[u] === t) {
          taken = true;
          break;
        }
      }
      if (taken) continue;
      if (best === -1 || d[t] > d[best]) best = t;
    }
    top[i] = best;
  }
}
