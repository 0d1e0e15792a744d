import { Rng, symmetricEigen } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { FeatureModel, RandomFeatures } from './feature-model.js';
import { drawFirstLayer, type FirstLayerDistribution } from './first-layer-weights.js';
import { gaussianEquivalence, gaussianExpectation, numericGaussianEquivalence } from './gaussian-equivalence.js';
import { formJacobian } from './jacobian.js';
import {
  arcCosine0,
  arcCosine1,
  arcCosineKernel,
  type DotProductKernel,
  exponentialKernel,
  kernelMatrix,
  polynomialKernel,
  rbfKernel,
  reluNtkKernel,
} from './kernels.js';
import { NeuralTangentFeatureModel } from './neural-tangent-feature-model.js';

const n = 6;
const d = 8;

/** n rows: x on S^{d−1}(√d) for the first half, Gaussian rows (other norms) for the rest, and a pair at a small angle. */
function inputs(seed: number): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(n * d);
  rng.fillNormal(x);
  for (let i = 0; i < n / 2; i++) {
    const row = x.subarray(i * d, (i + 1) * d);
    const norm = Math.hypot(...row);
    for (let l = 0; l < d; l++) row[l] *= Math.sqrt(d) / norm;
  }
  for (let l = 0; l < d; l++) x[(n - 1) * d + l] = x[(n - 2) * d + l] + 0.05 * x[l];
  return x;
}

function gram(kernel: DotProductKernel, x: Float64Array): Float64Array {
  const out = new Float64Array(n * n);
  kernelMatrix(kernel, x, n, x, n, d, out);
  return out;
}

/** ΦΦᵀ of a model linear in θ, from its Jacobian (J = Φ). */
function featureGram(model: FeatureModel | NeuralTangentFeatureModel, x: Float64Array): Float64Array {
  const p = model.parameterCount;
  const j = new Float64Array(n * p);
  formJacobian(model, new Float64Array(p), { x, n }, j);
  const out = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let sum = 0;
      for (let k = 0; k < p; k++) sum += j[a * p + k] * j[b * p + k];
      out[a * n + b] = sum;
    }
  }
  return out;
}

