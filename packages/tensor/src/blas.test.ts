import { describe, expect, it } from 'vitest';
import { allFinite, axpy, copy, dot, gemm, gemv, norm2, scale, sumOfSquares } from './blas.js';
import type { Precision } from './float-array.js';
import { Rng } from './rng.js';
import { expectWithinBound, naiveGemm, randomArray as random } from '../test/gemm-oracle.js';

/*
 * Tolerances: every result is compared with a float64 reference computed from the same (already
 * rounded) inputs, as |got − want| ≤ ε·(k + 2)·Σ|terms|, the standard forward error bound of a
 * length-k dot product. ε is 2^-52 for float64 outputs; for float32 outputs it is 2^-24, since
 * the TypeScript kernel rounds to float32 whenever it stores into C and the WASM kernel (which gemm
 * uses for the larger shapes here) computes in float32 throughout.
 */
const EPSILON: Record<Precision, number> = { float64: 2 ** -52, float32: 2 ** -24 };
const PRECISIONS: Precision[] = ['float64', 'float32'];
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [5, 1, 9],
  [3, 5, 1],
  [7, 11, 13],
  [16, 16, 16],
  [33, 17, 9],
  [2, 31, 40],
];
const ALPHAS = [1, -0.5, 0, 2.25];
const BETAS = [0, 1, -1.5];

describe('gemm', () => {
  const rng = new Rng(1);
  const shapes: [number, number, number][] = [...SHAPES];
  for (let s = 0; s < 6; s++) shapes.push([1 + rng.integer(24), 1 + rng.integer(24), 1 + rng.integer(24)]);

  for (const precision of PRECISIONS) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`${precision} transA=${transA} transB=${transB} matches the naive triple loop`, () => {
          for (const [m, n, k] of shapes) {
            for (const alpha of ALPHAS) {
              for (const beta of BETAS) {
                const a = random(rng, precision, m * k);
                const b = random(rng, precision, k * n);
                const c = random(rng, precision, m * n);
                // beta = 0 must ignore whatever is in C, NaN included.
                if (beta === 0) c.fill(Number.NaN);
                const want = naiveGemm(transA, transB, m, n, k, alpha, a, b, beta, c);
                gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
                expectWithinBound(c, want.value, want.magnitude, EPSILON[precision] * (k + 2));
              }
            }
          }
        });
      }
    }
  }

  it('alpha = 0 does not read A or B', () => {
    const a = new Float64Array(6).fill(Number.NaN);
    const b = new Float64Array(6).fill(Number.NaN);
    const c = Float64Array.from([1, 2, 3, 4]);
    gemm(false, false, 2, 2, 3, 0, a, b, 2, c);
    expect(Array.from(c)).toEqual([2, 4, 6, 8]);
  });

  it('k = 0 scales C by beta', () => {
    const c = Float64Array.from([1, Number.NaN]);
    gemm(false, false, 1, 2, 0, 1, new Float64Array(0), new Float64Array(0), 0, c);
    expect(Array.from(c)).toEqual([0, 0]);
  });

  it('propagates NaN from the inputs (divergence must stay visible)', () => {
    const a = Float64Array.from([1, Number.NaN]);
    const b = Float64Array.from([0, 0]);
    const c = new Float64Array(1);
    gemm(false, false, 1, 1, 2, 1, a, b, 0, c);
    expect(Number.isNaN(c[0])).toBe(true);
  });

  it('mixes precisions', () => {
    const a = Float32Array.from([1, 2, 3, 4]);
    const b = Float64Array.from([1, 0, 0, 1]);
    const c = new Float64Array(4);
    gemm(false, false, 2, 2, 2, 1, a, b, 0, c);
    expect(Array.from(c)).toEqual([1, 2, 3, 4]);
  });

  it('rejects buffers too short for the shape', () => {
    const x = new Float64Array(5);
    expect(() => gemm(false, false, 2, 2, 2, 1, new Float64Array(3), x, 0, x)).toThrow(RangeError);
    expect(() => gemm(false, false, 2, 3, 2, 1, x, new Float64Array(6), 0, new Float64Array(5))).toThrow(RangeError);
    expect(() => gemm(false, false, -1, 2, 2, 1, x, x, 0, x)).toThrow(RangeError);
  });
});

