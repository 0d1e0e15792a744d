import { type } from 'arktype';
import {
  arcCosineKernel,
  type DotProductKernel,
  exponentialKernel,
  linearKernel,
  polynomialKernel,
  rbfKernel,
  reluNtkKernel,
} from './kernels.js';

/**
 * The `kernel:` option of the kernel-ridge probe, one section per kernel (unknown keys rejected):
 *   { use: linear }                                ⟨x, x'⟩
 *   { use: polynomial, degree, offset: 1 }         (offset + ⟨x, x'⟩/d)^degree
 *   { use: exponential, lengthscale: 1 }           exp(⟨x, x'⟩/(d·ℓ²))
 *   { use: rbf, lengthscale: 1 }                   exp(−‖x − x'‖²/(2d·ℓ²))
 *   { use: arc-cosine, order: 1 }                  E_w σ(⟨w,x⟩)σ(⟨w,x'⟩), w ~ N(0, I/d); σ = step (0) or ReLU (1)
 *   { use: relu-ntk }                              two-layer ReLU NTK, (‖x‖‖x'‖/d)κ₁(u) + (⟨x,x'⟩/d)κ₀(u)
 *   { use: empirical-ntk, at: initial }            ⟨∇_θ f(x), ∇_θ f(x')⟩ of the study's own model, at θ₀ or θ_t
 */
export const kernelSchema = type({ '+': 'reject', use: "'linear'" })
  .or({
    '+': 'reject',
    use: "'polynomial'",
    degree: 'number.integer > 0',
    /** c in (c + ⟨x, x'⟩/d)^degree. Default 1. */
    offset: 'number >= 0 = 1',
  })
  .or({ '+': 'reject', use: "'exponential'", lengthscale: 'number > 0 = 1' })
  .or({ '+': 'reject', use: "'rbf'", lengthscale: 'number > 0 = 1' })
  .or({ '+': 'reject', use: "'arc-cosine'", order: '0 | 1 = 1' })
  .or({ '+': 'reject', use: "'relu-ntk'" })
  .or({
    '+': 'reject',
    use: "'empirical-ntk'",
    /** The tangent kernel of the study's model at θ₀ (`initial`, default, computed once) or at θ_t (`current`, at every measurement). */
    at: "'initial' | 'current' = 'initial'",
  });

export type KernelSpec = typeof kernelSchema.infer;
export type AnalyticKernelSpec = Exclude<KernelSpec, { use: 'empirical-ntk' }>;

/** The closed-form kernel a section names. */
export function createKernel(spec: AnalyticKernelSpec): DotProductKernel {
  switch (spec.use) {
    case 'linear':
      return linearKernel;
    case 'polynomial':
      return polynomialKernel(spec.degree, spec.offset);
    case 'exponential':
      return exponentialKernel(spec.lengthscale);
    case 'rbf':
      return rbfKernel(spec.lengthscale);
    case 'arc-cosine':
      return arcCosineKernel(spec.order);
    case 'relu-ntk':
      return reluNtkKernel;
  }
}
