import { defineModel } from '@tdlab/core';
import { type } from 'arktype';
import { TwoLayerModel } from './two-layer-model.js';
import { UvModel } from './uv-model.js';

/** `model: { use: uv, width: m }` — Lewkowycz et al.'s uv model (papers.md §1a). */
export const uvModel = defineModel({
  id: 'uv',
  description: 'uv model f(x) = (m·d)^{-1/2} Σᵢ vᵢ (uᵢ·x), u, v ~ N(0, 1) (Lewkowycz et al., papers.md §1a)',
  options: type({ width: 'number.integer > 0' }),
  create: (options, context) => new UvModel({ width: options.width, inputDim: context.inputDim, precision: context.precision }),
});

/** `model: { use: two-layer, width: m, activation: relu, ... }` — NTK-scaled two-layer network (papers.md §1b). */
export const twoLayerModel = defineModel({
  id: 'two-layer',
  description: 'Two-layer net f(x) = m^{-1/2} Σᵢ vᵢ σ(uᵢ·x/√d) in NTK scaling, u ~ N(0, I), v ~ N(0, 1) or ±1 (Zhu et al., papers.md §1b)',
  options: type({
    width: 'number.integer > 0',
    activation: "'relu' | 'leaky-relu' | 'linear' | 'tanh' = 'relu'",
    /** Only used by leaky-relu: σ(z) = slope·z for z ≤ 0. */
    leakySlope: 'number = 0.01',
    secondLayer: "'gaussian' | 'rademacher' = 'gaussian'",
  }),
  create: (options, context) =>
    new TwoLayerModel({
      width: options.width,
      inputDim: context.inputDim,
      activation: options.activation,
      leakySlope: options.leakySlope,
      secondLayer: options.secondLayer,
      precision: context.precision,
    }),
});
