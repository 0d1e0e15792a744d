import { allFinite } from './blas.js';
import type { FloatArray } from './float-array.js';
import { tridiagonalEigen } from './tridiagonal-eigen.js';

export interface EigenDecomposition {
  /** descending */
  values: Float64Array;
  /** n×n row-major, column j is the eigenvector of values[j] */
  vectors: Float64Array;
}

/**
 * Full eigen-decomposition of a dense symmetric n×n matrix (row-major), used to check Lanczos and
 * for small kernel matrices. Householder tridiagonalisation followed by implicit QL (EISPACK
 * tred2/tql2): O(n³) with a small constant, so n of a few hundred takes milliseconds, where a
 * cyclic Jacobi sweep would take seconds. Only the symmetric part (A + Aᵀ)/2 is used, so
 * roundoff asymmetry in an assembled matrix does not matter.
 */
export function symmetricEigen(matrix: FloatArray, n: number): EigenDecomposition {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`symmetricEigen: n must be a non-negative integer, got ${n}`);
  }
  if (matrix.length < n * n) {
    throw new RangeError(`symmetricEigen: matrix has length ${matrix.length}, needs ${n * n}`);
  }
  const square = matrix.length === n * n ? matrix : matrix.subarray(0, n * n);
  if (!allFinite(square)) {
    throw new RangeError('symmetricEigen: matrix has non-finite entries');
  }

  // w holds the transform transposed (w[b·n + a] is V[a][b]): every inner loop of tred2/tql2
  // then walks contiguous memory, and row i of w ends as eigenvector i.
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) w[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  householderTridiagonalize(n, w, d, e);
  // tred2 leaves e[i] = T[i][i-1]; tridiagonalEigen wants e[i] = T[i][i+1].
  for (let i = 0; i + 1 < n; i++) e[i] = e[i + 1];
  tridiagonalEigen(n, d, e, w, n);

  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const source = order[j];
    values[j] = d[source];
    for (let row = 0; row < n; row++) vectors[row * n + j] = w[source * n + row];
  }
  return { values, vectors };
}

/**
 * EISPACK tred2 on the transposed storage described above: reduces the symmetric matrix in w to
 * tridiagonal form (diagonal in d, e[i] = T[i][i-1]) and leaves the accumulated orthogonal
 * transform in w, transposed.
 */
function householderTridiagonalize(n: number, w: Float64Array, d: Float64Array, e: Float64Array): void {
  if (n === 0) return;
  for (let j = 0; j < n; j++) d[j] = w[j * n + n - 1];

  for (let i = n - 1; i > 0; i--) {
    // Scale the row to avoid under- and overflow in the Householder vector.
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + i - 1];
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;

      // Apply the similarity transformation to the remaining columns.
      for (let j = 0; j < i; j++) {
        const column = j * n;
        f = d[j];
        w[i * n + j] = f;
        g = e[j] + w[column + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += w[column + k] * d[k];
          e[k] += w[column + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        const column = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) w[column + k] -= f * e[k] + g * d[k];
        d[j] = w[column + i - 1];
        w[column + i] = 0;
      }
    }
    d[i] = h;
  }

  // Accumulate the Householder transformations.
  for (let i = 0; i < n - 1; i++) {
    w[i * n + n - 1] = w[i * n + i];
    w[i * n + i] = 1;
    const h = d[i + 1];
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const column = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[next + k] * w[column + k];
        for (let k = 0; k <= i; k++) w[column + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) w[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + n - 1];
    w[j * n + n - 1] = 0;
  }
  w[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}
