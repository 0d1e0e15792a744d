import { activationValue, type FeatureActivationName } from './feature-activation.js';

/**
 * The Gaussian-equivalence constants of an activation (papers.md §5(iii)): for G ~ N(0, 1),
 *   μ0 = E σ(G),  μ1 = E G σ(G),  μ*² = E σ(G)² − μ0² − μ1²,
 * so that σ(⟨w, x⟩) ≈ μ0 + μ1⟨w, x⟩ + μ*·z with z ~ N(0, 1) independent: the random-feature model
 * has (asymptotically) the test error of this linear-plus-noise feature model.
 */
export interface GaussianEquivalence {
  readonly mu0: number;
  readonly mu1: number;
  readonly muStar: number;
  /** E σ(G)². */
  readonly secondMoment: number;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * E f(G), G ~ N(0, 1), by composite Simpson's rule on [−bound, 0] and [0, bound] separately (so a
 * kink at 0, as ReLU's, sits on a node), `intervals` (even) subintervals each. For the smooth,
 * polynomially bounded integrands used here the error is far below 1e-12 at the defaults; the
 * tails beyond 12 weigh less than 1e-32.
 */
export function gaussianExpectation(f: (g: number) => number, intervals = 4000, bound = 12): number {
  if (!(Number.isSafeInteger(intervals) && intervals >= 2 && intervals % 2 === 0)) {
    throw new RangeError(`gaussianExpectation: intervals must be an even integer >= 2, got ${intervals}`);
  }
  const h = bound / intervals;
  const weighted = (g: number): number => f(g) * Math.exp(-0.5 * g * g) * INV_SQRT_2PI;
  let total = 0;
  for (const sign of [-1, 1]) {
    let sum = weighted(0) + weighted(sign * bound);
    for (let i = 1; i < intervals; i++) sum += (i % 2 === 1 ? 4 : 2) * weighted(sign * i * h);
    total += (sum * h) / 3;
  }
  return total;
}

/**
 * μ0, μ1, μ* of an activation: closed forms for relu (μ0 = 1/√(2π), μ1 = ½, μ*² = ¼ − 1/(2π),
 * papers.md §5(iii)) and linear (0, 1, 0); tanh by quadrature (μ0 = 0 by symmetry).
 */
export function gaussianEquivalence(activation: FeatureActivationName): GaussianEquivalence {
  switch (activation) {
    case 'relu':
      return { mu0: INV_SQRT_2PI, mu1: 0.5, muStar: Math.sqrt(0.25 - 1 / (2 * Math.PI)), secondMoment: 0.5 };
    case 'linear':
      return { mu0: 0, mu1: 1, muStar: 0, secondMoment: 1 };
    case 'tanh':
      return numericGaussianEquivalence(activation);
  }
}

/** The same constants by quadrature, for any activation (the check of the closed forms). */
export function numericGaussianEquivalence(activation: FeatureActivationName): GaussianEquivalence {
  const mu0 = gaussianExpectation((g) => activationValue(activation, g));
  const mu1 = gaussianExpectation((g) => g * activationValue(activation, g));
  const secondMoment = gaussianExpectation((g) => activationValue(activation, g) ** 2);
  return { mu0, mu1, muStar: Math.sqrt(Math.max(0, secondMoment - mu0 * mu0 - mu1 * mu1)), secondMoment };
}
