import { axpy, dot, norm2 } from './blas.js';
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
  /** source of the random start and restart vectors; default a fixed seed, so runs are reproducible */
  rng?: Rng;
  /** warm start vector, e.g. the previous top eigenvector */
  start?: Float64Array;
  /** return Ritz vectors */
  vectors?: boolean;
}

export interface LanczosResult {
  /** top k (algebraically largest), descending */
  values: Float64Array;
  /** k×dim row-major, unit rows, present when options.vectors */
  vectors?: Float64Array;
  /** operator applications made */
  iterations: number;
  converged: boolean;
}

const DEFAULT_SEED = 0x1a2c05;
// A Lanczos β this small relative to ‖T‖ is roundoff: the Krylov space is invariant to working
// precision and its Ritz values are exact eigenvalues to within β. Eigenvalues closer than this
// are treated as equal when deciding whether a restart could still change the top k.
const BREAKDOWN_TOLERANCE = 1e-12;
// Residual estimates need not go below roundoff of ‖T‖; without this floor a wanted eigenvalue
// at or near zero (k beyond the rank of an NTK) could never be declared converged.
const RESIDUAL_FLOOR = 16 * Number.EPSILON;

/**
 * Top-k eigenvalues of a symmetric operator by Lanczos with full reorthogonalization (two
 * Gram–Schmidt passes against the whole basis, so no spurious copies of converged values). The
 * Krylov basis is one Float64Array of iterations × dim, allocated per call; nothing else of size
 * dim is allocated per step.
 *
 * Convergence: every wanted Ritz pair (θ, y) has residual ‖Ay − θy‖ = |β_j · s_{j,last}| at most
 * max(tolerance·|θ|, 16ε·‖T‖), the floor letting eigenvalues at zero converge.
 *
 * Invariant subspaces (β ≈ 0): the Ritz values found are exact and are kept. A Krylov space holds
 * one direction per distinct eigenvalue, so what it cannot contain are further copies of those
 * values (repeated eigenvalues, the null space of a rank-deficient operator). The run therefore
 * stops when no copy could enter the top k (the subspace's largest value is not above the k-th
 * value found so far, or the basis spans the whole space), and otherwise restarts from a random
 * vector orthogonal to the basis; a rank-2 operator with k = 1 stops after 3 steps, with k = 5
 * after 5. The same holds for a warm start: a start vector that is (to tolerance) an eigenvector
 * is accepted after one step even if it is not the top one, as with any Krylov method.
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
  // T: alphas on the diagonal, betas[j] = T[j][j+1], 0 between blocks (where a restart began).
  const alphas = new Float64Array(steps);
  const betas = new Float64Array(steps);
  // Exact eigenvalues of the blocks that ended in an invariant subspace.
  const found = new Float64Array(steps);
  let foundCount = 0;
  // Per-step workspace: the current block's Ritz values, the last components of their
  // eigenvectors, and all candidates (found and current) with their residuals.
  const d = new Float64Array(steps);
  const e = new Float64Array(steps);
  const last = new Float64Array(steps);
  const pool = new Float64Array(steps);
  const poolResidual = new Float64Array(steps);
  const top = new Int32Array(k);

  const first = basis.subarray(0, dim);
  if (options.start === undefined || !startFrom(options.start, first)) {
    randomUnitVector(rng, first, basis, 0);
  }

  let blockStart = 0;
  let size = 0;
  let converged = false;
  let diverged = false;
  let magnitude = 0; // ‖T‖ so far: the largest |θ| seen in any block.
  for (let j = 0; j < steps; j++) {
    const q = basis.subarray(j * dim, (j + 1) * dim);
    operator(q, w);
    size = j + 1;
    const alpha = dot(q, w);
    axpy(-alpha, q, w);
    if (j > blockStart) axpy(-betas[j - 1], basis.subarray((j - 1) * dim, j * dim), w);
    orthogonalize(w, basis, size, dim);
    orthogonalize(w, basis, size, dim);
    const beta = norm2(w);
    alphas[j] = alpha;
    if (!Number.isFinite(alpha) || !Number.isFinite(beta)) {
      diverged = true;
      break;
    }

    const blockSize = size - blockStart;
    const blockTop = blockRitz(blockStart, blockSize, alphas, betas, d, e, last);
    for (let i = 0; i < blockSize; i++) magnitude = Math.max(magnitude, Math.abs(d[i]));
    const total = foundCount + blockSize;

    if (beta <= BREAKDOWN_TOLERANCE * Math.max(magnitude, Math.abs(alpha))) {
      // Invariant subspace: this block's values are exact.
      const blockMax = d[blockTop];
      for (let i = 0; i < blockSize; i++) found[foundCount++] = d[i];
      if (total >= k) {
        selectTop(found, foundCount, top);
        const kth = found[top[k - 1]];
        if (size === dim || blockMax <= kth + BREAKDOWN_TOLERANCE * magnitude) {
          converged = true;
          break;
        }
      }
      if (size === steps) break;
      // Another copy of a value in this block could still enter the top k: look in the complement.
      betas[j] = 0;
      blockStart = size;
      if (!randomUnitVector(rng, basis.subarray(size * dim, (size + 1) * dim), basis, size)) break;
      continue;
    }

    if (total >= k) {
      for (let i = 0; i < foundCount; i++) {
        pool[i] = found[i];
        poolResidual[i] = 0;
      }
      for (let i = 0; i < blockSize; i++) {
        pool[foundCount + i] = d[i];
        poolResidual[foundCount + i] = Math.abs(beta * last[i]);
      }
      const floor = RESIDUAL_FLOOR * magnitude;
      const settled = (index: number) => poolResidual[index] <= Math.max(tolerance * Math.abs(pool[index]), floor);
      selectTop(pool, total, top);
      // The current block's top value must settle too: after a restart it is what tells whether
      // the complement holds anything larger than the k-th value.
      converged = settled(foundCount + blockTop);
      for (let i = 0; i < k && converged; i++) converged = settled(top[i]);
      if (converged) break;
    }
    if (size === steps) break;
    betas[j] = beta;
    const next = basis.subarray(size * dim, (size + 1) * dim);
    for (let t = 0; t < dim; t++) next[t] = w[t] / beta;
  }

  const values = new Float64Array(k).fill(Number.NaN);
  const wantVectors = options.vectors === true;
  const vectors = wantVectors ? new Float64Array(k * dim).fill(Number.NaN) : undefined;
  const result: LanczosResult = { values, iterations: size, converged };
  if (vectors !== undefined) result.vectors = vectors;
  if (diverged) return result;

  // Final solve of the whole block-diagonal T, with its eigenvectors when Ritz vectors are wanted.
  const s = wantVectors ? new Float64Array(size * size) : new Float64Array(0);
  for (let i = 0; i < size; i++) {
    d[i] = alphas[i];
    e[i] = i + 1 < size ? betas[i] : 0;
    if (wantVectors) s[i * size + i] = 1;
  }
  tridiagonalEigen(size, d, e, s, wantVectors ? size : 0);
  const count = Math.min(k, size);
  const chosen = new Int32Array(count);
  selectTop(d, size, chosen);
  for (let i = 0; i < count; i++) values[i] = d[chosen[i]];

  if (vectors !== undefined) {
    for (let i = 0; i < count; i++) {
      // y_i = Σ_l s_i[l] · q_l, renormalised to undo the basis' roundoff.
      const y = vectors.subarray(i * dim, (i + 1) * dim);
      y.fill(0);
      const row = chosen[i] * size;
      for (let l = 0; l < size; l++) axpy(s[row + l], basis.subarray(l * dim, (l + 1) * dim), y);
      divide(y, norm2(y));
    }
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
  q.set(start);
  divide(q, length);
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
      divide(q, after);
      return true;
    }
  }
  return false;
}

/** v /= length, by division rather than by a reciprocal so that dim = 1 gives exactly ±1. */
function divide(v: Float64Array, length: number): void {
  for (let t = 0; t < v.length; t++) v[t] /= length;
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
 * Eigenvalues of the current block of T (rows start..start+size) into d, with the last component
 * of each eigenvector in last; returns the index of the largest.
 */
function blockRitz(
  start: number,
  size: number,
  alphas: Float64Array,
  betas: Float64Array,
  d: Float64Array,
  e: Float64Array,
  last: Float64Array,
): number {
  for (let i = 0; i < size; i++) {
    d[i] = alphas[start + i];
    e[i] = i + 1 < size ? betas[start + i] : 0;
    last[i] = i + 1 === size ? 1 : 0;
  }
  tridiagonalEigen(size, d, e, last, 1);
  let largest = 0;
  for (let i = 1; i < size; i++) if (d[i] > d[largest]) largest = i;
  return largest;
}

/** Indices of the top.length largest of d[0..size), descending (ties keep the lower index). */
function selectTop(d: Float64Array, size: number, top: Int32Array): void {
  const wanted = Math.min(top.length, size);
  for (let i = 0; i < wanted; i++) {
    let best = -1;
    for (let t = 0; t < size; t++) {
      let taken = false;
      for (let u = 0; u < i && !taken; u++) taken = top[u] === t;
      if (!taken && (best === -1 || d[t] > d[best])) best = t;
    }
    top[i] = best;
  }
}
