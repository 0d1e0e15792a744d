import { defineModel } from '@tdlab/core';
import { type } from 'arktype';
import { MeanFieldTwoLayerModel } from './mean-field-two-layer-model.js';

/** `initScale: { a, w }`: σ_a and σ_w of aᵢ ~ N(0, σ_a²), wᵢ ~ N(0, σ_w² I_d); each defaults to 1. Unknown keys are rejected. */
const initScaleOptions = type({
  '+': 'reject',
  /** σ_a, the standard deviation of the output weights aᵢ; default 1. */
  'a?': 'number >= 0',
  /** σ_w, the standard deviation of each entry of wᵢ; default 1. */
  'w?': 'number >= 0',
});

/**
 * `model: { use: mean-field-two-layer, width: M, alpha: 1, initScale: { a: 1, w: 1 } }` —
 * Pellegrini & Biroli's two-layer ReLU net in mean-field scaling, f(x) = (1/(αM)) Σᵢ aᵢ ReLU(wᵢ·x/√d)
 * (papers.md §3, §6). α is the lazy↔rich knob (small α = lazy). The model's `timeScale` is α·M,
 * so the trainer's time is the mean-field time of dθ/dt = −αM·∇L.
 */
export const meanFieldTwoLayerModel = defineModel({
  id: 'mean-field-two-layer',
  description:
    'Mean-field two-layer ReLU net f(x) = (1/(αM)) Σᵢ aᵢ ReLU(wᵢ·x/√d), a ~ N(0, σ_a²), w ~ N(0, σ_w² I), time scale αM (Pellegrini–Biroli, papers.md §3)',
  options: type({
    /** Hidden width M. */
    width: 'number.integer > 0',
    /** α > 0, the lazy↔rich knob (small α = lazy); default 1. */
    alpha: 'number > 0 = 1',
    /** σ_a and σ_w of the initialization; both default to 1. */
    'initScale?': initScaleOptions,
  }),
  create: (options, context) =>
    new MeanFieldTwoLayerModel({
      width: options.width,
      inputDim: context.inputDim,
      alpha: options.alpha,
      initScale: options.initScale,
      precision: context.precision,
    }),
});
