import { describe, expect, it } from 'vitest';
import { gemv } from './blas.js';
import type { LinearOperator } from './linear-operator.js';
import { powerIteration } from './power-iteration.js';
import { Rng } from './rng.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** Q·diag(spectrum)·Qᵀ with a random orthogonal Q, returned with Q (columns are eigenvectors). */
function withSpectrum(rng: Rng, spectrum: number[]): { a: Float64Array; q: Float64Array } {
  const n = spectrum.length;
  const random = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) random[i * n + j] = random[j * n + i] = rng.normal();
  const q = symmetricEigen(random, n).vectors;
  const a = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let sum = 0;
      for (let t = 0; t < n; t++) sum += q[r * n + t] * spectrum[t] * q[c * n + t];
      a[r * n + c] = sum;
    }
  }
  return { a, q };
}

function denseOperator(a: Float64Array, n: number): LinearOperator {
  return (v, out) => gemv(false, n, n, 1, a, v, 0, out);
}

function alignment(vector: Float64Array, q: Float64Array, n: number, column: number): number {
  let overlap = 0;
  for (let i = 0; i < n; i++) overlap += vector[i] * q[i * n + column];
  return Math.abs(overlap);
}

describe('powerIteration', () => {
  const rng = new Rng(51);

  it('finds the top eigenvalue of a matrix with a clear gap', () => {
    const spectrum = [10, 6, 5, 3, 2, 1, 0.5, 0.1, 0, -1, -2, -4];
    const n = spectrum.length;
    const { a, q } = withSpectrum(rng, spectrum);
    const result = powerIteration(denseOperator(a, n), n);
    expect(result.converged).toBe(true);
    // The residual shrinks like 0.6^t, so 1e-10 takes about 45 steps.
    expect(result.iterations).toBeLessThan(80);
    expect(Math.abs(result.value - 10)).toBeLessThan(1e-9 * 10);
    expect(alignment(result.vector, q, n, 0)).toBeGreaterThan(1 - 1e-12);
  });

  it('returns the signed eigenvalue of largest magnitude', () => {
    const spectrum = [3, 1, -8, 0.5];
    const { a } = withSpectrum(rng, spectrum);
    const result = powerIteration(denseOperator(a, 4), 4);
    expect(result.converged).toBe(true);
    expect(result.value).toBeCloseTo(-8, 8);
  });

  it('an eigenvector start converges in one step; dim = 1 is exact', () => {
    const spectrum = [4, 2, 1];
    const { a, q } = withSpectrum(rng, spectrum);
    const start = Float64Array.from([q[0], q[3], q[6]]);
    const warm = powerIteration(denseOperator(a, 3), 3, { start });
    expect(warm.iterations).toBe(1);
    expect(warm.value).toBeCloseTo(4, 12);

    const scalar = powerIteration((v, out) => (out[0] = 7 * v[0]), 1);
    expect(scalar).toEqual({ value: 7, vector: Float64Array.from([scalar.vector[0]]), iterations: 1, converged: true });
    expect(Math.abs(scalar.vector[0])).toBe(1);
  });

  it('stops at maxIterations with converged = false when ±λ tie in magnitude', () => {
    const tie: LinearOperator = (v, out) => {
      out[0] = 2 * v[0];
      out[1] = -2 * v[1];
    };
    const result = powerIteration(tie, 2, { maxIterations: 25 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(25);
    expect(Math.abs(result.value)).toBeLessThanOrEqual(2);
  });

  it('is reproducible and respects the rng option', () => {
    const { a } = withSpectrum(rng, [5, 4.9, 1]);
    const run = (seed: number) => powerIteration(denseOperator(a, 3), 3, { rng: new Rng(seed), maxIterations: 5 });
    expect(run(1)).toEqual(run(1));
    expect(run(1).value).not.toBe(run(2).value);
  });

  it('the zero operator converges at once; a diverged one gives NaN', () => {
    const zero = powerIteration((_v, out) => out.fill(0), 5);
    expect(zero.value).toBe(0);
    expect(zero.converged).toBe(true);
    const nan = powerIteration((_v, out) => out.fill(Number.NaN), 5);
    expect(Number.isNaN(nan.value)).toBe(true);
    expect(nan.converged).toBe(false);
  });

  it('rejects invalid arguments', () => {
    const identity: LinearOperator = (v, out) => out.set(v);
    expect(() => powerIteration(identity, 0)).toThrow(RangeError);
    expect(() => powerIteration(identity, 2, { maxIterations: 0 })).toThrow(RangeError);
    expect(() => powerIteration(identity, 2, { start: new Float64Array(3) })).toThrow(RangeError);
  });
});
