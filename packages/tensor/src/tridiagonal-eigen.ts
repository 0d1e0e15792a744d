/*
 * Eigenvalues of a symmetric tridiagonal matrix by the implicit QL method with Wilkinson-style
 * shifts (EISPACK tql2, as in the public-domain JAMA port). Shared by symmetricEigen (after a
 * Householder reduction) and by Lanczos, whose projected matrix is tridiagonal already.
 * Internal to the package: it is not part of the public API.
 */

const EPSILON = 2 ** -52;
// QL converges in ~1.5 sweeps per eigenvalue; 60 only guards against a non-terminating loop.
const MAX_SWEEPS_PER_EIGENVALUE = 60;

/**
 * Diagonalises the tridiagonal T with diagonal d[0..n) and off-diagonal e[i] = T[i][i+1]
 * (i < n-1; e needs n slots, the last is scratch). On return d holds the eigenvalues, unordered,
 * and e is overwritten.
 *
 * z is n×r row-major and z[i][t] starts as M[k_t][i], for some n×n matrix M and r chosen rows
 * k_t of it. The plane rotations are applied to z's rows, so z[i][t] ends as (M·s_i)[k_t], where
 * s_i is the eigenvector of d[i]. With M = I: r = n and z = identity give the eigenvectors in z's
 * rows; r = 1 and z = e_{n-1} give only their last components, which is all Lanczos' residual
 * test needs, at O(n) instead of O(n²) per sweep; r = 0 gives eigenvalues only. With M the
 * Householder transform of a dense matrix, the rows are that matrix's eigenvectors.
 */
export function tridiagonalEigen(n: number, d: Float64Array, e: Float64Array, z: Float64Array, r: number): void {
  if (n === 0) return;
  e[n - 1] = 0;
  let shift = 0;
  let magnitude = 0;
  for (let l = 0; l < n; l++) {
    // Split off a block where the off-diagonal is negligible relative to the matrix so far.
    magnitude = Math.max(magnitude, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPSILON * magnitude) m++;
    if (m > l) {
      let sweeps = 0;
      do {
        if (++sweeps > MAX_SWEEPS_PER_EIGENVALUE) {
          throw new Error('tridiagonalEigen: QL iteration did not converge');
        }
        // Implicit shift from the leading 2×2 block.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let radius = Math.hypot(p, 1);
        if (p < 0) radius = -radius;
        d[l] = e[l] / (p + radius);
        d[l + 1] = e[l] * (p + radius);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        shift += h;

        // Chase the bulge from m back up to l with plane rotations.
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          radius = Math.hypot(p, e[i]);
          e[i + 1] = s * radius;
          s = e[i] / radius;
          c = p / radius;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const rowI = i * r;
          const rowNext = rowI + r;
          for (let t = 0; t < r; t++) {
            const held = z[rowNext + t];
            z[rowNext + t] = s * z[rowI + t] + c * held;
            z[rowI + t] = c * z[rowI + t] - s * held;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPSILON * magnitude);
    }
    d[l] += shift;
    e[l] = 0;
  }
}
