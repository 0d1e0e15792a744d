import { type FloatArray, gemm, gemv, symmetricEigen } from '@tdlab/tensor';

/**
 * Dense solvers for the closed forms of ridge and kernel ridge regression. Normalization
 * (papers.md §5(i)): β̂ = argmin (1/n)‖y − Xβ‖² + λ‖β‖², i.e. β̂ = Xᵀ(XXᵀ + nλI)⁻¹y; kernel ridge
 * regression minimizes (1/n)Σ(yᵢ − f(xᵢ))² + λ‖f‖²_H, so α = (K + nλI)⁻¹y and f(x) = Σᵢ αᵢ k(x, xᵢ).
 * λ = 0 is the ridgeless limit: the minimum-norm interpolant (pseudo-inverse) when the Gram matrix
 * is singular.
 */

/** Rows of the diagonal block and of the panel each step of the blocked Cholesky factorization handles. */
const CHOLESKY_BLOCK = 64;
/** Rows of the trailing matrix updated per gemm (bounds the scratch to this many rows). */
const CHOLESKY_UPDATE_ROWS = 256;

/**
 * Cholesky factorization A = LLᵀ of a symmetric positive-definite n×n matrix (row-major), in
 * place: the lower triangle of `a` becomes L (the strict upper triangle is left as it was).
 * Blocked, right-looking: each block of 64 columns is factored, its panel below solved, and the
 * trailing lower triangle updated by A₂₂ −= L₂₁L₂₁ᵀ with gemm (the O(n³) part, on the WASM SIMD
 * kernels), in chunks of rows. Throws when A is not numerically positive definite.
 * Returns the smallest squared pivot L_jj², which is at rounding level when A is (numerically) singular.
 */
export function choleskyInPlace(a: Float64Array, n: number): number {
  const block = CHOLESKY_BLOCK;
  const panel = new Float64Array(Math.max(0, n - block) * block);
  const scratch = new Float64Array(Math.min(CHOLESKY_UPDATE_ROWS, n) * Math.max(0, n - block));
  let smallestPivot = Infinity;
  for (let k0 = 0; k0 < n; k0 += block) {
    const k1 = Math.min(n, k0 + block);
    // The diagonal block, unblocked: earlier columns were already subtracted by the trailing updates.
    for (let j = k0; j < k1; j++) {
      const rowJ = j * n;
      let diagonal = a[rowJ + j];
      for (let k = k0; k < j; k++) diagonal -= a[rowJ + k] * a[rowJ + k];
      if (!(diagonal > 0)) {
        throw new RangeError(`cholesky: the matrix is not positive definite (pivot ${j} is ${diagonal}); use λ > 0 or the pseudo-inverse (λ = 0)`);
      }
      smallestPivot = Math.min(smallestPivot, diagonal);
      const ljj = Math.sqrt(diagonal);
      a[rowJ + j] = ljj;
      const inverse = 1 / ljj;
      for (let i = j + 1; i < k1; i++) {
        const rowI = i * n;
        let sum = a[rowI + j];
        for (let k = k0; k < j; k++) sum -= a[rowI + k] * a[rowJ + k];
        a[rowI + j] = sum * inverse;
      }
    }
    if (k1 === n) break;
    // The panel below: L₂₁ = A₂₁ L₁₁⁻ᵀ, row by row, packed contiguously for the update.
    const width = k1 - k0;
    const m = n - k1;
    for (let i = k1; i < n; i++) {
      const rowI = i * n;
      const packed = (i - k1) * width;
      for (let j = k0; j < k1; j++) {
        const rowJ = j * n;
        let sum = a[rowI + j];
        for (let k = k0; k < j; k++) sum -= a[rowI + k] * a[rowJ + k];
        const value = sum / a[rowJ + j];
        a[rowI + j] = value;
        panel[packed + j - k0] = value;
      }
    }
    // Trailing lower triangle: A₂₂ −= L₂₁L₂₁ᵀ, a chunk of rows [r0, r1) against columns [0, r1).
    for (let r0 = 0; r0 < m; r0 += CHOLESKY_UPDATE_ROWS) {
      const r1 = Math.min(m, r0 + CHOLESKY_UPDATE_ROWS);
      gemm(false, true, r1 - r0, r1, width, 1, panel.subarray(r0 * width, r1 * width), panel, 0, scratch);
      for (let r = r0; r < r1; r++) {
        const row = (k1 + r) * n + k1;
        const product = (r - r0) * r1;
        for (let c = 0; c <= r; c++) a[row + c] -= scratch[product + c];
      }
    }
  }
  return smallestPivot;
}

/** Solves LLᵀx = b in place (b becomes x) from the factor of choleskyInPlace. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array): void {
  // L z = b, row by row.
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[row + k] * b[k];
    b[i] = sum / l[row + i];
  }
  // Lᵀ x = z, eliminating with row i of L (contiguous) once x_i is known.
  for (let i = n - 1; i >= 0; i--) {
    const row = i * n;
    const xi = b[i] / l[row + i];
    b[i] = xi;
    for (let k = 0; k < i; k++) b[k] -= l[row + k] * xi;
  }
}

/**
 * out = A⁺b for a symmetric positive semi-definite m×m matrix A, by its eigendecomposition:
 * eigenvalues below m·ε·λ_max (ε the float64 epsilon, numpy's `pinv` default) count as zero.
 */
