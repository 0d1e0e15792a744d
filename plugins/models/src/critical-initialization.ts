import type { ActivationName } from './activation.js';

/*
 * Signal propagation at initialization in the wide-network (mean-field) limit, for a layer
 * z = W·φ(z_prev) + b with W_ij ~ N(0, σ_w²/fan_in) and b_i ~ N(0, σ_b²):
 *
 *   length map      q^l = σ_w² E_{z~N(0, q^{l−1})}[φ(z)²] + σ_b²         (Poole et al. 2016, eq. 3)
 *   fixed point     q* = σ_w² E_{z~N(0, q*)}[φ(z)²] + σ_b²
 *   χ₁ = σ_w² E_{z~N(0, q*)}[φ'(z)²]                                      (Poole et al. 2016, eq. 7;
 *                                                                          Schoenholz et al. 2017, eq. 5)
 *
 * χ₁ is the mean squared singular value of the layer-to-layer Jacobian at the fixed point: χ₁ < 1
 * is the ordered phase (nearby inputs converge), χ₁ > 1 the chaotic one, and χ₁ = 1 the critical
 * line ("edge of chaos"), where signals and gradients propagate over many layers.
 *
 * - relu, leaky-relu (slope s) and linear (s = 1): E[φ(z)²] = q(1 + s²)/2 and E[φ'(z)²] = (1 + s²)/2
 *   exactly, so χ₁ = σ_w²(1 + s²)/2 does not depend on q: the critical point is σ_w² = 2/(1 + s²)
 *   (He et al. 2015's initialization for ReLU). On it the length map is q ← q + σ_b², so a fixed
 *   point exists only for σ_b² = 0, where every q is one: the "line" is the single point
 *   (2/(1 + s²), 0).
 * - tanh: the expectations are integrals, computed here by quadrature. For σ_b² = 0 the fixed point
 *   is q* = 0 up to σ_w² = 1, where χ₁ = σ_w²; for each σ_b² > 0 there is one σ_w² > 1 with χ₁ = 1,
 *   found by bisection (σ_b² = 0.05 gives σ_w² ≈ 1.7610, the point quoted with the issue as ≈ 1.76).
 */

/** Slope of the negative side of a piecewise-linear activation (0 relu, 1 linear). */
function negativeSlope(activation: ActivationName, leakySlope: number): number {
  switch (activation) {
    case 'relu':
      return 0;
    case 'leaky-relu':
      return leakySlope;
    case 'linear':
      return 1;
    case 'tanh':
      return Number.NaN;
  }
}

/**
 * E_{u~N(0,1)}[fn(√q·u)] by the trapezoidal rule on [−10, 10] (the mass outside is 1.5e-23). For
 * an integrand analytic in the strip |Im u| < a the rule's error decays like exp(−2πa/h), which
 * is why it beats Simpson here; tanh(√q·u) has its nearest poles at |Im u| = π/(2√q), so the step
 * h = min(0.05, 0.25/√q) keeps the error near exp(−4π²) ≈ 1e-17 for every q.
 */
export function gaussianExpectation(fn: (z: number) => number, q: number): number {
  const scale = Math.sqrt(q);
  const intervals = 2 * Math.ceil(10 / Math.min(0.05, 0.25 / scale));
  const h = 20 / intervals;
  let sum = 0;
  for (let i = 0; i <= intervals; i++) {
    const u = -10 + i * h;
    const value = fn(scale * u) * Math.exp(-0.5 * u * u);
    sum += i === 0 || i === intervals ? 0.5 * value : value;
  }
  return (sum * h) / Math.sqrt(2 * Math.PI);
}

const tanhSquared = (z: number): number => Math.tanh(z) ** 2;
const tanhSlopeSquared = (z: number): number => (1 - Math.tanh(z) ** 2) ** 2;
/** φ(z)φ'(z)z for tanh: (d/dq) E[φ(√q·u)²] = E[φ(z)φ'(z)z]/q. */
const tanhDerivativeMoment = (z: number): number => {
  const t = Math.tanh(z);
  return t * (1 - t * t) * z;
};

