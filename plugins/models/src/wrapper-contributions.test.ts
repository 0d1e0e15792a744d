import type { ModelContext, SectionSpec } from '@tdlab/core';
import { Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { twoLayerModel } from './contributions.js';
import { NeuralTangentModel } from './linearized-model.js';
import { NeuralQuadraticModel } from './quadratic-model.js';
import { TwoLayerModel } from './two-layer-model.js';
import { linearizedModel, quadraticModel } from './wrapper-contributions.js';

/*
 * The `linearized` and `quadratic` contributions on their own; validation of the nested `base:`
 * through a whole study, and runs through the kernel, are in test/wrapper-models.test.ts.
 */

function context(initialParameters?: string, precision: 'float64' | 'float32' = 'float64'): ModelContext & { built: SectionSpec[] } {
  const built: SectionSpec[] = [];
  return {
    runId: 'test',
    spec: { model: { use: 'quadratic', initialParameters } } as unknown as ModelContext['spec'],
    precision,
    rng: (purpose: string) => new Rng(0).derive(purpose),
    baseDir: '.',
    outDir: undefined,
    inputDim: 3,
    built,
    // What the core does for a declared nested section: build it with its own contribution.
    createModel(section) {
      built.push(section);
      return twoLayerModel.create(twoLayerModel.options(section) as typeof twoLayerModel.options.infer, this);
    },
  };
}

describe.each([
  { contribution: linearizedModel, kind: NeuralTangentModel },
  { contribution: quadraticModel, kind: NeuralQuadraticModel },
])('$contribution.id contribution (papers.md §1b)', ({ contribution, kind }) => {
  it('declares base as a nested model section, required', () => {
    expect(contribution.nested).toEqual({ base: 'model' });
    expect(contribution.options({ base: { use: 'two-layer', width: 4 } })).toEqual({ base: { use: 'two-layer', width: 4 } });
    expect((contribution.options({}) as type.errors).summary).toContain('base must be an object (was missing)');
    expect((contribution.options({ base: { width: 4 } }) as type.errors).summary).toContain('base.use must be a string');
  });

  it('builds the base through the context and wraps it, θ₀ taken at initialize', () => {
    const ctx = context();
    const section = { use: 'two-layer', width: 4 };
    const model = contribution.create({ base: section }, ctx);
    expect(model).toBeInstanceOf(kind);
    expect(ctx.built).toEqual([section]);
    const wrapper = model as NeuralTangentModel | NeuralQuadraticModel;
    expect(wrapper.base).toBeInstanceOf(TwoLayerModel);
    expect(wrapper.anchor).toBe('initialize');
    expect(wrapper.parameterCount).toBe(4 * 3 + 4);
  });

  it('takes θ₀ from the first call when the study loads initialParameters', () => {
    const model = contribution.create({ base: { use: 'two-layer', width: 4 } }, context('theta0.json')) as NeuralTangentModel;
    expect(model.anchor).toBe('first-call');
  });

  it('uses the run precision for its scratch (float32 runs stay float32)', () => {
    const model = contribution.create({ base: { use: 'two-layer', width: 4 } }, context(undefined, 'float32'));
    const params = new Float32Array(model.parameterCount);
    model.initialize(new Rng(1), params);
    const out = new Float32Array(2);
    model.forward(params, { x: new Float32Array([1, 2, 3, -1, 0, 1]), n: 2 }, out);
    expect(out.every(Number.isFinite)).toBe(true);
  });
});
