import type { FloatArray, Precision } from './float-array.js';
import { wasmGemm, wasmGemv, wasmKernelsAvailable } from './wasm/engine.js';

/*
 * Dense, row-major BLAS-like kernels. The plain-TypeScript code here is the reference
 * implementation; `gemm` dispatches products large enough to pay for copying their operands to the
 * WASM SIMD kernels in ./wasm (see GEMM_WASM_MIN_WORK), and those are tested against the reference.
 * The signatures mirror BLAS (explicit shapes, alpha/beta, caller-owned outputs) and nothing here
 * allocates per call (the WASM path reuses one module-level linear memory).
 *
 * Zero conventions follow reference BLAS: beta = 0 overwrites the output (so an uninitialised or
 * NaN-filled buffer is fine), and alpha = 0 skips reading the inputs. Everything else is plain
 * IEEE arithmetic, so a NaN or Infinity in an input propagates to the output, which is how a
 * diverging run shows up in allFinite.
 *
 * Outputs must not alias inputs. Shapes are checked against buffer lengths (O(1) per call)
 * because an out-of-range typed-array read yields undefined, which would silently become NaN.
 */

function checkDimension(kernel: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${kernel}: ${name} must be a non-negative integer, got ${value}`);
  }
}

function checkLength(kernel: string, name: string, array: FloatArray, required: number): void {
  if (array.length < required) {
    throw new RangeError(`${kernel}: ${name} has length ${array.length}, needs at least ${required}`);
  }
}

/** c[0..length) *= beta, where beta = 0 overwrites rather than multiplies (see module comment). */
function scaleOutput(beta: number, c: FloatArray, length: number): void {
  if (beta === 0) {
    c.fill(0, 0, length);
  } else if (beta !== 1) {
    for (let i = 0; i < length; i++) c[i] *= beta;
  }
}

export function checkGemm(
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  b: FloatArray,
  c: FloatArray,
): void {
  checkDimension('gemm', 'm', m);
  checkDimension('gemm', 'n', n);
  checkDimension('gemm', 'k', k);
  checkLength('gemm', 'a', a, m * k);
  checkLength('gemm', 'b', b, k * n);
  checkLength('gemm', 'c', c, m * n);
}

/**
 * The WASM path is taken when m·n·k is at least this. Below it the TypeScript kernel can win: a
 * WASM call costs 1–2 µs (views, copies of A, B and C, the call itself), about what the TypeScript
 * kernel needs for a 10³ float64 product. Float32 crosses over earlier because the TypeScript kernel
 * computes in float64 and rounds on every store into C. Measured by the crossover group of
 * bench/gemm.bench.ts: in float64 WASM is slower at 6³, even at 8³ and 1.5× faster at 10³; in
 * float32 it is already 1.3× faster at 6³.
 */
export const GEMM_WASM_MIN_WORK: Readonly<Record<Precision, number>> = { float64: 10 ** 3, float32: 6 ** 3 };

/** The precision gemm computes in: float64 if any operand is float64, else float32. */
function gemmPrecision(a: FloatArray, b: FloatArray, c: FloatArray): Precision {
  return a instanceof Float64Array || b instanceof Float64Array || c instanceof Float64Array
    ? 'float64'
    : 'float32';
}

/** Whether `gemm` runs an m×n×k product in this precision on the WASM kernels (for tests and benchmarks). */
export function gemmUsesWasm(m: number, n: number, k: number, precision: Precision): boolean {
  return m * n * k >= GEMM_WASM_MIN_WORK[precision] && wasmKernelsAvailable();
}

/**
 * C (m×n) ← alpha·op(A)·op(B) + beta·C. op(A) is m×k (A stored k×m when transA), op(B) is k×n
 * (B stored n×k when transB). beta = 0 must ignore NaN/garbage already in C.
 *
 * Large products run on the WASM SIMD kernels (see gemmUsesWasm), the rest on referenceGemm. The
 * two agree to rounding: float32 products on the WASM path are accumulated in float32 (f32x4), so
 * their error bound is that of float32 arithmetic rather than of a float64 sum rounded once.
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  beta: number,
  c: FloatArray,
): void {
  checkGemm(m, n, k, a, b, c);
  if (alpha !== 0 && gemmUsesWasm(m, n, k, gemmPrecision(a, b, c))) {
    wasmGemm(transA, transB, m, n, k, alpha, a, b, beta, c);
  } else {
    referenceGemmUnchecked(transA, transB, m, n, k, alpha, a, b, beta, c);
  }
}

/** gemm in plain TypeScript, whatever the size: the reference the WASM kernels are tested against. */
export function referenceGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  beta: number,
  c: FloatArray,
): void {
  checkGemm(m, n, k, a, b, c);
  referenceGemmUnchecked(transA, transB, m, n, k, alpha, a, b, beta, c);
}

function referenceGemmUnchecked(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  beta: number,
  c: FloatArray,
): void {
  // Applying beta up front lets every transpose case below accumulate into C the same way.
  scaleOutput(beta, c, m * n);
  if (alpha === 0 || k === 0 || m === 0 || n === 0) return;

  // op(A)[i][p] = a[i·rowStride + p·colStride], so one kernel serves A and Aᵀ.
  const rowStride = transA ? 1 : k;
  const colStride = transA ? m : 1;
  if (transB) accumulateDots(m, n, k, alpha, a, rowStride, colStride, b, c);
  else accumulateRows(m, n, k, alpha, a, rowStride, colStride, b, c);
}

/**
 * C += alpha·op(A)·B with B stored k×n: i-p-j order, so the innermost loop streams rows of B into
 * rows of C, both contiguous. Two rows of C and four rows of B are done per pass (register
 * blocking): each C element is loaded and stored once per four products instead of once per
 * product, which is what bounds a plain JS loop (≈3.5× faster at 256³).
 */
function accumulateRows(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  rowStride: number,
  colStride: number,
  b: FloatArray,
  c: FloatArray,
): void {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const row0 = i * rowStride;
    const row1 = row0 + rowStride;
    const c0 = i * n;
    const c1 = c0 + n;
    let p = 0;
    for (; p + 3 < k; p += 4) {
      const col = p * colStride;
      const x0 = alpha * a[row0 + col];
      const x1 = alpha * a[row0 + col + colStride];
      const x2 = alpha * a[row0 + col + 2 * colStride];
      const x3 = alpha * a[row0 + col + 3 * colStride];
      const y0 = alpha * a[row1 + col];
      const y1 = alpha * a[row1 + col + colStride];
      const y2 = alpha * a[row1 + col + 2 * colStride];
      const y3 = alpha * a[row1 + col + 3 * colStride];
      const b0 = p * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        const v0 = b[b0 + j];
        const v1 = b[b1 + j];
        const v2 = b[b2 + j];
        const v3 = b[b3 + j];
        c[c0 + j] += x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3;
        c[c1 + j] += y0 * v0 + y1 * v1 + y2 * v2 + y3 * v3;
      }
    }
    for (; p < k; p++) {
      const x = alpha * a[row0 + p * colStride];
      const y = alpha * a[row1 + p * colStride];
      const bRow = p * n;
      for (let j = 0; j < n; j++) {
        const v = b[bRow + j];
        c[c0 + j] += x * v;
        c[c1 + j] += y * v;
      }
    }
  }
  // The odd last row, if any.
  for (; i < m; i++) {
    const row = i * rowStride;
    const cRow = i * n;
    for (let p = 0; p < k; p++) {
      const x = alpha * a[row + p * colStride];
      const bRow = p * n;
      for (let j = 0; j < n; j++) c[cRow + j] += x * b[bRow + j];
    }
  }
}

/**
 * C += alpha·op(A)·Bᵀ with B stored n×k: C[i][j] is the dot product of op(A)'s row i with B's
 * row j, both contiguous unless A is transposed too (Aᵀ·Bᵀ is rare, so that case simply reads A
 * with a stride). A 2×2 block of C per pass reuses every loaded element twice.
 */
function accumulateDots(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  rowStride: number,
  colStride: number,
  b: FloatArray,
  c: FloatArray,
): void {
  for (let i = 0; i < m; i += 2) {
    const pair = i + 1 < m;
    const row0 = i * rowStride;
    // With a single row left, row 1 aliases row 0 and its results are discarded.
    const row1 = pair ? row0 + rowStride : row0;
    for (let j = 0; j < n; j += 2) {
      const both = j + 1 < n;
      const b0 = j * k;
      const b1 = both ? b0 + k : b0;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let p = 0; p < k; p++) {
        const col = p * colStride;
        const x = a[row0 + col];
        const y = a[row1 + col];
        const u = b[b0 + p];
        const v = b[b1 + p];
        s00 += x * u;
        s01 += x * v;
        s10 += y * u;
        s11 += y * v;
      }
      const c0 = i * n + j;
      c[c0] += alpha * s00;
      if (both) c[c0 + 1] += alpha * s01;
      if (pair) {
        c[c0 + n] += alpha * s10;
        if (both) c[c0 + n + 1] += alpha * s11;
      }
    }
  }
}

/** y (len m, or n when trans) ← alpha·op(A)·x + beta·y, A is m×n row-major. */
export function gemv(
  trans: boolean,
  m: number,
  n: number,
  alpha: number,
  a: FloatArray,
  x: FloatArray,
  beta: number,
  y: FloatArray,
): void {
  checkDimension('gemv', 'm', m);
  checkDimension('gemv', 'n', n);
  checkLength('gemv', 'a', a, m * n);
  const xLength = trans ? m : n;
  const yLength = trans ? n : m;
  checkLength('gemv', 'x', x, xLength);
  checkLength('gemv', 'y', y, yLength);

  if (alpha !== 0 && m * n >= GEMV_WASM_MIN_WORK && wasmKernelsAvailable()) {
    wasmGemv(trans, m, n, alpha, a, x, beta, y);
    return;
  }
  referenceGemvUnchecked(trans, m, n, alpha, a, x, beta, y);
}

/**
 * gemv takes the WASM path from m·n at least this: a plain loop's dot products are one serial chain
 * of additions (~2.4 ns per element on the development machine), the SIMD kernel keeps 8 (float64)
 * or 16 (float32) lanes in flight and is memory-bound; below this the call overhead (~1–2 µs) wins.
 */
export const GEMV_WASM_MIN_WORK = 4096;

/** gemv in plain TypeScript, whatever the size: the reference the WASM kernel is tested against. */
export function referenceGemv(trans: boolean, m: number, n: number, alpha: number, a: FloatArray, x: FloatArray, beta: number, y: FloatArray): void {
  checkDimension('gemv', 'm', m);
  checkDimension('gemv', 'n', n);
  checkLength('gemv', 'a', a, m * n);
  checkLength('gemv', 'x', x, trans ? m : n);
  checkLength('gemv', 'y', y, trans ? n : m);
  referenceGemvUnchecked(trans, m, n, alpha, a, x, beta, y);
}

function referenceGemvUnchecked(trans: boolean, m: number, n: number, alpha: number, a: FloatArray, x: FloatArray, beta: number, y: FloatArray): void {
  scaleOutput(beta, y, trans ? n : m);
  if (alpha === 0) return;

  if (!trans) {
    // Each output is a dot product with a contiguous row of A.
    for (let i = 0; i < m; i++) {
      const row = i * n;
      let sum = 0;
      for (let j = 0; j < n; j++) sum += a[row + j] * x[j];
      y[i] += alpha * sum;
    }
  } else {
    // Aᵀx as a sum of scaled rows of A, so A is still read row by row instead of by column.
    for (let i = 0; i < m; i++) {
      const xi = alpha * x[i];
      const row = i * n;
      for (let j = 0; j < n; j++) y[j] += xi * a[row + j];
    }
  }
}

/** xᵀy over the first `length` elements (default: all, in which case the lengths must match). */
export function dot(x: FloatArray, y: FloatArray, length?: number): number {
  let count: number;
  if (length === undefined) {
    if (x.length !== y.length) {
      throw new RangeError(`dot: length mismatch ${x.length} vs ${y.length}`);
    }
    count = x.length;
  } else {
    checkDimension('dot', 'length', length);
    checkLength('dot', 'x', x, length);
    checkLength('dot', 'y', y, length);
    count = length;
  }
  let sum = 0;
  for (let i = 0; i < count; i++) sum += x[i] * y[i];
  return sum;
}

/** y += alpha·x. alpha = 0 returns without reading x, as in reference BLAS. */
export function axpy(alpha: number, x: FloatArray, y: FloatArray): void {
  if (x.length !== y.length) {
    throw new RangeError(`axpy: length mismatch ${x.length} vs ${y.length}`);
  }
  if (alpha === 0) return;
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}

/** x *= alpha, plain IEEE multiplication (alpha = 0 keeps NaN as NaN; use fill(0) to clear). */
export function scale(alpha: number, x: FloatArray): void {
  if (alpha === 1) return;
  for (let i = 0; i < x.length; i++) x[i] *= alpha;
}

/** target ← source; the lengths must match, and precisions may differ (values are rounded). */
export function copy(source: FloatArray, target: FloatArray): void {
  if (source.length !== target.length) {
    throw new RangeError(`copy: length mismatch ${source.length} vs ${target.length}`);
  }
  target.set(source);
}

/** Σ xᵢ², accumulated in float64 whatever the array precision. */
export function sumOfSquares(x: FloatArray): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  return sum;
}

// Outside this window the plain sum of squares may have overflowed to Infinity, or its terms may
// have underflowed into subnormals and lost precision; inside it the fast path is accurate.
const SQUARES_TOO_SMALL = 2 ** -1000;
const SQUARES_TOO_LARGE = 2 ** 1000;

/**
 * Euclidean norm. The fast path is sqrt(sumOfSquares); only when that sum overflowed or
 * underflowed (parameters of a diverging run can exceed 1e154) is a second, rescaled pass made,
 * so a finite vector always has a finite, accurate norm.
 */
export function norm2(x: FloatArray): number {
  const sum = sumOfSquares(x);
  if (sum > SQUARES_TOO_SMALL && sum < SQUARES_TOO_LARGE) return Math.sqrt(sum);
  if (Number.isNaN(sum)) return Number.NaN;
  // The sum is 0, tiny or Infinity: rescale by the largest magnitude (which is 0 for a zero
  // vector and Infinity when an element really is infinite, both returned as they are).
  let largest = 0;
  for (let i = 0; i < x.length; i++) {
    const magnitude = Math.abs(x[i]);
    if (magnitude > largest) largest = magnitude;
  }
  if (largest === 0 || largest === Infinity) return largest;
  let scaled = 0;
  for (let i = 0; i < x.length; i++) {
    const ratio = x[i] / largest;
    scaled += ratio * ratio;
  }
  return largest * Math.sqrt(scaled);
}

/** True when no element is NaN or ±Infinity (the divergence check). */
export function allFinite(x: FloatArray): boolean {
  for (let i = 0; i < x.length; i++) {
    // v - v is 0 for every finite v and NaN for NaN and ±Infinity.
    const v = x[i];
    if (v - v !== 0) return false;
  }
  return true;
}
