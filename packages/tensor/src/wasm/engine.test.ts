import { describe, expect, it } from 'vitest';
import { GEMM_WASM_MIN_WORK, gemm, gemmUsesWasm, referenceGemm } from '../blas.js';
import type { Precision } from '../float-array.js';
import { Rng } from '../rng.js';
import { wasmGemm, wasmKernelsAvailable } from './engine.js';
import { expectWithinBound, naiveGemm, randomArray as random } from '../../test/gemm-oracle.js';

/*
 * The WASM kernels against the TypeScript reference. Both are compared with a float64 triple loop
 * over the same (already rounded) inputs, with the forward error bound of a length-k dot product
 * plus the few extra roundings the WASM path makes (alpha·a when packing A, beta·c, the final
 * add into C): |got − exact| ≤ ε·(k + 4)·Σ|terms|. ε is 2^-53·2 = 2^-52 for float64 and 2^-24 for
 * float32, where the WASM kernel computes in float32 (f32x4) throughout.
 *
 * Shapes cover 1, odd sizes, non-multiples of the 4×4 (float64) and 4×8 (float32) register tiles,
 * and every blocking boundary: KC = 256 (k = 257, 300), MC = 96 / 128 (m = 97, 130) and
 * NC = 2048 (n = 2049).
 */

const EPSILON: Record<Precision, number> = { float64: 2 ** -52, float32: 2 ** -24 };
const PRECISIONS: Precision[] = ['float64', 'float32'];
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 5, 7],
  [5, 1, 7],
  [7, 5, 1],
  [3, 3, 3],
  [4, 4, 4],
  [4, 8, 16],
  [5, 9, 17],
  [13, 11, 7],
  [31, 33, 29],
  [8, 8, 257],
  [6, 10, 300],
  [97, 7, 5],
  [130, 19, 33],
  [3, 2049, 2],
];
const COEFFICIENTS: [number, number][] = [
  [1, 0],
  [-0.75, 1],
  [2.5, -1.25],
];

describe('wasm gemm kernels', () => {
  it('are available on Node 20 (WASM SIMD and shared memory)', () => {
    expect(wasmKernelsAvailable()).toBe(true);
  });

  for (const precision of PRECISIONS) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`${precision} transA=${transA} transB=${transB} agree with the reference`, () => {
          const rng = new Rng(7).derive(`${precision} ${transA} ${transB}`);
          for (const [m, n, k] of SHAPES) {
            for (const [alpha, beta] of COEFFICIENTS) {
              const a = random(rng, precision, m * k);
              const b = random(rng, precision, k * n);
              const c = random(rng, precision, m * n);
              // beta = 0 must ignore whatever is in C, NaN included.
              if (beta === 0) c.fill(Number.NaN);
              const want = naiveGemm(transA, transB, m, n, k, alpha, a, b, beta, c);
              const fast = c.slice();
              const reference = c.slice();
              wasmGemm(transA, transB, m, n, k, alpha, a, b, beta, fast);
              referenceGemm(transA, transB, m, n, k, alpha, a, b, beta, reference);
              const bound = EPSILON[precision] * (k + 4);
              const label = `${m}×${n}×${k} alpha=${alpha} beta=${beta}`;
              expectWithinBound(fast, want.value, want.magnitude, bound, `wasm ${label}`);
              expectWithinBound(reference, want.value, want.magnitude, bound, `reference ${label}`);
            }
          }
        });
      }
    }
  }

  it('touches only the first m·n elements of C and reads only the first m·k / k·n of A / B', () => {
    const rng = new Rng(8);
    const [m, n, k] = [9, 7, 5];
    const a = random(rng, 'float64', m * k + 3);
    const b = random(rng, 'float64', k * n + 3);
    a.fill(Number.NaN, m * k);
    b.fill(Number.NaN, k * n);
    const c = new Float64Array(m * n + 4).fill(42);
    wasmGemm(false, false, m, n, k, 1, a, b, 0, c);
    expect(Array.from(c.subarray(m * n))).toEqual([42, 42, 42, 42]);
    expect(c.subarray(0, m * n).every(Number.isFinite)).toBe(true);
  });

  it('propagates NaN and Infinity from the inputs', () => {
    const [m, n, k] = [6, 6, 6];
    const a = new Float64Array(m * k).fill(1);
    const b = new Float32Array(k * n).fill(1);
    a[2 * k + 3] = Number.NaN; // row 2 of A
    const c = new Float64Array(m * n);
    wasmGemm(false, false, m, n, k, 1, a, b, 0, c);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) expect(Number.isNaN(c[i * n + j])).toBe(i === 2);
    }
    const a32 = new Float32Array(m * k).fill(1);
    a32[0] = Number.POSITIVE_INFINITY;
    const c32 = new Float32Array(m * n);
    wasmGemm(false, false, m, n, k, 1, a32, b, 0, c32);
    expect(c32[0]).toBe(Number.POSITIVE_INFINITY);
    expect(c32[n]).toBe(6);
  });

  it('mixes precisions: float64 arithmetic when any operand is float64, rounded into a float32 C', () => {
    const rng = new Rng(9);
    const [m, n, k] = [17, 13, 40];
    const a = random(rng, 'float32', m * k);
    const b = random(rng, 'float64', k * n);
    const c = random(rng, 'float32', m * n);
    const want = naiveGemm(false, true, m, n, k, 1.5, a, b, -1, c);
    wasmGemm(false, true, m, n, k, 1.5, a, b, -1, c);
    // float64 sums, then one rounding to float32.
    expectWithinBound(c, want.value, want.magnitude, 2 ** -24 + EPSILON.float64 * (k + 4), 'mixed');
  });

  it('grows its memory for large operands and stays correct afterwards', () => {
    const rng = new Rng(10);
    // 3 × 700² float64 = 11.8 MB of operands, more than the initial 8 MiB memory.
    for (const [m, n, k] of [
      [700, 700, 700],
      [20, 30, 40],
    ]) {
      const a = random(rng, 'float64', m * k);
      const b = random(rng, 'float64', k * n);
      const c = new Float64Array(m * n);
      wasmGemm(true, false, m, n, k, 1, a, b, 0, c);
      // Spot-check rows against the reference (the whole 700³ reference takes a while).
      const rows = Math.min(m, 3);
      const reference = new Float64Array(rows * n);
      const aRows = new Float64Array(rows * k);
      for (let i = 0; i < rows; i++) for (let p = 0; p < k; p++) aRows[i * k + p] = a[p * m + i];
      referenceGemm(false, false, rows, n, k, 1, aRows, b, 0, reference);
      for (let i = 0; i < rows * n; i++) expect(Math.abs(c[i] - reference[i])).toBeLessThan(1e-10);
    }
  });
});

