/**
 * The law of the teacher coordinate x∥ = ŵ*·x for the two isotropic input laws of the hinge
 * problem, and the three averages the infinite-data theory needs (README §3):
 *
 *   P(κ)  = P(|x∥| < κ)                       — the unsatisfied fraction when yf = s|x∥|, κ = h/s
 *   E(κ)  = E[|x∥|·1{|x∥| < κ}]               — the force ⟨u·y·x⟩ = E(κ)·ŵ*
 *   loss  = E[(h − s|x∥|)₊] = h·P(κ) − s·E(κ)
 *
 * `gaussian`: x ~ N(0, I_d), so x∥ ~ N(0, 1): P = erf(κ/√2), E = √(2/π)(1 − e^{−κ²/2}).
 * `sphere`: x uniform on the sphere of radius √d, x∥ = √d·t with t of density
 * c_d(1 − t²)^{(d−3)/2} on [−1, 1], c_d = Γ(d/2)/(√π Γ((d−1)/2)); with τ = min(κ/√d, 1):
 * E = √d·2c_d[1 − (1 − τ²)^{(d−1)/2}]/(d − 1) and P = 2c_d ∫₀^{asin τ} cos^{d−2}φ dφ (t = sin φ).
 */
export type InputLawName = 'gaussian' | 'sphere';

export interface InputLaw {
  readonly name: InputLawName;
  /** P(|x∥| < κ); κ = ∞ gives 1. */
  fractionBelow(kappa: number): number;
  /** E[|x∥|·1{|x∥| < κ}]. */
  absMomentBelow(kappa: number): number;
}

export function inputLaw(name: InputLawName, d: number): InputLaw {
  return name === 'gaussian' ? gaussianLaw : sphereLaw(d);
}

const gaussianLaw: InputLaw = {
  name: 'gaussian',
  fractionBelow: (kappa) => (kappa === Infinity ? 1 : erf(kappa / Math.SQRT2)),
  absMomentBelow: (kappa) => Math.sqrt(2 / Math.PI) * (kappa === Infinity ? 1 : -Math.expm1(-0.5 * kappa * kappa)),
};

function sphereLaw(d: number): InputLaw {
  if (!(Number.isInteger(d) && d >= 2)) throw new Error(`sphere input law: d must be an integer ≥ 2 (was ${d})`);
  const c = Math.exp(logGamma(d / 2) - logGamma((d - 1) / 2)) / Math.sqrt(Math.PI);
  const root = Math.sqrt(d);
  return {
    name: 'sphere',
    fractionBelow(kappa) {
      const tau = Math.min(kappa / root, 1);
      if (tau >= 1) return 1;
      return Math.min(1, 2 * c * integrateCosinePower(Math.asin(tau), d - 2));
    },
    absMomentBelow(kappa) {
      const tau = Math.min(kappa / root, 1);
      return (root * 2 * c * (1 - (1 - tau * tau) ** ((d - 1) / 2))) / (d - 1);
    },
  };
}

/** ∫₀^φ cos^k(ψ) dψ by the recurrence I_k = cos^{k−1}φ·sin φ/k + (k−1)/k·I_{k−2} (exact, no quadrature). */
function integrateCosinePower(phi: number, k: number): number {
  const sin = Math.sin(phi);
  const cos = Math.cos(phi);
  let integral = k % 2 === 0 ? phi : sin; // I₀ or I₁
  for (let j = k % 2 === 0 ? 2 : 3; j <= k; j += 2) integral = (cos ** (j - 1) * sin) / j + ((j - 1) / j) * integral;
  return integral;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = coefficients[0];
  for (let i = 1; i < coefficients.length; i++) sum += coefficients[i] / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * erf(x) to ~1e-15: the Maclaurin series below |x| = 2.5 (its terms alternate but stay below 2e2
 * there, so no precision is lost), and 1 − erfc(x) from erfc's continued fraction above.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const a = Math.abs(x);
  let value: number;
  if (a < 2.5) {
    // erf(x) = 2/√π Σ (−1)ⁿ x^{2n+1} / (n!(2n+1))
    let term = a;
    let sum = a;
    const a2 = a * a;
    for (let n = 1; n < 100; n++) {
      term *= -a2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    value = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    value = 1 - erfcContinuedFraction(a);
  }
  return x < 0 ? -value : value;
}

/** erfc(x) for x ≥ 2.5: e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) by modified Lentz. */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    d = x + an * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + an / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}