describe('gemv', () => {
  const rng = new Rng(2);
  const shapes: [number, number][] = [[1, 1], [1, 9], [8, 1], [7, 13], [32, 32], [45, 3]];
  for (let s = 0; s < 6; s++) shapes.push([1 + rng.integer(40), 1 + rng.integer(40)]);

  for (const precision of PRECISIONS) {
    for (const trans of [false, true]) {
      it(`${precision} trans=${trans} matches the naive loop`, () => {
        for (const [m, n] of shapes) {
          for (const alpha of ALPHAS) {
            for (const beta of BETAS) {
              const a = random(rng, precision, m * n);
              const x = random(rng, precision, trans ? m : n);
              const y = random(rng, precision, trans ? n : m);
              if (beta === 0) y.fill(Number.NaN);
              // gemv is gemm with a single column: op(A)·x with x as k×1.
              const want = trans
                ? naiveGemm(true, false, n, 1, m, alpha, a, x, beta, y)
                : naiveGemm(false, false, m, 1, n, alpha, a, x, beta, y);
              gemv(trans, m, n, alpha, a, x, beta, y);
              expectWithinBound(y, want.value, want.magnitude, EPSILON[precision] * ((trans ? m : n) + 2));
            }
          }
        }
      });
    }
  }

  it('rejects buffers too short for the shape', () => {
    const a = new Float64Array(6);
    expect(() => gemv(false, 2, 3, 1, a, new Float64Array(2), 0, new Float64Array(2))).toThrow(RangeError);
    expect(() => gemv(true, 2, 3, 1, a, new Float64Array(2), 0, new Float64Array(2))).toThrow(RangeError);
  });
});

describe('vector kernels', () => {
  it('dot over all elements or a prefix', () => {
    const x = Float64Array.from([1, 2, 3]);
    const y = Float32Array.from([4, 5, 6]);
    expect(dot(x, y)).toBe(32);
    expect(dot(x, y, 2)).toBe(14);
    expect(dot(x, y, 0)).toBe(0);
    expect(() => dot(x, new Float64Array(2))).toThrow(RangeError);
    expect(() => dot(x, y, 4)).toThrow(RangeError);
  });

  it('axpy, scale and copy', () => {
    const x = Float64Array.from([1, 2, 3]);
    const y = Float64Array.from([10, 20, 30]);
    axpy(2, x, y);
    expect(Array.from(y)).toEqual([12, 24, 36]);
    scale(0.5, y);
    expect(Array.from(y)).toEqual([6, 12, 18]);
    const target = new Float32Array(3);
    copy(y, target);
    expect(Array.from(target)).toEqual([6, 12, 18]);
    expect(() => axpy(1, x, new Float64Array(2))).toThrow(RangeError);
    expect(() => copy(x, new Float64Array(4))).toThrow(RangeError);
  });

  it('follows the BLAS zero conventions: axpy skips alpha = 0, scale multiplies', () => {
    const y = Float64Array.from([1]);
    axpy(0, Float64Array.from([Number.NaN]), y);
    expect(y[0]).toBe(1);
    const z = Float64Array.from([Number.NaN, 2]);
    scale(0, z);
    expect(Number.isNaN(z[0])).toBe(true);
    expect(z[1]).toBe(0);
  });

  it('sumOfSquares and norm2', () => {
    const x = Float32Array.from([3, 4]);
    expect(sumOfSquares(x)).toBe(25);
    expect(norm2(x)).toBe(5);
    expect(norm2(new Float64Array(0))).toBe(0);
    expect(norm2(new Float64Array(3))).toBe(0);
  });

  it('norm2 survives squares that overflow or underflow', () => {
    expect(norm2(Float64Array.from([3e200, 4e200])) / 5e200).toBeCloseTo(1, 14);
    expect(norm2(Float64Array.from([3e-200, 4e-200])) / 5e-200).toBeCloseTo(1, 14);
    expect(norm2(Float64Array.from([1, Number.POSITIVE_INFINITY]))).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(norm2(Float64Array.from([1, Number.NaN])))).toBe(true);
  });

  it('allFinite', () => {
    expect(allFinite(Float64Array.from([0, -1, 1e308]))).toBe(true);
    expect(allFinite(new Float32Array(0))).toBe(true);
    expect(allFinite(Float64Array.from([0, Number.NaN]))).toBe(false);
    expect(allFinite(Float32Array.from([Number.NEGATIVE_INFINITY]))).toBe(false);
  });
});