describe('gemm dispatch', () => {
  /** Finds the WASM and reference results of one shape and checks that they differ somewhere. */
  function bothResults(precision: Precision, m: number, n: number, k: number) {
    const rng = new Rng(11).derive(`${precision} ${m} ${n} ${k}`);
    const a = random(rng, precision, m * k);
    const b = random(rng, precision, k * n);
    const c = random(rng, precision, m * n);
    const viaGemm = c.slice();
    const viaWasm = c.slice();
    const viaReference = c.slice();
    gemm(true, false, m, n, k, 0.5, a, b, 1, viaGemm);
    wasmGemm(true, false, m, n, k, 0.5, a, b, 1, viaWasm);
    referenceGemm(true, false, m, n, k, 0.5, a, b, 1, viaReference);
    // The paths round differently, which is what lets the result tell which one ran.
    expect(Array.from(viaWasm)).not.toEqual(Array.from(viaReference));
    return { viaGemm, viaWasm, viaReference };
  }

  for (const precision of PRECISIONS) {
    const threshold = GEMM_WASM_MIN_WORK[precision];

    it(`${precision}: m·n·k = ${threshold} and above runs on WASM`, () => {
      // threshold = 10³ (float64) or 6³ (float32): take the cube and skinny shapes above it.
      const side = Math.round(Math.cbrt(threshold));
      for (const [m, n, k] of [
        [side, side, side],
        [1, threshold, 1],
        [2, 33, threshold],
      ]) {
        expect(gemmUsesWasm(m, n, k, precision)).toBe(true);
      }
      const { viaGemm, viaWasm } = bothResults(precision, side, side, side);
      expect(Array.from(viaGemm)).toEqual(Array.from(viaWasm));
    });

    it(`${precision}: below m·n·k = ${threshold} runs the TypeScript reference`, () => {
      const side = Math.round(Math.cbrt(threshold));
      expect(gemmUsesWasm(side, side, side - 1, precision)).toBe(false);
      expect(gemmUsesWasm(1, 1, threshold - 1, precision)).toBe(false);
      const { viaGemm, viaReference } = bothResults(precision, side, side, side - 1);
      expect(Array.from(viaGemm)).toEqual(Array.from(viaReference));
    });
  }

  it('alpha = 0 never reaches WASM (A and B are not read, even when large)', () => {
    const [m, n, k] = [32, 32, 32];
    const a = new Float64Array(m * k).fill(Number.NaN);
    const b = new Float64Array(k * n).fill(Number.NaN);
    const c = new Float64Array(m * n).fill(3);
    gemm(false, false, m, n, k, 0, a, b, 2, c);
    expect(c.every((v) => v === 6)).toBe(true);
  });
});
