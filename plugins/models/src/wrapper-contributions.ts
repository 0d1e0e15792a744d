import { defineModel, type ModelContext, nestedSectionSchema } from '@tdlab/core';
import { type } from 'arktype';
import { NeuralTangentModel } from './linearized-model.js';
import { NeuralQuadraticModel } from './quadratic-model.js';
import type { TaylorExpansionOptions } from './taylor-expansion.js';

/**
 * θ₀ is the base's initialization, drawn from the run's model stream as for the bare network. When
 * the study loads `model.initialParameters`, the trainer overwrites the drawn values after
 * `initialize`, so the wrapper takes θ₀ from its first call instead: the trainer's forward pass at
 * the loaded parameters (ExpansionAnchor).
 */
function expansionOptions(context: ModelContext): TaylorExpansionOptions {
  return { anchor: context.spec.model?.initialParameters ? 'first-call' : 'initialize', precision: context.precision };
}

/** `model: { use: linearized, base: { use: two-layer, … } }` — the neural tangent model of any model. */
export const linearizedModel = defineModel({
  id: 'linearized',
  description: 'Neural tangent model of a base model: f₀ + J₀(θ − θ₀), θ₀ the base’s initialization (papers.md §1b)',
  options: type({
    /** The model to linearize: any model section, validated by its own contribution. */
    base: nestedSectionSchema,
  }),
  nested: { base: 'model' },
  create: (options, context) => new NeuralTangentModel(context.createModel(options.base), expansionOptions(context)),
});

/** `model: { use: quadratic, base: { use: two-layer, … } }` — the neural quadratic model (Zhu et al.) of any model. */
export const quadraticModel = defineModel({
  id: 'quadratic',
  description: 'Neural quadratic model of a base model: f₀ + J₀Δ + ½ΔᵀH₀Δ, Δ = θ − θ₀ (Zhu et al., papers.md §1b)',
  options: type({
    /** The model to expand: any model section, validated by its own contribution. */
    base: nestedSectionSchema,
  }),
  nested: { base: 'model' },
  create: (options, context) => new NeuralQuadraticModel(context.createModel(options.base), expansionOptions(context)),
});
