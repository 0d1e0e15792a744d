import { checkGemm, gemm, gemmUsesWasm } from './blas.js';
import type { FloatArray, Precision } from './float-array.js';
import { wasmActivation, wasmGemmActivation, wasmKernelsAvailable } from './wasm/engine.js';

/**
 * The element-wise primal pass of a two-layer network, σ and σ' over a matrix of pre-activations,
 * for the piecewise-linear activations (tanh is not SIMD-able without a vector tanh and stays with
 * the caller):
 *
 * - 'relu' / 'leaky-relu': σ'(z) = 1 if z > 0 else `leak` (0 for 'relu', whatever `leak` says),
 *   σ(z) = z·σ'(z). So σ'(0) = 0 for ReLU, and NaN or −∞ give σ = NaN (a diverged state stays
 *   visibly non-finite).
 * - 'linear': σ(z) = z, σ'(z) = 1.
 *
 * The WASM kernels and the TypeScript references give bit-identical results (a float32 value is the
 * float64 product z·σ'(z) rounded once, as a store into a Float32Array does).
 */
export type PiecewiseLinearActivation = 'relu' | 'leaky-relu' | 'linear';

/** Below this many elements the standalone pass stays in TypeScript (a WASM call costs ~1–2 µs). */
export const ACTIVATION_WASM_MIN_COUNT = 1024;

function kindCode(kind: PiecewiseLinearActivation): number {
  return kind === 'linear' ? 1 : 0;
}

function gateLeak(kind: PiecewiseLinearActivation, leak: number): number {
  return kind === 'leaky-relu' ? leak : 0;
}

function checkCount(name: string, count: number, z: FloatArray, slope: FloatArray): void {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`${name}: count must be a non-negative integer, got ${count}`);
  if (z.length < count) throw new RangeError(`${name}: z has ${z.length} elements, needs ${count}`);
  if (slope.length < count) throw new RangeError(`${name}: slope has ${slope.length} elements, needs ${count}`);
}

/** z[i] ← σ(z[i]) and slope[i] ← σ'(z[i]) for i < count, in plain TypeScript (the reference). */
export function referenceActivationPass(
  kind: PiecewiseLinearActivation,
  leak: number,
  z: FloatArray,
  slope: FloatArray,
  count: number,
): void {
  checkCount('activationPass', count, z, slope);
  referenceUnchecked(kindCode(kind), gateLeak(kind, leak), z, slope, count);
}

function referenceUnchecked(code: number, leak: number, z: FloatArray, slope: FloatArray, count: number): void {
  if (code === 1) {
    slope.fill(1, 0, count);
    return;
  }
  for (let i = 0; i < count; i++) {
    const v = z[i];
    const g = v > 0 ? 1 : leak;
    z[i] = v * g;
    slope[i] = g;
  }
}

/**
 * z[i] ← σ(z[i]) and slope[i] ← σ'(z[i]) for i < count. Runs on the WASM SIMD kernel (copying z in,
 * z and slope out) when z and slope are the same array type and count ≥ ACTIVATION_WASM_MIN_COUNT.
 */
export function activationPass(
  kind: PiecewiseLinearActivation,
  leak: number,
  z: FloatArray,
  slope: FloatArray,
  count: number,
): void {
  checkCount('activationPass', count, z, slope);
  const code = kindCode(kind);
  const gate = gateLeak(kind, leak);
  if (count >= ACTIVATION_WASM_MIN_COUNT && sameType(z, slope) && wasmKernelsAvailable()) {
    wasmActivation(code, gate, z, slope, count);
  } else {
    referenceUnchecked(code, gate, z, slope, count);
  }
}

function sameType(a: FloatArray, b: FloatArray): boolean {
  return a instanceof Float64Array === b instanceof Float64Array;
}

/**
 * z (m×n) ← σ(alpha·op(A)·op(B)) and slope (m×n) ← σ'(same): a gemm (beta = 0, same operand
 * conventions as `gemm`) fused with `activationPass`. On the WASM path the pass runs in the kernels'
 * memory right after the product, each thread over its own rows, so z leaves WASM memory once and
 * never goes through a TypeScript loop. That path is taken when gemm would run on WASM and z and
 * slope both have the precision the product is computed in (float64 if any operand is float64);
 * otherwise it is `gemm` followed by `activationPass`. Either way the result equals
 * `gemm(...)` then `referenceActivationPass(...)` bit for bit.
 */
export function gemmActivation(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  z: FloatArray,
  slope: FloatArray,
  kind: PiecewiseLinearActivation,
  leak: number,
): void {
  checkGemm(m, n, k, a, b, z);
  checkCount('gemmActivation', m * n, z, slope);
  const double = a instanceof Float64Array || b instanceof Float64Array || z instanceof Float64Array;
  const precision: Precision = double ? 'float64' : 'float32';
  const fused =
    alpha !== 0 &&
    z instanceof Float64Array === double &&
    sameType(z, slope) &&
    gemmUsesWasm(m, n, k, precision);
  if (fused) {
    wasmGemmActivation(transA, transB, m, n, k, alpha, a, b, z, slope, kindCode(kind), gateLeak(kind, leak));
    return;
  }
  gemm(transA, transB, m, n, k, alpha, a, b, 0, z);
  activationPass(kind, leak, z, slope, m * n);
}
