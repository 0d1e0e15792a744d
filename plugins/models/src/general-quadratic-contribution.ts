import { defineModel } from '@tdlab/core';
import { type } from 'arktype';
import { GeneralQuadraticModel, rademacherDiagonal } from './general-quadratic-model.js';

/**
 * `model: { use: general-quadratic, gamma: 1e-3 }` — Zhu et al.'s general quadratic model
 * g(w; x) = wᵀφ(x) + ½γ wᵀΣw with φ(x) = x/‖x‖ and Σ a fixed random ±1 diagonal (App. 19.4,
 * papers.md §1b); `sigma: uv, width: m` is the uv special case (φ = 0, γ = 1/√m by default).
 */
export const generalQuadraticModel = defineModel({
  id: 'general-quadratic',
  description:
    "Zhu et al.'s general quadratic model g(w; x) = wᵀφ(x) + ½γ wᵀΣw, φ(x) = x/‖x‖, Σ = diag(±1), w₀ ~ N(0, I) (App. 19.4, papers.md §1b); sigma: uv gives the uv model",
  options: type({
    /**
     * Σ: 'diagonal-rademacher' (default), a diagonal of random ±1 drawn once per run from
     * rng('model').derive('sigma'); an explicit diagonal (one number per input feature); or 'uv'.
     */
    sigma: ["'diagonal-rademacher' | 'uv' | number[]", '=', 'diagonal-rademacher'],
    /** γ; required with a diagonal Σ, default 1/√width with sigma: uv. */
    'gamma?': 'number > 0',
    /** Width m of the uv form (required there, not allowed with a diagonal Σ). */
    'width?': 'number.integer > 0',
    /** φ(x) = x/‖x‖ ('normalized', default with a diagonal Σ) or 0 ('none', the only choice with uv). */
    'features?': "'normalized' | 'none'",
  }).narrow((options, ctx) => {
    if (options.sigma === 'uv') {
      if (options.width === undefined) return ctx.reject({ expected: 'set with sigma: uv', path: ['width'] });
      if (options.features === 'normalized') return ctx.reject({ expected: "'none' with sigma: uv (φ = 0)", path: ['features'] });
      return true;
    }
    if (options.width !== undefined) return ctx.reject({ expected: 'absent with a diagonal Σ (p = d)', path: ['width'] });
    if (options.gamma === undefined) return ctx.reject({ expected: 'set (γ > 0) with a diagonal Σ', path: ['gamma'] });
    return true;
  }),
  create: (options, context) => {
    const { sigma } = options;
    const { precision } = context;
    if (sigma === 'uv') {
      const width = options.width!;
      return new GeneralQuadraticModel({ sigma: 'uv', width, inputDim: context.inputDim, gamma: options.gamma ?? 1 / Math.sqrt(width), precision });
    }
    const diagonal = sigma === 'diagonal-rademacher' ? rademacherDiagonal(context.rng('model').derive('sigma'), context.inputDim) : sigma;
    if (diagonal.length !== context.inputDim) {
      throw new RangeError(`general-quadratic: sigma lists ${diagonal.length} diagonal entries, but the data's input dimension is ${context.inputDim}`);
    }
    return new GeneralQuadraticModel({
      sigma: 'diagonal',
      diagonal,
      inputDim: context.inputDim,
      gamma: options.gamma!,
      features: options.features ?? 'normalized',
      precision,
    });
  },
});
