import { type FloatArray, gemm } from '@tdlab/tensor';

/**
 * A positive semi-definite kernel k(x, x') on ℝ^d whose value depends on x and x' only through
 * ⟨x, x'⟩, ‖x‖² and ‖x'‖² (every kernel here: inner-product, RBF, arc-cosine, NTK). A kernel
 * matrix is then one gemm G = A Bᵀ and one elementwise pass.
 */
export interface DotProductKernel {
  /** One line naming the kernel and its normalization, e.g. "exp(⟨x,x'⟩/d)". */
  readonly formula: string;
  /** k from g = ⟨x, x'⟩, aa = ‖x‖², bb = ‖x'‖² and the dimension d. */
  entry(g: number, aa: number, bb: number, d: number): number;
}

/** out (nA×nB, row-major) = k(a_i, b_j) for the rows of a (nA×d) and b (nB×d). */
export function kernelMatrix(kernel: DotProductKernel, a: FloatArray, nA: number, b: FloatArray, nB: number, d: number, out: Float64Array): void {
  gemm(false, true, nA, nB, d, 1, a, b, 0, out);
  const normsA = rowSquaredNorms(a, nA, d);
  const normsB = a === b && nA === nB ? normsA : rowSquaredNorms(b, nB, d);
  for (let i = 0; i < nA; i++) {
    const aa = normsA[i];
    const row = i * nB;
    for (let j = 0; j < nB; j++) out[row + j] = kernel.entry(out[row + j], aa, normsB[j], d);
  }
}

function rowSquaredNorms(x: FloatArray, n: number, d: number): Float64Array {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let l = 0; l < d; l++) sum += x[i * d + l] * x[i * d + l];
    norms[i] = sum;
  }
  return norms;
}

/** The cosine ⟨x, x'⟩/(‖x‖‖x'‖), clamped to [−1, 1] against rounding; 0 when either vector is 0. */
function cosine(g: number, aa: number, bb: number): number {
  const scale = Math.sqrt(aa * bb);
  if (scale === 0) return 0;
  return Math.max(-1, Math.min(1, g / scale));
}

/**
 * κ₀(u) = E[1{G₁ > 0}1{G₂ > 0}] = (π − arccos u)/(2π) for standard Gaussians with correlation u
 * (the arc-cosine kernel of order 0, Cho & Saul 2009, divided by 2).
 */
export function arcCosine0(u: number): number {
  return (Math.PI - Math.acos(u)) / (2 * Math.PI);
}

/**
 * κ₁(u) = E[ReLU(G₁)ReLU(G₂)] = (√(1 − u²) + (π − arccos u)·u)/(2π) for standard Gaussians with
 * correlation u (order 1, Cho & Saul 2009, divided by 2).
 */
export function arcCosine1(u: number): number {
  return (Math.sqrt(Math.max(0, 1 - u * u)) + (Math.PI - Math.acos(u)) * u) / (2 * Math.PI);
}

/** k(x, x') = ⟨x, x'⟩: kernel ridge regression with it is ridge regression on the raw inputs (papers.md §5(i)). */
export const linearKernel: DotProductKernel = {
  formula: "⟨x,x'⟩",
  entry: (g) => g,
};

/** k = (offset + ⟨x, x'⟩/d)^degree: an inner-product kernel on S^{d−1}(√d) (papers.md §5(ii)). */
export function polynomialKernel(degree: number, offset: number): DotProductKernel {
  return { formula: `(${offset} + ⟨x,x'⟩/d)^${degree}`, entry: (g, _aa, _bb, d) => (offset + g / d) ** degree };
}

/** k = exp(⟨x, x'⟩/(d·ℓ²)): an inner-product kernel on S^{d−1}(√d) with every degree present (papers.md §5(ii)). */
export function exponentialKernel(lengthscale: number): DotProductKernel {
  const c = 1 / (lengthscale * lengthscale);
  return { formula: `exp(⟨x,x'⟩/(d·${lengthscale}²))`, entry: (g, _aa, _bb, d) => Math.exp((c * g) / d) };
}

/** k = exp(−‖x − x'‖²/(2·d·ℓ²)); on S^{d−1}(√d) this is exp(−(1 − ⟨x,x'⟩/d)/ℓ²), an inner-product kernel. */
export function rbfKernel(lengthscale: number): DotProductKernel {
  const c = 1 / (2 * lengthscale * lengthscale);
  return {
    formula: `exp(−‖x−x'‖²/(2d·${lengthscale}²))`,
    entry: (g, aa, bb, d) => Math.exp((-c * Math.max(0, aa + bb - 2 * g)) / d),
  };
}

/**
 * The arc-cosine kernels in the normalization of the random-feature model: k(x, x') =
 * E_w σ(⟨w, x⟩)σ(⟨w, x'⟩) for w ~ N(0, I_d/d) or, identically (both σ are positively homogeneous),
 * w ~ Unif(S^{d−1}):
 *   order 0 (σ = step): κ₀(u);   order 1 (σ = ReLU): (‖x‖‖x'‖/d)·κ₁(u),   u = cos∠(x, x').
 * Cho & Saul's k_n = (1/π)‖x‖ⁿ‖x'‖ⁿ J_n(θ) is 2dⁿ times this. With N random ReLU features scaled by
 * N^{-1/2} (random-features), ΦΦᵀ → this kernel as N → ∞.
 */
export function arcCosineKernel(order: 0 | 1): DotProductKernel {
  if (order === 0) return { formula: 'κ₀(u) = (π − arccos u)/(2π)', entry: (g, aa, bb) => arcCosine0(cosine(g, aa, bb)) };
  return {
    formula: "(‖x‖‖x'‖/d)·κ₁(u), κ₁(u) = (√(1−u²) + (π − arccos u)u)/(2π)",
    entry: (g, aa, bb, d) => (Math.sqrt(aa * bb) / d) * arcCosine1(cosine(g, aa, bb)),
  };
}

/**
 * The neural tangent kernel of an infinitely wide two-layer ReLU network with both layers trained:
 *   Θ(x, x') = (‖x‖‖x'‖/d)·κ₁(u) + (⟨x, x'⟩/d)·κ₀(u),
 * the random-feature (second-layer) part plus the neural-tangent-feature (first-layer) part. It is
 * the m → ∞ limit of the empirical NTK of `two-layer` (@tdlab/plugin-models: f = m^{-1/2} Σ vᵢ
 * ReLU(uᵢ·x/√d), u ~ N(0, I), v ~ N(0, 1)), and of ΦΦᵀ for random-features plus
 * neural-tangent-features (ReLU) drawn with the same weights.
 */
export const reluNtkKernel: DotProductKernel = {
  formula: "(‖x‖‖x'‖/d)κ₁(u) + (⟨x,x'⟩/d)κ₀(u)",
  entry: (g, aa, bb, d) => {
    const u = cosine(g, aa, bb);
    return (Math.sqrt(aa * bb) / d) * arcCosine1(u) + (g / d) * arcCosine0(u);
  },
};
