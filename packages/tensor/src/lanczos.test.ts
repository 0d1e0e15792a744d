import { describe, expect, it } from 'vitest';
import { gemm, gemv, norm2 } from './blas.js';
import { lanczosTopEigen, type LinearOperator } from './lanczos.js';
import { Rng } from './rng.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** J Jᵀ for a random n×p J: symmetric PSD of rank min(n, p), like an NTK Gram matrix. */
function randomGram(rng: Rng, n: number, p: number): Float64Array {
  const j = new Float64Array(n * p);
  rng.fillNormal(j);
  const a = new Float64Array(n * n);
  gemm(false, true, n, n, p, 1, j, j, 0, a);
  return a;
}

function denseOperator(a: Float64Array, n: number): LinearOperator {
  return (v, out) => gemv(false, n, n, 1, a, v, 0, out);
}

function diagonalOperator(diagonal: number[]): LinearOperator {
  return (v, out) => {
    for (let i = 0; i < diagonal.length; i++) out[i] = diagonal[i] * v[i];
  };
}

function residual(a: Float64Array, n: number, value: number, vector: Float64Array): number {
  const av = new Float64Array(n);
  gemv(false, n, n, 1, a, vector, 0, av);
  for (let i = 0; i < n; i++) av[i] -= value * vector[i];
  return norm2(av);
}

