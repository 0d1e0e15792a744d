// Test support (not built, not published): the gemm oracle every kernel test checks against.
import { expect } from 'vitest';
import { allocate, type FloatArray, type Precision } from '../src/float-array.js';
import type { Rng } from '../src/rng.js';

/** A fresh array of standard normal draws. */
export function randomArray(rng: Rng, precision: Precision, length: number): FloatArray {
  const out = allocate(precision, length);
  rng.fillNormal(out);
  return out;
}

/**
 * The product in float64 by a plain triple loop on explicit indices, with the magnitudes
 * Σ|terms| that bound the rounding error of any summation order.
 */
export function naiveGemm(
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
): { value: Float64Array; magnitude: Float64Array } {
  const value = new Float64Array(m * n);
  const magnitude = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a[p * m + i] : a[i * k + p];
        const y = transB ? b[j * k + p] : b[p * n + j];
        sum += x * y;
        abs += Math.abs(x * y);
      }
      const previous = beta === 0 ? 0 : beta * c[i * n + j];
      value[i * n + j] = alpha * sum + previous;
      magnitude[i * n + j] = Math.abs(alpha) * abs + Math.abs(previous);
    }
  }
  return { value, magnitude };
}

/** |got − want| ≤ bound·magnitude for every element of `want`; the first violation is thrown with its index. */
export function expectWithinBound(got: FloatArray, want: Float64Array, magnitude: Float64Array, bound: number, label = ''): void {
  expect(got.length).toBeGreaterThanOrEqual(want.length);
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i] - want[i]);
    if (!(error <= bound * magnitude[i])) {
      throw new Error(`${label ? `${label} ` : ''}element ${i}: got ${got[i]}, want ${want[i]}, error ${error} > ${bound * magnitude[i]}`);
    }
  }
}
