/**
 * Zonal spherical harmonics on S^{d−1}(√d), the sphere of radius √d in ℝ^d.
 *
 * P_k^{(d)} is the Gegenbauer polynomial of degree k in dimension d, normalized so P_k^{(d)}(1) = 1
 * (the Legendre polynomial for d = 3, Chebyshev's T_k for d = 2). For a unit vector w and x uniform
 * on S^{d−1}(√d), with s = ⟨w, x⟩/√d ∈ [−1, 1] the cosine of their angle,
 *
 *     E_x[P_j^{(d)}(s)·P_k^{(d)}(s)] = δ_jk / B(d, k),
 *
 * where B(d, k) is the dimension of the degree-k spherical harmonics in d variables. So
 * φ_k(x) = √B(d, k)·P_k^{(d)}(s) has E φ_k² = 1, φ_k is a degree-k spherical harmonic, and the φ_k
 * of different degrees are orthogonal. (Misiakiewicz–Montanari's Q_k(⟨x, y⟩) for ‖x‖ = ‖y‖ = √d is
 * P_k^{(d)}(⟨x, y⟩/d); as d → ∞, φ_k(x) → He_k(⟨w, x⟩)/√k!, the normalized Hermite polynomial.)
 */

/**
 * B(d, k) = (2k + d − 2)/k · C(k + d − 3, k − 1) for k ≥ 1, and 1 for k = 0: the number of linearly
 * independent degree-k spherical harmonics in d ≥ 2 variables (B(d, 1) = d, B(d, 2) = (d+2)(d−1)/2).
 * Computed as a product of positive factors, so it is accurate to a few ulps even when large.
 */
export function harmonicDimension(d: number, k: number): number {
  if (!(Number.isInteger(d) && d >= 2)) throw new RangeError(`harmonicDimension: d must be an integer ≥ 2, got ${d}`);
  if (!(Number.isInteger(k) && k >= 0)) throw new RangeError(`harmonicDimension: k must be an integer ≥ 0, got ${k}`);
  if (k === 0) return 1;
  let binomial = 1; // C(k + d − 3, k − 1) = Π_{i=1}^{k−1} (d − 2 + i)/i
  for (let i = 1; i < k; i++) binomial = (binomial * (d - 2 + i)) / i;
  return ((2 * k + d - 2) / k) * binomial;
}

/**
 * out[k] = P_k^{(d)}(s) for k = 0 … out.length − 1, by the three-term recurrence
 * (k + d − 2)·P_{k+1} = (2k + d − 2)·s·P_k − k·P_{k−1}, with P_0 = 1 and P_1 = s.
 */
export function gegenbauerAll(d: number, s: number, out: Float64Array): Float64Array {
  const degrees = out.length;
  if (degrees === 0) return out;
  out[0] = 1;
  if (degrees === 1) return out;
  out[1] = s;
  for (let k = 1; k + 1 < degrees; k++) {
    out[k + 1] = ((2 * k + d - 2) * s * out[k] - k * out[k - 1]) / (k + d - 2);
  }
  return out;
}

/** P_k^{(d)}(s), normalized so P_k^{(d)}(1) = 1. */
export function gegenbauer(d: number, k: number, s: number): number {
  return gegenbauerAll(d, s, new Float64Array(k + 1))[k];
}
