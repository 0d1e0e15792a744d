import { ContributionRegistry, type ModelContext } from '@tdlab/core';
import { Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import modelsPlugin, { TwoLayerModel, twoLayerModel, UvModel, uvModel } from './index.js';

function context(inputDim: number, precision: 'float64' | 'float32' = 'float64'): ModelContext {
  return {
    runId: 'test',
    spec: {} as ModelContext['spec'],
    precision,
    rng: (purpose: string) => new Rng(0).derive(purpose),
    baseDir: '.',
    outDir: undefined,
    inputDim,
    createModel: () => {
      throw new Error('these models have no nested sections');
    },
  };
}

describe('@tdlab/plugin-models', () => {
  it('registers the uv and two-layer models under the models plugin', () => {
    expect(modelsPlugin.name).toBe('@tdlab/plugin-models');
    expect(modelsPlugin.coreApi).toBe('^0.1.0');
    const registry = new ContributionRegistry();
    registry.register(modelsPlugin);
    expect(registry.list('model').map((entry) => entry.contribution.id)).toEqual(expect.arrayContaining(['uv', 'two-layer', 'linearized', 'quadratic']));
    expect(registry.find('model', 'uv')?.contribution).toBe(uvModel);
    expect(registry.find('model', 'two-layer')?.plugin).toBe('@tdlab/plugin-models@0.1.0');
  });
});

describe('uv options (papers.md §1a)', () => {
  it('accepts a positive integer width and builds a model of the data set’s input dimension', () => {
    const options = uvModel.options({ width: 10 });
    expect(options).toEqual({ width: 10 });
    const model = uvModel.create(options as { width: number }, context(3));
    expect(model).toBeInstanceOf(UvModel);
    expect(model.inputDim).toBe(3);
    expect(model.parameterCount).toBe(40);
  });

  it.each([{ width: -3 }, { width: 2.5 }, { width: 0 }, {}, { width: '4' }])('rejects %j, naming width', (input) => {
    const result = uvModel.options(input);
    expect(result).toBeInstanceOf(type.errors);
    expect((result as type.errors).summary).toContain('width');
  });
});

describe('two-layer options (papers.md §1b)', () => {
  it('fills the defaults: relu, leakySlope 0.01, gaussian second layer', () => {
    expect(twoLayerModel.options({ width: 3 })).toEqual({ width: 3, activation: 'relu', leakySlope: 0.01, secondLayer: 'gaussian' });
    expect(twoLayerModel.options({ width: 3, activation: 'leaky-relu', leakySlope: 0.2, secondLayer: 'rademacher' })).toEqual({
      width: 3,
      activation: 'leaky-relu',
      leakySlope: 0.2,
      secondLayer: 'rademacher',
    });
  });

  it('gives an arktype error mentioning width for width: -3', () => {
    const result = twoLayerModel.options({ width: -3 });
    expect(result).toBeInstanceOf(type.errors);
    expect((result as type.errors).summary).toContain('width');
  });

  it('rejects an unknown activation or second-layer scheme, naming the key', () => {
    const activation = twoLayerModel.options({ width: 3, activation: 'gelu' });
    expect(activation).toBeInstanceOf(type.errors);
    expect((activation as type.errors).summary).toContain('activation');
    const secondLayer = twoLayerModel.options({ width: 3, secondLayer: 'uniform' });
    expect(secondLayer).toBeInstanceOf(type.errors);
    expect((secondLayer as type.errors).summary).toContain('secondLayer');
  });

  it('rejects undeclared keys under the strict mode the study validator applies', () => {
    const result = twoLayerModel.options.onUndeclaredKey('reject')({ width: 3, depth: 2 });
    expect(result).toBeInstanceOf(type.errors);
    expect((result as type.errors).summary).toContain('depth');
  });

  it('create() passes the options, the input dimension and the run precision through', () => {
    const options = twoLayerModel.options({ width: 6, activation: 'leaky-relu', leakySlope: 0.2, secondLayer: 'rademacher' });
    if (options instanceof type.errors) throw new Error(options.summary);
    const model = twoLayerModel.create(options, context(4, 'float32'));
    expect(model).toBeInstanceOf(TwoLayerModel);
    const twoLayer = model as TwoLayerModel;
    expect(twoLayer.inputDim).toBe(4);
    expect(twoLayer.width).toBe(6);
    expect(twoLayer.activation.name).toBe('leaky-relu');
    expect(twoLayer.activation.leakySlope).toBe(0.2);
    expect(twoLayer.secondLayer).toBe('rademacher');
    expect(model.blocks.map((block) => [block.name, block.shape])).toEqual([
      ['u', [6, 4]],
      ['v', [6]],
    ]);
    const params = new Float32Array(model.parameterCount);
    model.initialize(context(4).rng('model'), params);
    const out = new Float32Array(2);
    model.forward(params, { x: Float32Array.of(1, 0, -1, 2, 0.5, 0.5, 0.5, 0.5), n: 2 }, out);
    expect(Array.from(out).every(Number.isFinite)).toBe(true);
  });
});