export function pseudoInverseSolve(a: FloatArray, m: number, b: FloatArray, out: Float64Array): void {
  const { values, vectors } = symmetricEigen(a, m);
  const cutoff = Math.max(values[0], 0) * m * Number.EPSILON;
  out.fill(0, 0, m);
  for (let j = 0; j < m; j++) {
    const value = values[j];
    if (!(value > cutoff)) continue;
    let projection = 0;
    for (let i = 0; i < m; i++) projection += vectors[i * m + j] * b[i];
    const coefficient = projection / value;
    for (let i = 0; i < m; i++) out[i] += coefficient * vectors[i * m + j];
  }
}

/** A pivot below this many m·ε·max diag(A) marks A as singular (solveShifted). */
const SINGULAR_PIVOT = 1e3;

/**
 * out = (A + shift·I)⁻¹b for a symmetric positive semi-definite m×m matrix A, by Cholesky. With
 * shift = 0 this is A⁻¹b when A is numerically nonsingular and A⁺b (eigendecomposition) when it is
 * not: the ridgeless limit, the minimum-norm solution. A is not modified.
 */
export function solveShifted(a: FloatArray, m: number, shift: number, b: FloatArray, out: Float64Array): void {
  if (!(shift >= 0 && Number.isFinite(shift))) throw new RangeError(`solveShifted: shift must be a finite number >= 0, got ${shift}`);
  const factor = new Float64Array(m * m);
  let largestDiagonal = 0;
  for (let i = 0; i < m * m; i++) factor[i] = a[i];
  for (let i = 0; i < m; i++) {
    factor[i * m + i] += shift;
    largestDiagonal = Math.max(largestDiagonal, factor[i * m + i]);
  }
  try {
    const smallestPivot = choleskyInPlace(factor, m);
    // Without a shift, a (numerically) singular A has a pivot at rounding level: its inverse would
    // be noise, so the pseudo-inverse takes over (as it does when the factorization fails).
    if (shift === 0 && smallestPivot < SINGULAR_PIVOT * m * Number.EPSILON * largestDiagonal) throw new RangeError('singular');
  } catch (error) {
    if (shift > 0) throw error;
    pseudoInverseSolve(a, m, b, out);
    return;
  }
  for (let i = 0; i < m; i++) out[i] = b[i];
  choleskySolveInPlace(factor, m, out);
}

/** α = (K + nλI)⁻¹y (λ > 0) or K⁺y (λ = 0): the dual coefficients of kernel ridge regression. */
export function kernelRidgeCoefficients(k: FloatArray, n: number, y: FloatArray, lambda: number): Float64Array {
  const alpha = new Float64Array(n);
  solveShifted(k, n, n * lambda, y, alpha);
  return alpha;
}

/**
 * The ridge solution of a model that is linear in θ around θ₀, f(θ) = f₀ + J(θ − θ₀) (exact for the
 * models of this plugin, the lazy-training limit for any other): the point full-batch gradient
 * descent converges to on (1/n)‖y − f(θ)‖² + λ‖θ‖².
 *   λ > 0: θ̂ = argmin (1/n)‖r − Jθ‖² + λ‖θ‖² with r = y − f₀ + Jθ₀, i.e. Jᵀ(JJᵀ + nλI)⁻¹r;
 *   λ = 0: θ̂ = θ₀ + J⁺(y − f₀), the interpolant (or least-squares fit) closest to θ₀, which is
 *          where GD started from θ₀ ends.
 * Solved in the dual (n×n Gram JJᵀ) when n ≤ p, else in the primal (p×p Gram JᵀJ). J is n×p.
 */
export function linearizedRidge(j: FloatArray, n: number, p: number, theta0: FloatArray, f0: FloatArray, y: FloatArray, lambda: number, out: Float64Array): void {
  if (!(lambda >= 0 && Number.isFinite(lambda))) throw new RangeError(`ridge: λ must be a finite number >= 0, got ${lambda}`);
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) residual[i] = y[i] - f0[i];
  if (lambda > 0) gemv(false, n, p, 1, j, theta0, 1, residual); // r = y − f₀ + Jθ₀
  if (n <= p) {
    const gram = new Float64Array(n * n);
    gemm(false, true, n, n, p, 1, j, j, 0, gram);
    const alpha = new Float64Array(n);
    solveShifted(gram, n, n * lambda, residual, alpha);
    gemv(true, n, p, 1, j, alpha, 0, out);
  } else {
    const gram = new Float64Array(p * p);
    gemm(true, false, p, p, n, 1, j, j, 0, gram);
    const projected = new Float64Array(p);
    gemv(true, n, p, 1, j, residual, 0, projected);
    solveShifted(gram, p, n * lambda, projected, out);
  }
  if (lambda === 0) for (let i = 0; i < p; i++) out[i] += theta0[i];
}