/** E_{z~N(0,q)}[φ(z)²]. */
function meanSquare(activation: ActivationName, leakySlope: number, q: number): number {
  if (activation === 'tanh') return gaussianExpectation(tanhSquared, q);
  const s = negativeSlope(activation, leakySlope);
  return (q * (1 + s * s)) / 2;
}

/** E_{z~N(0,q)}[φ'(z)²]. */
function meanSlopeSquare(activation: ActivationName, leakySlope: number, q: number): number {
  if (activation === 'tanh') return gaussianExpectation(tanhSlopeSquared, q);
  const s = negativeSlope(activation, leakySlope);
  return (1 + s * s) / 2;
}

/** One step of the length map: q^l = σ_w² E_{z~N(0, q)}[φ(z)²] + σ_b² (Poole et al. 2016, eq. 3). */
export function lengthMap(activation: ActivationName, weightVariance: number, biasVariance: number, q: number, leakySlope = 0.01): number {
  return weightVariance * meanSquare(activation, leakySlope, q) + biasVariance;
}

/** χ₁ = σ_w² E_{z~N(0, q)}[φ'(z)²] at the length q (Poole et al. 2016, eq. 7). */
export function chi1(activation: ActivationName, weightVariance: number, q: number, leakySlope = 0.01): number {
  return weightVariance * meanSlopeSquare(activation, leakySlope, q);
}

/**
 * The fixed point q* of the length map, for tanh (bounded φ, so a fixed point always exists): the
 * largest root of g(q) = lengthMap(q) − q. g is concave (E[tanh²(√q·u)] saturates) with
 * g(0) = σ_b² ≥ 0, so Newton's method started right of the root, at q = σ_w² + σ_b² (where g < 0
 * because tanh² < 1), decreases monotonically onto it; g'(q) = σ_w² E[φ(z)φ'(z)z]/q − 1 with
 * z ~ N(0, q). For σ_b² = 0 and σ_w² ≤ 1 the only root is q* = 0.
 */
export function fixedPointLength(activation: 'tanh', weightVariance: number, biasVariance: number): number {
  if (biasVariance === 0 && weightVariance <= 1) return 0;
  let q = weightVariance + biasVariance;
  for (let i = 0; i < 100; i++) {
    const g = lengthMap(activation, weightVariance, biasVariance, q) - q;
    const slope = (weightVariance * gaussianExpectation(tanhDerivativeMoment, q)) / q - 1;
    const next = q - g / slope;
    if (!(next > 0) || Math.abs(next - q) <= 1e-15 * q) return next > 0 ? next : q;
    q = next;
  }
  return q;
}

/**
 * σ_w² on the critical line χ₁ = 1 for the given σ_b² (Schoenholz et al. 2017, Fig. 1):
 * 2/(1 + s²) for the piecewise-linear activations (whatever σ_b²; see the module comment), and the
 * root of χ₁(σ_w², q*(σ_w², σ_b²)) = 1 for tanh, by bisection (χ₁ grows with σ_w² along q*).
 */
export function criticalWeightVariance(activation: ActivationName, biasVariance: number, leakySlope = 0.01): number {
  if (!(biasVariance >= 0) || !Number.isFinite(biasVariance)) {
    throw new RangeError(`criticalWeightVariance: biasVariance must be finite and ≥ 0, got ${biasVariance}`);
  }
  if (activation !== 'tanh') {
    const s = negativeSlope(activation, leakySlope);
    return 2 / (1 + s * s);
  }
  if (biasVariance === 0) return 1;
  const excess = (weightVariance: number): number =>
    chi1('tanh', weightVariance, fixedPointLength('tanh', weightVariance, biasVariance)) - 1;
  // At σ_w² = 1, q* > 0 and E[sech⁴] < 1, so χ₁ < 1; double the upper end until χ₁ > 1.
  let low = 1;
  let high = 2;
  while (excess(high) < 0) {
    low = high;
    high *= 2;
    if (high > 1e6) throw new RangeError(`criticalWeightVariance: no critical point found for σ_b² = ${biasVariance}`);
  }
  for (let i = 0; i < 200 && high - low > 1e-14 * high; i++) {
    const middle = 0.5 * (low + high);
    if (excess(middle) < 0) low = middle;
    else high = middle;
  }
  return 0.5 * (low + high);
}
