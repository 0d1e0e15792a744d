import { defineModel } from '@tdlab/core';
import { type } from 'arktype';
import { drawKeptIndices, drawPureQuadraticStructure, PureQuadraticModel } from './pure-quadratic-model.js';

/**
 * The named random stream the meta-feature matrices Wᵢ and the feature matrix U are drawn from,
 * `context.rng(META_FEATURE_STREAM)`: shared by the `pure-quadratic` model and the `quadratic-teacher`
 * data set, so that a student with the teacher's width, features and eigenvalueRange has exactly the
 * teacher's ψ and φ (papers.md §2, teacher–student set-up).
 */
export const META_FEATURE_STREAM = 'meta-features';

/** The options a pure-quadratic structure is drawn from (shared with the quadratic-teacher data set). */
export const pureQuadraticStructureOptions = type({
  /** n, the rank of ψ (even: its eigenvalues come in ± pairs). */
  width: type('number.integer >= 2').narrow((n, ctx) => n % 2 === 0 || ctx.mustBe('even')),
  /** n_f, the dimension of the linear feature map φ; 0 (default) for the pure model. */
  features: 'number.integer >= 0 = 0',
  /** The positive eigenvalues s_a of each Wᵢ are drawn from U[low, high]; default [1, 1] (so ψ² = I when d = 1). */
  eigenvalueRange: type(['number >= 0', 'number >= 0'])
    .narrow(([low, high], ctx) => low <= high || ctx.mustBe('[low, high] with low ≤ high'))
    .default(() => [1, 1] as [number, number]),
  /** g, applied entry-wise to d^{-1/2} Σᵢ xᵢWᵢ. */
  activation: "'identity' | 'tanh' | 'relu' | 'leaky-relu' = 'identity'",
  /** Only used by leaky-relu. */
  leakySlope: 'number = 0.01',
});

/**
 * `model: { use: pure-quadratic, width: 1000 }` — Meltzer et al.'s quadratic model
 * z = θ_fᵀφ(x) + (ζ/2)θᵀψ(x)θ (papers.md §2); `masks`/`maskedFeatures` make it the student of a
 * `quadratic-teacher` with the same width, features, eigenvalueRange and activation.
 */
export const pureQuadraticModel = defineModel({
  id: 'pure-quadratic',
  description:
    "Meltzer et al.'s quadratic model z = θ_fᵀφ(x) + (ζ/2)θᵀψ(x)θ, ψ(x) = g(d^{-1/2} Σᵢ xᵢWᵢ), ζ = (n/2)^{-1/2}, θ ~ N(0, I) (papers.md §2)",
  options: pureQuadraticStructureOptions
    .and({
      /** Meta-features the student drops (its θ has width − masks entries); default 0. */
      masks: 'number.integer >= 0 = 0',
      /** Linear features the student drops; default 0. */
      maskedFeatures: 'number.integer >= 0 = 0',
    })
    .narrow((options, ctx) => {
      if (options.masks >= options.width) return ctx.reject({ expected: `below width (${options.width})`, actual: String(options.masks), path: ['masks'] });
      if (options.maskedFeatures > options.features) {
        return ctx.reject({ expected: `at most features (${options.features})`, actual: String(options.maskedFeatures), path: ['maskedFeatures'] });
      }
      return true;
    }),
  create: (options, context) => {
    const structure = drawPureQuadraticStructure(context.rng(META_FEATURE_STREAM), {
      inputDim: context.inputDim,
      width: options.width,
      features: options.features,
      eigenvalueRange: options.eigenvalueRange,
    });
    const masks = context.rng('model').derive('mask');
    return new PureQuadraticModel({
      structure,
      activation: options.activation,
      leakySlope: options.leakySlope,
      metaIndices: drawKeptIndices(masks, options.width, options.masks),
      featureIndices: drawKeptIndices(masks, options.features, options.maskedFeatures),
      precision: context.precision,
    });
  },
});