/** ∫_a^b f by composite Simpson with `intervals` (even) subintervals; 0 when b ≤ a. */
function simpson(f: (t: number) => number, a: number, b: number, intervals: number): number {
  if (b <= a) return 0;
  const h = (b - a) / intervals;
  let sum = f(a) + f(b);
  for (let i = 1; i < intervals; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('arc-cosine and NTK closed forms (papers.md §5(iii)–(iv); Cho & Saul 2009)', () => {
  it('κ₀ and κ₁ equal the Gaussian integrals E[1{G₁>0}1{G₂>0}] and E[ReLU(G₁)ReLU(G₂)] at correlation u', () => {
    for (const u of [-0.9, -0.3, 0, 0.4, 0.95]) {
      const s = Math.sqrt(1 - u * u);
      // G₂ = uG₁ + √(1−u²)G₃. The inner integral over G₃ starts at the kink g₃ = −ug₁/s, so both
      // quadratures have smooth integrands (Simpson is then accurate to ~1e-8).
      const inner = (g1: number, weight: (g3: number) => number): number =>
        simpson((g3) => weight(g3) * Math.exp(-0.5 * g3 * g3) / Math.sqrt(2 * Math.PI), (-u * g1) / s, 12, 600);
      const outer = (f: (g1: number) => number): number => simpson((g1) => f(g1) * Math.exp(-0.5 * g1 * g1) / Math.sqrt(2 * Math.PI), 0, 12, 600);
      const step = outer((g1) => inner(g1, () => 1));
      const relu = outer((g1) => g1 * inner(g1, (g3) => u * g1 + s * g3));
      expect(arcCosine0(u)).toBeCloseTo(step, 7);
      expect(arcCosine1(u)).toBeCloseTo(relu, 7);
    }
    expect(arcCosine0(1)).toBeCloseTo(0.5, 15);
    expect(arcCosine1(1)).toBeCloseTo(0.5, 15);
    expect(arcCosine1(-1)).toBeCloseTo(0, 15);
  });

  it.each(['sphere', 'gaussian'] as FirstLayerDistribution[])(
    'the arc-cosine kernel of order 1 is the N → ∞ limit of ΦΦᵀ for N ReLU random features (w ~ %s)',
    (distribution) => {
      const x = inputs(1);
      const width = 100_000;
      const weights = drawFirstLayer(new Rng(2), width, d, distribution, 'float64');
      const empirical = featureGram(new FeatureModel(new RandomFeatures(weights, d, width, 'relu'), { name: 'rf' }), x);
      const exact = gram(arcCosineKernel(1), x);
      // Monte-Carlo error: entries are means of N terms of variance O(‖x‖²‖x'‖²/d²) ≲ 10 here.
      expect(maxAbsDifference(empirical, exact)).toBeLessThan(6 * Math.sqrt(10 / width));
      expect(maxAbsDifference(empirical, exact) / Math.max(...exact)).toBeLessThan(0.02);
    },
  );

  it('(⟨x,x′⟩/d)·κ₀ is the limit of ΦΦᵀ for ReLU neural tangent features, and ReLU NTK = random-feature part + tangent part', () => {
    const x = inputs(3);
    const width = 20_000;
    const weights = drawFirstLayer(new Rng(4), width, d, 'sphere', 'float64');
    const nt = featureGram(new NeuralTangentFeatureModel({ weights, width, inputDim: d, activation: 'relu' }), x);
    const order0 = gram(arcCosineKernel(0), x);
    const dots = gram({ formula: '⟨x,x′⟩/d', entry: (g, _a, _b, dim) => g / dim }, x);
    const expectedNt = order0.map((k, i) => k * dots[i]);
    expect(maxAbsDifference(nt, expectedNt)).toBeLessThan(0.05);
    const rf = featureGram(new FeatureModel(new RandomFeatures(weights, d, width, 'relu'), { name: 'rf' }), x);
    const ntk = gram(reluNtkKernel, x);
    expect(maxAbsDifference(rf.map((v, i) => v + nt[i]), ntk)).toBeLessThan(0.08);
    // And exactly, entry by entry, the sum of the two closed forms.
    expect(maxAbsDifference(gram(arcCosineKernel(1), x).map((v, i) => v + expectedNt[i]), ntk)).toBeLessThan(1e-14);
  });

  it('every kernel matrix is symmetric positive semi-definite', () => {
    const x = inputs(5);
    const kernels = [arcCosineKernel(0), arcCosineKernel(1), reluNtkKernel, polynomialKernel(3, 1), exponentialKernel(1), rbfKernel(0.7)];
    for (const kernel of kernels) {
      const k = gram(kernel, x);
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) expect(k[a * n + b]).toBeCloseTo(k[b * n + a], 14);
      const { values } = symmetricEigen(k, n);
      expect(values[n - 1]).toBeGreaterThan(-1e-12 * values[0]);
    }
  });

  it('the inner-product kernels follow their formulas; on S^{d−1}(√d) the RBF kernel is exp(−(1 − ⟨x,x′⟩/d)/ℓ²)', () => {
    const x = inputs(6);
    const t = (a: number, b: number) => {
      let g = 0;
      for (let l = 0; l < d; l++) g += x[a * d + l] * x[b * d + l];
      return g / d;
    };
    const poly = gram(polynomialKernel(2, 0.5), x);
    const exp = gram(exponentialKernel(2), x);
    const rbf = gram(rbfKernel(0.8), x);
    for (let a = 0; a < n / 2; a++) {
      for (let b = 0; b < n / 2; b++) {
        expect(poly[a * n + b]).toBeCloseTo((0.5 + t(a, b)) ** 2, 12);
        expect(exp[a * n + b]).toBeCloseTo(Math.exp(t(a, b) / 4), 12);
        expect(rbf[a * n + b]).toBeCloseTo(Math.exp(-(1 - t(a, b)) / 0.64), 12);
      }
    }
  });
});

describe('Gaussian-equivalence constants (papers.md §5(iii))', () => {
  it('ReLU: μ0 = 1/√(2π), μ1 = ½, μ*² = ¼ − 1/(2π), equal to numeric integration', () => {
    const exact = gaussianEquivalence('relu');
    const numeric = numericGaussianEquivalence('relu');
    expect(exact.mu0).toBeCloseTo(0.3989422804014327, 15);
    expect(exact.muStar ** 2).toBeCloseTo(0.25 - 1 / (2 * Math.PI), 15);
    expect(numeric.mu0).toBeCloseTo(exact.mu0, 11);
    expect(numeric.mu1).toBeCloseTo(exact.mu1, 11);
    expect(numeric.muStar).toBeCloseTo(exact.muStar, 10);
    expect(numeric.secondMoment).toBeCloseTo(0.5, 11);
  });

  it('tanh (by quadrature) and linear agree with Monte-Carlo averages over G ~ N(0, 1)', () => {
    const rng = new Rng(9);
    const samples = 400_000;
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i < samples; i++) {
      const g = rng.normal();
      const t = Math.tanh(g);
      m0 += t;
      m1 += g * t;
      m2 += t * t;
    }
    const tanh = gaussianEquivalence('tanh');
    expect(tanh.mu0).toBeCloseTo(0, 12);
    expect(tanh.mu1).toBeCloseTo(m1 / samples, 2);
    expect(tanh.secondMoment).toBeCloseTo(m2 / samples, 2);
    expect(Math.abs(m0 / samples)).toBeLessThan(0.005);
    expect(gaussianEquivalence('linear')).toEqual({ mu0: 0, mu1: 1, muStar: 0, secondMoment: 1 });
    expect(numericGaussianEquivalence('linear').muStar).toBeLessThan(1e-6);
  });
});
