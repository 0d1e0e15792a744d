import { defineModel } from '@tdlab/core';
import { type } from 'arktype';
import { FeatureModel, IdentityFeatures, RandomFeatures } from './feature-model.js';
import { drawFirstLayer } from './first-layer-weights.js';
import { NeuralTangentFeatureModel } from './neural-tangent-feature-model.js';

/** The random stream the fixed first-layer weights are drawn from (`context.rng('features')`), apart from θ₀'s. */
export const FEATURES_STREAM = 'features';

const initStd = {
  /** θ₀ ~ N(0, initStd²) per coordinate. Default 0: θ₀ = 0, so ridgeless GD converges to the minimum-norm fit. */
  initStd: 'number >= 0 = 0',
} as const;

const firstLayer = {
  /** N, the number of random features (neurons). */
  width: 'number.integer > 0',
  /** σ. Default relu. */
  activation: "'relu' | 'tanh' | 'linear' = 'relu'",
  /** w_j ~ Unif(S^{d−1}) (`sphere`, default, papers.md §5(iii)) or N(0, I_d/d) (`gaussian`). */
  weights: "'sphere' | 'gaussian' = 'sphere'",
} as const;

/**
 * `model: { use: linear-features }` — f(x) = ⟨β, x⟩, β ∈ ℝ^d trained: ridge regression by gradient
 * descent (papers.md §5(i)). With `loss: { use: mse, reduction: mean, half: true }` and
 * `optimizer: { use: gd, weightDecay: λ }` GD converges to argmin (1/n)‖y − Xβ‖² + λ‖β‖².
 */
export const linearFeaturesModel = defineModel({
  id: 'linear-features',
  description: 'Linear model f(x) = ⟨β, x⟩ (ridge regression by GD, papers.md §5(i)); β₀ = 0 unless initStd > 0',
  options: type(initStd),
  create: (options, context) =>
    new FeatureModel(new IdentityFeatures(context.inputDim), { name: 'linear-features', precision: context.precision, initStd: options.initStd, blockName: 'beta' }),
});

/**
 * `model: { use: random-features, width: N, activation: relu }` — f(x) = N^{-1/2} Σ_j a_j σ(⟨w_j, x⟩)
 * with w_j fixed and only a trained (papers.md §5(iii)).
 */
export const randomFeaturesModel = defineModel({
  id: 'random-features',
  description: 'Random features f(x) = N^{-1/2} Σ_j a_j σ(⟨w_j, x⟩), w_j fixed (unit sphere or N(0, I/d)), a trained (papers.md §5(iii))',
  options: type({ ...firstLayer, ...initStd }),
  create: (options, context) => {
    const weights = drawFirstLayer(context.rng(FEATURES_STREAM), options.width, context.inputDim, options.weights, context.precision);
    const map = new RandomFeatures(weights, context.inputDim, options.width, options.activation);
    return new FeatureModel(map, { name: 'random-features', precision: context.precision, initStd: options.initStd, blockName: 'a' });
  },
});

/**
 * `model: { use: neural-tangent-features, width: N, activation: relu }` — f(x) = (N·d)^{-1/2}
 * Σ_j σ'(⟨w_j, x⟩)⟨b_j, x⟩ with w_j fixed and B trained, p = N·d (papers.md §5(iv)).
 */
export const neuralTangentFeaturesModel = defineModel({
  id: 'neural-tangent-features',
  description: 'Neural tangent features f(x) = (N·d)^{-1/2} Σ_j σ′(⟨w_j, x⟩)⟨b_j, x⟩, w_j fixed, B ∈ ℝ^{N×d} trained (papers.md §5(iv))',
  options: type({ ...firstLayer, ...initStd }),
  create: (options, context) =>
    new NeuralTangentFeatureModel({
      weights: drawFirstLayer(context.rng(FEATURES_STREAM), options.width, context.inputDim, options.weights, context.precision),
      width: options.width,
      inputDim: context.inputDim,
      activation: options.activation,
      precision: context.precision,
      initStd: options.initStd,
    }),
});