describe('lanczosTopEigen', () => {
  const rng = new Rng(41);

  for (const n of [5, 37, 120]) {
    for (const k of [1, 3, 5]) {
      it(`matches symmetricEigen on a random ${n}×${n} J Jᵀ, k = ${k}, to 1e-8 relative`, () => {
        const a = randomGram(rng, n, n);
        const exact = symmetricEigen(a, n).values;
        const result = lanczosTopEigen(denseOperator(a, n), n, { k });
        expect(result.converged).toBe(true);
        expect(result.values.length).toBe(k);
        expect(result.iterations).toBeLessThanOrEqual(Math.min(n, 64));
        for (let i = 0; i < k; i++) {
          expect(Math.abs(result.values[i] - exact[i])).toBeLessThanOrEqual(1e-8 * Math.abs(exact[i]));
        }
      });
    }
  }

  it('finds the algebraically largest eigenvalues of an indefinite matrix', () => {
    const n = 40;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    }
    const exact = symmetricEigen(a, n).values;
    const result = lanczosTopEigen(denseOperator(a, n), n, { k: 3 });
    expect(result.converged).toBe(true);
    for (let i = 0; i < 3; i++) expect(Math.abs(result.values[i] - exact[i])).toBeLessThanOrEqual(1e-8 * Math.abs(exact[0]));
  });

  for (const k of [1, 2, 3, 5]) {
    it(`rank-2 matrix of size 50, k = ${k}: stops on the invariant subspace with exact values`, () => {
      const n = 50;
      const a = randomGram(rng, n, 2);
      const exact = symmetricEigen(a, n).values;
      const result = lanczosTopEigen(denseOperator(a, n), n, { k });
      expect(result.converged).toBe(true);
      // The Krylov space of a rank-2 operator has dimension 3. k = 1 stops there; larger k restart
      // once into the null space to rule out another copy of a value already in the top k, and
      // k = 5 needs one restart per missing value.
      expect(result.iterations).toBe([3, 4, 4, 5][[1, 2, 3, 5].indexOf(k)]);
      for (let i = 0; i < k; i++) expect(Math.abs(result.values[i] - exact[i])).toBeLessThanOrEqual(1e-8 * exact[0]);
      for (let i = 2; i < k; i++) expect(Math.abs(result.values[i])).toBeLessThanOrEqual(1e-10 * exact[0]);
    });
  }

  it('returns every copy of a repeated eigenvalue (restarting past each invariant subspace)', () => {
    const diagonal = [5, 1, 5, 3, 0.5, 2, 1, 5];
    const result = lanczosTopEigen(diagonalOperator(diagonal), diagonal.length, { k: 4 });
    expect(result.converged).toBe(true);
    [5, 5, 5, 3].forEach((want, i) => expect(result.values[i]).toBeCloseTo(want, 12));

    // Same with a dense, rotated version so that nothing is aligned with the coordinate axes.
    const n = 30;
    const q = symmetricEigen(randomGram(rng, n, n), n).vectors;
    const spectrum = Array.from({ length: n }, (_, i) => (i < 3 ? 10 : i < 5 ? 7 : 1 + i / n));
    const a = new Float64Array(n * n);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        let sum = 0;
        for (let t = 0; t < n; t++) sum += q[r * n + t] * spectrum[t] * q[c * n + t];
        a[r * n + c] = sum;
      }
    }
    const dense = lanczosTopEigen(denseOperator(a, n), n, { k: 6 });
    expect(dense.converged).toBe(true);
    [10, 10, 10, 7, 7, 1 + 29 / 30].forEach((want, i) => expect(dense.values[i]).toBeCloseTo(want, 8));
  });

  it('stops on a breakdown once no repeated copy could change the top k', () => {
    // Three distinct values: the first block is invariant after 3 steps and its largest value is
    // the single top one, so k = 1 needs no restart.
    const result = lanczosTopEigen(diagonalOperator([2, 9, 2, 4, 4, 2]), 6);
    expect(result.iterations).toBe(3);
    expect(result.converged).toBe(true);
    expect(result.values[0]).toBeCloseTo(9, 12);
  });

  it('the zero operator gives zeros, converged, without looping', () => {
    const zero: LinearOperator = (_v, out) => out.fill(0);
    const one = lanczosTopEigen(zero, 10);
    expect(Array.from(one.values)).toEqual([0]);
    expect(one.converged).toBe(true);
    expect(one.iterations).toBe(1);
    const three = lanczosTopEigen(zero, 10, { k: 3 });
    expect(Array.from(three.values)).toEqual([0, 0, 0]);
    expect(three.converged).toBe(true);
    expect(three.iterations).toBe(3);
  });

  it('dim = 1 is exact in one step', () => {
    const result = lanczosTopEigen((v, out) => (out[0] = -2.5 * v[0]), 1, { vectors: true });
    expect(Array.from(result.values)).toEqual([-2.5]);
    expect(result.iterations).toBe(1);
    expect(result.converged).toBe(true);
    expect(Math.abs(result.vectors?.[0] ?? 0)).toBe(1);
  });

  it('k larger than dim returns all dim eigenvalues', () => {
    const diagonal = [1, 4, 2];
    const result = lanczosTopEigen(diagonalOperator(diagonal), 3, { k: 5 });
    expect(result.values.length).toBe(3);
    [4, 2, 1].forEach((want, i) => expect(result.values[i]).toBeCloseTo(want, 12));
    expect(result.converged).toBe(true);
  });

  it('a warm start near the top eigenvector converges in fewer steps, an exact one in one step', () => {
    const n = 120;
    const a = randomGram(rng, n, n);
    const { values, vectors } = symmetricEigen(a, n);
    const top = new Float64Array(n);
    for (let i = 0; i < n; i++) top[i] = vectors[i * n];

    const cold = lanczosTopEigen(denseOperator(a, n), n);
    const nearby = Float64Array.from(top, (x) => x + 1e-4 * rng.normal());
    const warm = lanczosTopEigen(denseOperator(a, n), n, { start: nearby });
    expect(warm.converged).toBe(true);
    expect(warm.iterations).toBeLessThan(cold.iterations);
    expect(Math.abs(warm.values[0] - values[0])).toBeLessThanOrEqual(1e-8 * values[0]);

    const exact = lanczosTopEigen(denseOperator(a, n), n, { start: top });
    expect(exact.iterations).toBe(1);
    expect(Math.abs(exact.values[0] - values[0])).toBeLessThanOrEqual(1e-12 * values[0]);
  });

  it('a zero start vector falls back to a random one', () => {
    const result = lanczosTopEigen(diagonalOperator([1, 3, 2]), 3, { start: new Float64Array(3) });
    expect(result.values[0]).toBeCloseTo(3, 12);
  });

  it('vectors: unit Ritz vectors with small residual ‖Av − λv‖, mutually orthogonal', () => {
    const n = 60;
    const a = randomGram(rng, n, n);
    const k = 3;
    const result = lanczosTopEigen(denseOperator(a, n), n, { k, vectors: true });
    const vectors = result.vectors;
    expect(vectors?.length).toBe(k * n);
    if (vectors === undefined) return;
    for (let i = 0; i < k; i++) {
      const v = vectors.subarray(i * n, (i + 1) * n);
      expect(Math.abs(norm2(v) - 1)).toBeLessThan(1e-12);
      expect(residual(a, n, result.values[i], v)).toBeLessThan(1e-8 * result.values[0]);
      for (let j = 0; j < i; j++) {
        let overlap = 0;
        for (let t = 0; t < n; t++) overlap += v[t] * vectors[j * n + t];
        expect(Math.abs(overlap)).toBeLessThan(1e-8);
      }
    }
    expect(lanczosTopEigen(denseOperator(a, n), n).vectors).toBeUndefined();
  });

  it('is reproducible: same seed, same values bit for bit; the rng option changes the start', () => {
    const n = 30;
    const a = randomGram(rng, n, n);
    const run = (seed: number) => lanczosTopEigen(denseOperator(a, n), n, { k: 2, rng: new Rng(seed), maxIterations: 8 });
    expect(run(1)).toEqual(run(1));
    expect(Array.from(run(1).values)).not.toEqual(Array.from(run(2).values));
    expect(lanczosTopEigen(denseOperator(a, n), n)).toEqual(lanczosTopEigen(denseOperator(a, n), n));
  });

  it('stops at maxIterations and reports converged = false when the tolerance is out of reach', () => {
    const n = 200;
    const a = randomGram(rng, n, n);
    const result = lanczosTopEigen(denseOperator(a, n), n, { k: 5, maxIterations: 6 });
    expect(result.iterations).toBe(6);
    expect(result.converged).toBe(false);
    expect(result.values.length).toBe(5);
  });

  it('a diverged operator gives NaN values and converged = false instead of throwing', () => {
    const result = lanczosTopEigen((_v, out) => out.fill(Number.NaN), 4, { k: 2, vectors: true });
    expect(result.converged).toBe(false);
    expect(Array.from(result.values).every(Number.isNaN)).toBe(true);
    expect(result.vectors?.length).toBe(8);
  });

  it('rejects invalid arguments', () => {
    const identity: LinearOperator = (v, out) => out.set(v);
    expect(() => lanczosTopEigen(identity, 0)).toThrow(RangeError);
    expect(() => lanczosTopEigen(identity, 3, { k: 0 })).toThrow(RangeError);
    expect(() => lanczosTopEigen(identity, 3, { maxIterations: 0 })).toThrow(RangeError);
    expect(() => lanczosTopEigen(identity, 3, { tolerance: -1 })).toThrow(RangeError);
    expect(() => lanczosTopEigen(identity, 3, { start: new Float64Array(2) })).toThrow(RangeError);
  });
});
