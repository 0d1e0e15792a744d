import { gemm, gemv, lanczosTopEigen } from '@tdlab/tensor';

/** Taylor degree: with ‖B‖₂ ≤ 1.1 the remainder is ≤ e^{1.1}·1.1^{K+1}/(K+1)! < 2e-16 (K = 18). */
const DEGREE = 18;
/** The largest ‖B‖₂ the degree-18 series is used at. */
const SERIES_RADIUS = 1.1;
/** Safety factor on the Lanczos estimate of ‖A‖₂ (a lower bound, typically within 1e-3 after 40 steps). */
const NORM_MARGIN = 1.1;

/**
 * The matrix exponential exp(A) of a real skew-symmetric n×n matrix A (row-major, Aᵀ = −A), an
 * orthogonal matrix. Used to draw the random eigenbases Q = exp((B − Bᵀ)/√2) of Meltzer et al.'s
 * meta-features (papers.md §2).
 *
 * Method: scaling and squaring with a truncated Taylor series (Higham, "Functions of Matrices",
 * §10.3), evaluated by Paterson–Stockmeyer so that only ≈ 2√K + log₂‖A‖ matrix products are made,
 * all on the WASM gemm:
 *   1. ν ≈ ‖A‖₂ by Lanczos on AᵀA = −A² (matrix-free, O(n²) per step), times a 1.1 margin, capped by
 *      the rigorous bound ‖A‖_F;
 *   2. s = ⌈log₂(ν/1.1)⌉, so B = A/2^s has ‖B‖₂ ≤ 1.1;
 *   3. T = Σ_{k ≤ 18} B^k/k!, with remainder below 2e-16 in norm (still below 1e-15 if ‖B‖₂ were
 *      1.2; the Lanczos estimate is within 1e-3 of ‖A‖₂ after 40 steps, and has the 10% margin);
 *   4. exp(A) = T^{2^s}, by s squarings. Each factor has norm 1 up to rounding, so the squarings
 *      amplify the error only by ≈ 2^s = O(‖A‖₂) ulps — 1e-13 at n = 1000, where ‖A‖₂ ≈ 2√n.
 * Why not the eigen-decomposition of i·A: that needs a complex Hermitian (or a 2n×2n real) solver,
 * in plain TypeScript, several times slower than these ≈ 13 gemms; Padé would need an LU solve.
 *
 * Throws if A is not skew-symmetric to 1e-12 relative. Allocates its result and ≈ 7 n×n scratch
 * matrices (not a hot path: it runs once per meta-feature matrix when a model is built).
 */
export function skewSymmetricExponential(a: ArrayLike<number>, n: number): Float64Array {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`skewSymmetricExponential: n must be a positive integer, got ${n}`);
  if (a.length < n * n) throw new RangeError(`skewSymmetricExponential: the matrix has ${a.length} entries, needs n² = ${n * n}`);
  const size = n * n;
  let largest = 0;
  let frobenius = 0;
  for (let i = 0; i < size; i++) {
    const value = a[i];
    if (!Number.isFinite(value)) throw new RangeError(`skewSymmetricExponential: entry ${i} is ${value}`);
    largest = Math.max(largest, Math.abs(value));
    frobenius += value * value;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      if (Math.abs(a[i * n + j] + a[j * n + i]) > 1e-12 * largest) {
        throw new RangeError(`skewSymmetricExponential: A is not skew-symmetric (A[${i}][${j}] = ${a[i * n + j]}, A[${j}][${i}] = ${a[j * n + i]})`);
      }
    }
  }
  const identity = new Float64Array(size);
  for (let i = 0; i < n; i++) identity[i * n + i] = 1;
  if (largest === 0) return identity;

  const matrix = Float64Array.from({ length: size }, (_, i) => a[i]);
  const norm = Math.min(Math.sqrt(frobenius), NORM_MARGIN * spectralNorm(matrix, n));
  const squarings = Math.max(0, Math.ceil(Math.log2(norm / SERIES_RADIUS)));
  const scale = 2 ** -squarings;
  for (let i = 0; i < size; i++) matrix[i] *= scale;

  // Paterson–Stockmeyer: with q = ⌈√K⌉ and P_j = B^j (P_0 = I), T = Σ_c (B^q)^c·(Σ_{j<q} t_{cq+j} P_j).
  const q = Math.ceil(Math.sqrt(DEGREE));
  const powers: Float64Array[] = [identity, matrix];
  for (let j = 2; j <= q; j++) {
    const next = new Float64Array(size);
    gemm(false, false, n, n, n, 1, powers[j - 1], matrix, 0, next);
    powers.push(next);
  }
  const coefficient = (k: number): number => {
    let value = 1;
    for (let i = 2; i <= k; i++) value /= i;
    return value;
  };
  const chunks = Math.floor(DEGREE / q);
  let result = new Float64Array(size);
  let spare = new Float64Array(size);
  // The top chunk, degrees chunks·q … K.
  for (let j = 0; chunks * q + j <= DEGREE; j++) addScaled(result, coefficient(chunks * q + j), powers[j]);
  for (let c = chunks - 1; c >= 0; c--) {
    gemm(false, false, n, n, n, 1, result, powers[q], 0, spare);
    for (let j = 0; j < q; j++) addScaled(spare, coefficient(c * q + j), powers[j]);
    [result, spare] = [spare, result];
  }
  for (let s = 0; s < squarings; s++) {
    gemm(false, false, n, n, n, 1, result, result, 0, spare);
    [result, spare] = [spare, result];
  }
  return result;
}

/** target += alpha·source over n² entries. */
function addScaled(target: Float64Array, alpha: number, source: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] += alpha * source[i];
}

/** ‖A‖₂ for a skew-symmetric A: √λ_max(AᵀA), AᵀA v = −A(A v), by Lanczos (a lower bound). */
function spectralNorm(a: Float64Array, n: number): number {
  const work = new Float64Array(n);
  const { values } = lanczosTopEigen(
    (v, out) => {
      gemv(false, n, n, 1, a, v, 0, work);
      gemv(false, n, n, -1, a, work, 0, out);
    },
    n,
    { k: 1, maxIterations: Math.min(n, 40), tolerance: 1e-6 },
  );
  return Math.sqrt(Math.max(0, values[0]));
}
