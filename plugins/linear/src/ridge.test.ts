import { gemv, Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { choleskyInPlace, choleskySolveInPlace, linearizedRidge, pseudoInverseSolve, solveShifted } from './ridge-solver.js';
import { effectiveRidge, isotropicRidgelessRisk, ridgeTheory } from './ridge-theory.js';

function normals(rng: Rng, length: number): Float64Array {
  const out = new Float64Array(length);
  rng.fillNormal(out);
  return out;
}

/** AᵀA + shift·I for a random m×m A: symmetric positive definite. */
function spd(rng: Rng, m: number, shift: number): Float64Array {
  const a = normals(rng, m * m);
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let sum = i === j ? shift : 0;
      for (let k = 0; k < m; k++) sum += a[k * m + i] * a[k * m + j];
      out[i * m + j] = sum;
    }
  }
  return out;
}

function matVec(a: Float64Array, rows: number, cols: number, x: ArrayLike<number>, transpose = false): Float64Array {
  const out = new Float64Array(transpose ? cols : rows);
  gemv(transpose, rows, cols, 1, a, Float64Array.from(x), 0, out);
  return out;
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

describe('dense solvers', () => {
  it.each([40, 600])('Cholesky (blocked, n = %i) solves a positive-definite system to rounding, and refuses an indefinite one', (m) => {
    const rng = new Rng(1);
    const a = spd(rng, m, 0.5 * m);
    const b = normals(rng, m);
    const factor = Float64Array.from(a);
    choleskyInPlace(factor, m);
    const x = Float64Array.from(b);
    choleskySolveInPlace(factor, m, x);
    const residual = matVec(a, m, m, x).map((v, i) => v - b[i]);
    expect(maxAbs(residual)).toBeLessThan(1e-10 * maxAbs(b));
    // L is lower triangular with LLᵀ = A (spot checks across blocks).
    for (const [i, j] of [[0, 0], [m - 1, 0], [m - 1, m - 1], [Math.floor(m / 2), 70 % m]]) {
      let sum = 0;
      for (let k = 0; k <= Math.min(i, j); k++) sum += factor[i * m + k] * factor[j * m + k];
      expect(sum).toBeCloseTo(a[i * m + j], 8);
    }
    const indefinite = Float64Array.of(1, 2, 2, 1);
    expect(() => choleskyInPlace(indefinite, 2)).toThrow(/not positive definite \(pivot 1/);
  });

  it('without a shift, a singular matrix falls back to the pseudo-inverse (minimum-norm solution)', () => {
    const rng = new Rng(3);
    const m = 30;
    const rank = 12;
    const u = normals(rng, m * rank);
    const a = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let k = 0; k < rank; k++) a[i * m + j] += u[i * rank + k] * u[j * rank + k];
    const b = matVec(a, m, m, normals(rng, m));
    const viaShift = new Float64Array(m);
    const viaEigen = new Float64Array(m);
    solveShifted(a, m, 0, b, viaShift);
    pseudoInverseSolve(a, m, b, viaEigen);
    expect(maxAbs(viaShift.map((v, i) => v - viaEigen[i]))).toBeLessThan(1e-10 * maxAbs(viaEigen));
    expect(maxAbs(matVec(a, m, m, viaShift).map((v, i) => v - b[i]))).toBeLessThan(1e-9 * maxAbs(b));
  });

  it('the pseudo-inverse gives the minimum-norm solution of a singular system', () => {
    // A = vvᵀ (rank 1): A⁺b = v (v·b)/‖v‖⁴.
    const v = Float64Array.of(1, 2, -1);
    const a = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) a[i * 3 + j] = v[i] * v[j];
    const b = Float64Array.of(0.5, 1, 3);
    const out = new Float64Array(3);
    pseudoInverseSolve(a, 3, b, out);
    const c = (0.5 + 2 - 3) / 36;
    for (let i = 0; i < 3; i++) expect(out[i]).toBeCloseTo(c * v[i], 14);
    const shifted = new Float64Array(3);
    solveShifted(a, 3, 0, b, shifted);
    expect(Array.from(shifted)).toEqual(Array.from(out));
  });
});

