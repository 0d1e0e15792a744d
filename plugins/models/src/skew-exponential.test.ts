import { gemm, Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { skewSymmetricExponential } from './skew-exponential.js';

/*
 * exp(A) for skew-symmetric A, the random eigenbases Q = exp((B − Bᵀ)/√2) of Meltzer et al.'s
 * meta-features (papers.md §2): closed forms, orthogonality and the defining properties of exp.
 */

function multiply(a: Float64Array, b: Float64Array, n: number, transA = false): Float64Array {
  const out = new Float64Array(n * n);
  gemm(transA, false, n, n, n, 1, a, b, 0, out);
  return out;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let error = 0;
  for (let i = 0; i < a.length; i++) error = Math.max(error, Math.abs(a[i] - b[i]));
  return error;
}

function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** (B − Bᵀ)/√2 with B ~ N(0, 1): off-diagonal entries N(0, 1), ‖A‖₂ ≈ 2√n. */
function randomSkew(rng: Rng, n: number): Float64Array {
  const b = new Float64Array(n * n);
  rng.fillNormal(b);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (b[i * n + j] - b[j * n + i]) / Math.SQRT2;
  return a;
}

describe('skewSymmetricExponential (papers.md §2: Q = exp((B − Bᵀ)/√2))', () => {
  it.each([0, 1e-8, 0.5, 3, 50, 1000])('2×2: exp([[0, t], [−t, 0]]) is the rotation [[cos t, sin t], [−sin t, cos t]] (t = %s, 1e-13·max(1, t))', (t) => {
    const q = skewSymmetricExponential([0, t, -t, 0], 2);
    const expected = [Math.cos(t), Math.sin(t), -Math.sin(t), Math.cos(t)];
    expect(maxAbsDifference(q, expected)).toBeLessThan(1e-13 * Math.max(1, t));
  });

  it('3×3: Rodrigues, exp(K) = I + (sin θ/θ) K + ((1 − cos θ)/θ²) K² (1e-14)', () => {
    const [x, y, z] = [0.3, -1.2, 2.1];
    const k = Float64Array.of(0, -z, y, z, 0, -x, -y, x, 0);
    const theta = Math.hypot(x, y, z);
    const k2 = multiply(k, k, 3);
    const expected = identity(3).map((value, i) => value + (Math.sin(theta) / theta) * k[i] + ((1 - Math.cos(theta)) / theta ** 2) * k2[i]);
    expect(maxAbsDifference(skewSymmetricExponential(k, 3), expected)).toBeLessThan(1e-14);
  });

  it('n = 64: rotations by angles up to 60 in 32 planes, conjugated by a reflection H: exp(H D Hᵀ) = H exp(D) Hᵀ (1e-12)', () => {
    const n = 64;
    const rng = new Rng(3);
    const angles = Float64Array.from({ length: n / 2 }, (_, i) => (60 * (i + 1)) / (n / 2) - 7 * rng.uniform());
    const skew = new Float64Array(n * n);
    const rotation = new Float64Array(n * n);
    for (let c = 0; c < n / 2; c++) {
      const [i, j, t] = [2 * c, 2 * c + 1, angles[c]];
      skew[i * n + j] = t;
      skew[j * n + i] = -t;
      rotation[i * n + i] = Math.cos(t);
      rotation[j * n + j] = Math.cos(t);
      rotation[i * n + j] = Math.sin(t);
      rotation[j * n + i] = -Math.sin(t);
    }
    // H = I − 2vvᵀ/‖v‖², symmetric and orthogonal.
    const v = new Float64Array(n);
    rng.fillNormal(v);
    const norm2 = v.reduce((sum, value) => sum + value * value, 0);
    const h = identity(n).map((value, index) => value - (2 * v[Math.floor(index / n)] * v[index % n]) / norm2);
    const a = multiply(multiply(h, skew, n), h, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = -a[j * n + i]; // exact skew symmetry
    for (let i = 0; i < n; i++) a[i * n + i] = 0;
    const expected = multiply(multiply(h, rotation, n), h, n);
    expect(maxAbsDifference(skewSymmetricExponential(a, n), expected)).toBeLessThan(1e-12);
  });

  it('n = 200, A = (B − Bᵀ)/√2: QᵀQ = I, exp(2A) = exp(A)², and d/dt exp(tA) = A exp(tA) at t = 1', () => {
    const n = 200;
    const a = randomSkew(new Rng(7), n);
    const q = skewSymmetricExponential(a, n);
    expect(maxAbsDifference(multiply(q, q, n, true), identity(n))).toBeLessThan(1e-12);
    const twice = skewSymmetricExponential(a.map((value) => 2 * value), n);
    expect(maxAbsDifference(twice, multiply(q, q, n))).toBeLessThan(1e-11);
    const h = 1e-5;
    const plus = skewSymmetricExponential(a.map((value) => (1 + h) * value), n);
    const minus = skewSymmetricExponential(a.map((value) => (1 - h) * value), n);
    const derivative = multiply(a, q, n);
    const scale = derivative.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
    expect(maxAbsDifference(plus.map((value, i) => (value - minus[i]) / (2 * h)), derivative) / scale).toBeLessThan(1e-6);
  });

  it('exp(0) = I; rejects a matrix that is not skew-symmetric, non-finite entries and bad sizes', () => {
    expect(skewSymmetricExponential(new Float64Array(9), 3)).toEqual(identity(3));
    expect(() => skewSymmetricExponential([0, 1, 1, 0], 2)).toThrow(/not skew-symmetric/);
    expect(() => skewSymmetricExponential([1, 0, 0, 0], 2)).toThrow(/not skew-symmetric/);
    expect(() => skewSymmetricExponential([0, Number.NaN, -1, 0], 2)).toThrow(/NaN/);
    expect(() => skewSymmetricExponential([0, 1, -1], 2)).toThrow(RangeError);
    expect(() => skewSymmetricExponential([], 0)).toThrow(RangeError);
  });
});
