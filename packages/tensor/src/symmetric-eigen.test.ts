import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';
import { symmetricEigen } from './symmetric-eigen.js';

function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** max |(V Λ Vᵀ − A)_ij| and max |(Vᵀ V − I)_ij|. */
function errors(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array) {
  let reconstruction = 0;
  let orthogonality = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let r = 0;
      let o = 0;
      for (let t = 0; t < n; t++) {
        r += vectors[i * n + t] * values[t] * vectors[j * n + t];
        o += vectors[t * n + i] * vectors[t * n + j];
      }
      reconstruction = Math.max(reconstruction, Math.abs(r - a[i * n + j]));
      orthogonality = Math.max(orthogonality, Math.abs(o - (i === j ? 1 : 0)));
    }
  }
  return { reconstruction, orthogonality };
}

function expectDescending(values: Float64Array): void {
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
}

describe('symmetricEigen', () => {
  const rng = new Rng(31);

  for (const n of [1, 2, 3, 10, 57, 150]) {
    it(`reconstructs a random ${n}×${n} symmetric matrix as VΛVᵀ to 1e-10 with orthonormal V`, () => {
      const a = randomSymmetric(rng, n);
      const { values, vectors } = symmetricEigen(a, n);
      expect(values.length).toBe(n);
      expect(vectors.length).toBe(n * n);
      expectDescending(values);
      const { reconstruction, orthogonality } = errors(a, n, values, vectors);
      expect(reconstruction).toBeLessThan(1e-10);
      expect(orthogonality).toBeLessThan(1e-10);
    });
  }

  it('diagonal matrices: values sorted descending, vectors the matching unit vectors', () => {
    const diagonal = [3, -1, 7, 0];
    const n = diagonal.length;
    const a = new Float64Array(n * n);
    diagonal.forEach((v, i) => (a[i * n + i] = v));
    const { values, vectors } = symmetricEigen(a, n);
    expect(Array.from(values)).toEqual([7, 3, 0, -1]);
    const source = [2, 0, 3, 1];
    for (let j = 0; j < n; j++) {
      for (let row = 0; row < n; row++) {
        expect(Math.abs(vectors[row * n + j])).toBe(row === source[j] ? 1 : 0);
      }
    }
  });

  it('the 2×2 case [[2, 1], [1, 2]] has eigenpairs 3, (1, 1)/√2 and 1, (1, −1)/√2', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    const h = Math.SQRT1_2;
    // Column 0 ∝ (1, 1), column 1 ∝ (1, −1), each up to sign.
    expect(Math.abs(vectors[0])).toBeCloseTo(h, 14);
    expect(vectors[2] / vectors[0]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[1])).toBeCloseTo(h, 14);
    expect(vectors[3] / vectors[1]).toBeCloseTo(-1, 14);
  });

  it('repeated eigenvalues still give an orthonormal basis', () => {
    const n = 6;
    const identity = new Float64Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 2;
    const { values, vectors } = symmetricEigen(identity, n);
    expect(Array.from(values)).toEqual(new Array(n).fill(2));
    expect(errors(identity, n, values, vectors).orthogonality).toBeLessThan(1e-14);

    const zero = symmetricEigen(new Float64Array(9), 3);
    expect(Array.from(zero.values)).toEqual([0, 0, 0]);
    expect(errors(new Float64Array(9), 3, zero.values, zero.vectors).orthogonality).toBeLessThan(1e-14);
  });

  it('accepts Float32 input and uses only the symmetric part', () => {
    const a = Float32Array.from([2, 1.5, 0.5, 2]);
    const { values } = symmetricEigen(a, 2);
    expect(values[0]).toBeCloseTo(3, 6);
    expect(values[1]).toBeCloseTo(1, 6);
  });

  it('handles n = 0 and rejects bad input', () => {
    expect(symmetricEigen(new Float64Array(0), 0).values.length).toBe(0);
    expect(() => symmetricEigen(new Float64Array(3), 2)).toThrow(RangeError);
    expect(() => symmetricEigen(Float64Array.from([1, Number.NaN, Number.NaN, 1]), 2)).toThrow(RangeError);
  });
});