describe('linearizedRidge: the point GD converges to (papers.md §5(i) normalization)', () => {
  const rng = new Rng(2);
  const setup = (n: number, p: number) => ({
    j: normals(rng, n * p),
    theta0: normals(rng, p),
    f0: normals(rng, n),
    y: normals(rng, n),
  });

  it.each([
    [12, 30],
    [30, 12],
  ])('λ > 0 (n = %i, p = %i): θ̂ solves the normal equations (JᵀJ + nλI)θ̂ = Jᵀ(y − f₀ + Jθ₀)', (n, p) => {
    const { j, theta0, f0, y } = setup(n, p);
    const lambda = 0.03;
    const theta = new Float64Array(p);
    linearizedRidge(j, n, p, theta0, f0, y, lambda, theta);
    const r = matVec(j, n, p, theta0).map((v, i) => v + y[i] - f0[i]);
    const lhs = matVec(j, n, p, matVec(j, n, p, theta), true).map((v, i) => v + n * lambda * theta[i]);
    const rhs = matVec(j, n, p, r, true);
    expect(maxAbs(lhs.map((v, i) => v - rhs[i]))).toBeLessThan(1e-10 * maxAbs(rhs));
  });

  it('λ = 0, n < p: θ̂ interpolates and θ̂ − θ₀ lies in the row space of J (the fit closest to θ₀)', () => {
    const n = 10;
    const p = 25;
    const { j, theta0, f0, y } = setup(n, p);
    const theta = new Float64Array(p);
    linearizedRidge(j, n, p, theta0, f0, y, 0, theta);
    const step = theta.map((v, i) => v - theta0[i]);
    const fitted = matVec(j, n, p, step).map((v, i) => v + f0[i]);
    expect(maxAbs(fitted.map((v, i) => v - y[i]))).toBeLessThan(1e-10);
    // Project the step on the row space: Jᵀ(JJᵀ)⁻¹J·step must give it back.
    const gram = new Float64Array(n * n);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) for (let k = 0; k < p; k++) gram[a * n + b] += j[a * p + k] * j[b * p + k];
    const coefficients = new Float64Array(n);
    solveShifted(gram, n, 0, matVec(j, n, p, step), coefficients);
    const projected = matVec(j, n, p, coefficients, true);
    expect(maxAbs(projected.map((v, i) => v - step[i]))).toBeLessThan(1e-10);
  });

  it('λ = 0, n > p: θ̂ is the least-squares fit (Jᵀ(Jθ̂ − r) = 0), whatever θ₀', () => {
    const n = 30;
    const p = 8;
    const { j, theta0, f0, y } = setup(n, p);
    const theta = new Float64Array(p);
    linearizedRidge(j, n, p, theta0, f0, y, 0, theta);
    const r = matVec(j, n, p, theta0).map((v, i) => v + y[i] - f0[i]);
    const gradient = matVec(j, n, p, matVec(j, n, p, theta).map((v, i) => v - r[i]), true);
    expect(maxAbs(gradient)).toBeLessThan(1e-10);
  });
});

describe('deterministic equivalents of ridge regression (papers.md §5(i))', () => {
  it('λ* solves n(1 − λ/λ*) = Tr Σ(Σ + λ*)⁻¹, and is 0 without ridge when n ≥ rank Σ', () => {
    const spectrum = Float64Array.from({ length: 300 }, (_, j) => 3 / (j + 1));
    for (const [n, lambda] of [
      [100, 1e-3],
      [300, 1e-2],
      [100, 0],
      [1000, 0.5],
    ]) {
      const kappa = effectiveRidge(spectrum, n, lambda);
      const trace = spectrum.reduce((sum, s) => sum + s / (s + kappa), 0);
      expect(Math.abs(n * (1 - lambda / kappa) - trace)).toBeLessThan(1e-9 * n);
    }
    expect(effectiveRidge(spectrum, 300, 0)).toBe(0);
    expect(effectiveRidge(spectrum, 400, 0)).toBe(0);
  });

  it('reduces to the isotropic ridgeless formula for Σ = I, λ = 0: σ²γ/(1−γ) and r²(1 − 1/γ) + σ²/(γ−1)', () => {
    const d = 200;
    const teacher = new Float64Array(d).fill(1 / Math.sqrt(d)); // r = 1
    const identity = new Float64Array(d).fill(1);
    for (const n of [400, 100, 150, 250]) {
      const theory = ridgeTheory({ spectrum: identity, teacher, noise: 0.5, n, lambda: 0 });
      expect(theory.risk).toBeCloseTo(isotropicRidgelessRisk(d / n, 1, 0.5), 10);
    }
    // papers.md §6 M–M target 1: (n, d) = (400, 200) → 0.25, (100, 200) → 0.75.
    expect(isotropicRidgelessRisk(0.5, 1, 0.5)).toBeCloseTo(0.25, 14);
    expect(isotropicRidgelessRisk(2, 1, 0.5)).toBeCloseTo(0.75, 14);
    expect(isotropicRidgelessRisk(1, 1, 0.5)).toBe(Infinity);
  });

  it('papers.md §6 M–M target 2 (d = 300, Σ_jj = 3/j, σ = 0.5, ‖β*‖ = 1, β* isotropic on average): 0.210 and 0.1227', () => {
    const d = 300;
    const spectrum = Float64Array.from({ length: d }, (_, j) => 3 / (j + 1));
    // β*_j² = 1/d: the average over a uniformly random β* of norm 1.
    const teacher = new Float64Array(d).fill(1 / Math.sqrt(d));
    const first = ridgeTheory({ spectrum, teacher, noise: 0.5, n: 100, lambda: 1e-3 });
    const second = ridgeTheory({ spectrum, teacher, noise: 0.5, n: 300, lambda: 1e-2 });
    expect(first.risk).toBeCloseTo(0.21, 3);
    expect(second.risk).toBeCloseTo(0.1227, 3);
    expect(first.bias + first.variance).toBe(first.risk);
    expect(first.df2).toBeGreaterThan(0);
    expect(first.df2).toBeLessThan(1);
  });
});
