/**
 * Deterministic equivalents of ridge regression with concentrated features (papers.md §5(i)):
 * y = ⟨β*, x⟩ + ε, E xxᵀ = Σ, Var ε = σ², β̂ = argmin (1/n)‖y − Xβ‖² + λ‖β‖². Σ is given by its
 * eigenvalues s_j and β* by its coordinates in the same eigenbasis (for a diagonal Σ, the
 * coordinates of β* themselves).
 *
 *   effective ridge λ* > 0:  n(1 − λ/λ*) = Tr Σ(Σ + λ*)⁻¹
 *   df₂ = (1/n) Tr Σ²(Σ + λ*)⁻²
 *   excess risk E(⟨β̂ − β*, x⟩)² ≈ [λ*² β*ᵀ(Σ + λ*)⁻²Σβ* + σ² df₂] / (1 − df₂)
 */

export interface RidgeTheoryInput {
  /** Eigenvalues of Σ (≥ 0). */
  readonly spectrum: ArrayLike<number>;
  /** β* in the eigenbasis of Σ. */
  readonly teacher: ArrayLike<number>;
  /** σ, the standard deviation of the label noise. */
  readonly noise: number;
  /** Number of training samples. */
  readonly n: number;
  /** λ ≥ 0 in the normalization above. */
  readonly lambda: number;
}

export interface RidgeTheory {
  /** λ*, the effective ridge (0 for λ = 0 when n exceeds the rank of Σ). */
  readonly lambdaStar: number;
  readonly df2: number;
  /** λ*² β*ᵀ(Σ + λ*)⁻²Σβ* / (1 − df₂). */
  readonly bias: number;
  /** σ² df₂ / (1 − df₂). */
  readonly variance: number;
  /** bias + variance, the predicted excess risk (Infinity at the ridgeless interpolation threshold). */
  readonly risk: number;
}

/**
 * λ*: the root of g(κ) = n(1 − λ/κ) − Σⱼ sⱼ/(sⱼ + κ), increasing in κ. For λ > 0 it lies in
 * (λ, λ + Tr Σ/n]; for λ = 0 it is 0 when n ≥ rank Σ, else in (0, Tr Σ/n]. Bisection on log κ to
 * full float64 precision.
 */
export function effectiveRidge(spectrum: ArrayLike<number>, n: number, lambda: number): number {
  if (!(n > 0)) throw new RangeError(`effectiveRidge: n must be positive, got ${n}`);
  if (!(lambda >= 0 && Number.isFinite(lambda))) throw new RangeError(`effectiveRidge: λ must be a finite number >= 0, got ${lambda}`);
  let trace = 0;
  let rank = 0;
  for (let j = 0; j < spectrum.length; j++) {
    if (!(spectrum[j] >= 0)) throw new RangeError(`effectiveRidge: Σ has a negative or NaN eigenvalue ${spectrum[j]}`);
    trace += spectrum[j];
    if (spectrum[j] > 0) rank++;
  }
  if (trace === 0) return lambda;
  if (lambda === 0 && n >= rank) return 0;
  const g = (kappa: number): number => {
    let sum = 0;
    for (let j = 0; j < spectrum.length; j++) sum += spectrum[j] / (spectrum[j] + kappa);
    return n * (1 - lambda / kappa) - sum;
  };
  let high = lambda + trace / n;
  let low = lambda > 0 ? lambda : high * 1e-300;
  for (let iteration = 0; iteration < 2000 && high / low > 1 + 4 * Number.EPSILON; iteration++) {
    const middle = Math.sqrt(low * high);
    if (g(middle) > 0) high = middle;
    else low = middle;
  }
  return Math.sqrt(low * high);
}

/** The deterministic-equivalent excess risk of ridge regression, with its bias and variance parts. */
export function ridgeTheory(input: RidgeTheoryInput): RidgeTheory {
  const { spectrum, teacher, noise, n, lambda } = input;
  if (teacher.length !== spectrum.length) throw new RangeError(`ridgeTheory: β* has ${teacher.length} coordinates, Σ has ${spectrum.length} eigenvalues`);
  const kappa = effectiveRidge(spectrum, n, lambda);
  let df2 = 0;
  let biasSum = 0;
  for (let j = 0; j < spectrum.length; j++) {
    const s = spectrum[j];
    if (s === 0) continue;
    const ratio = s / (s + kappa);
    df2 += ratio * ratio;
    biasSum += (teacher[j] * teacher[j] * s) / ((s + kappa) * (s + kappa));
  }
  df2 /= n;
  const denominator = 1 - df2;
  if (!(denominator > 0)) return { lambdaStar: kappa, df2, bias: Infinity, variance: Infinity, risk: Infinity };
  const bias = (kappa * kappa * biasSum) / denominator;
  const variance = (noise * noise * df2) / denominator;
  return { lambdaStar: kappa, df2, bias, variance, risk: bias + variance };
}

/**
 * The isotropic ridgeless risk (Σ = I, λ → 0, γ = d/n, ‖β*‖ = r; papers.md §5(i)):
 *   γ < 1: σ²γ/(1 − γ);   γ > 1: r²(1 − 1/γ) + σ²/(γ − 1);   γ = 1: ∞ (the double-descent peak).
 */
export function isotropicRidgelessRisk(gamma: number, r: number, noise: number): number {
  if (!(gamma > 0)) throw new RangeError(`isotropicRidgelessRisk: γ must be positive, got ${gamma}`);
  if (gamma === 1) return Infinity;
  const s2 = noise * noise;
  return gamma < 1 ? (s2 * gamma) / (1 - gamma) : r * r * (1 - 1 / gamma) + s2 / (gamma - 1);
}
