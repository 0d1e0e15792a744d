import { ContributionRegistry, type OptimizerContext } from '@tdlab/core';
import { testOptimizerContext } from '@tdlab/core/testing';
import { Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import optimizersPlugin, { GradientDescent, gradientDescent, MinibatchSgd, minibatchSgd } from './index.js';

function context(seed = 0): OptimizerContext {
  return testOptimizerContext(4, { seed });
}

function sgd(batchSize: number, seed = 0, weightDecay?: number): MinibatchSgd {
  const options = minibatchSgd.options.onUndeclaredKey('reject')({ batchSize, ...(weightDecay === undefined ? {} : { weightDecay }) });
  if (options instanceof type.errors) throw new Error(options.summary);
  return minibatchSgd.create(options, context(seed)) as MinibatchSgd;
}

/** The indices of steps 0 … steps−1, concatenated. */
function draws(optimizer: MinibatchSgd, n: number, steps: number): number[] {
  const out = new Int32Array(optimizer.batchSize);
  const all: number[] = [];
  for (let step = 0; step < steps; step++) {
    optimizer.selectBatch(step, n, out);
    all.push(...out);
  }
  return all;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('@tdlab/plugin-optimizers', () => {
  it('registers gd, sgd, momentum, nesterov, adam, adamw and normalized-gd', () => {
    const registry = new ContributionRegistry();
    registry.register(optimizersPlugin);
    expect(optimizersPlugin.name).toBe('@tdlab/plugin-optimizers');
    expect(registry.list('optimizer').map((entry) => entry.contribution.id)).toEqual(['gd', 'sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'normalized-gd', 'gradient-flow']);
  });
});

describe('gd', () => {
  const params = () => Float64Array.of(0.3, -1.7, 2.5, 1e-8);
  const gradient = Float64Array.of(0.1, 0.25, -3, 7);

  it('defaults to no weight decay and has no batch size (full batch)', () => {
    expect(gradientDescent.options({})).toEqual({ weightDecay: 0 });
    const optimizer = gradientDescent.create({ weightDecay: 0 }, context());
    expect(optimizer).toBeInstanceOf(GradientDescent);
    expect(optimizer.batchSize).toBeUndefined();
    expect(optimizer.selectBatch).toBeUndefined();
  });

  it('θ ← θ − η g, exactly', () => {
    const optimizer = gradientDescent.create({ weightDecay: 0 }, context());
    const theta = params();
    const before = params();
    optimizer.update(theta, gradient, 0.37, 0);
    for (let i = 0; i < 4; i++) expect(theta[i]).toBe(before[i] - 0.37 * gradient[i]);
  });

  it('weight decay: θ ← θ − η(g + λθ)', () => {
    const optimizer = gradientDescent.create({ weightDecay: 0.01 }, context());
    const theta = params();
    const before = params();
    optimizer.update(theta, gradient, 0.5, 0);
    for (let i = 0; i < 4; i++) expect(theta[i]).toBe(before[i] - 0.5 * (gradient[i] + 0.01 * before[i]));
    // With a zero gradient the parameters shrink by (1 − ηλ) per step.
    const shrinking = Float64Array.of(2);
    for (let step = 0; step < 10; step++) optimizer.update(shrinking, Float64Array.of(0), 0.5, step);
    expect(shrinking[0]).toBeCloseTo(2 * 0.995 ** 10, 14);
  });

  it('updates float32 parameters, rounding once per entry', () => {
    const optimizer = gradientDescent.create({ weightDecay: 0 }, context());
    const theta = Float32Array.of(0.1, 0.2);
    optimizer.update(theta, Float64Array.of(1, -1), 0.3, 0);
    expect([...theta]).toEqual([Math.fround(Math.fround(0.1) - 0.3), Math.fround(Math.fround(0.2) + 0.3)]);
  });

  it('rejects a negative weight decay and a gradient of the wrong length', () => {
    expect((gradientDescent.options({ weightDecay: -1 }) as type.errors).summary).toContain('weightDecay');
    expect((gradientDescent.options.onUndeclaredKey('reject')({ momentum: 0.9 }) as type.errors).summary).toContain('momentum');
    expect(() => new GradientDescent(-0.5)).toThrow(/weightDecay must be a finite number >= 0, got -0.5/);
    expect(() => new MinibatchSgd(4, new Rng(0), Number.NaN)).toThrow(/weightDecay/);
    expect(() => new MinibatchSgd(0, new Rng(0))).toThrow(/batchSize must be a positive integer/);
    expect(() => new GradientDescent().update(new Float64Array(3), new Float64Array(2), 0.1)).toThrow(/3 parameters but a gradient of length 2/);
  });
});

describe('sgd', () => {
  it('requires a positive integer batch size and defaults weight decay to 0', () => {
    expect(minibatchSgd.options({ batchSize: 8 })).toEqual({ batchSize: 8, weightDecay: 0 });
    for (const batchSize of [0, -1, 2.5, '8', undefined]) {
      expect((minibatchSgd.options({ batchSize }) as type.errors).summary).toContain('batchSize');
    }
  });

  it('exposes its batch size for the trainer and applies the same update as gd', () => {
    const optimizer = sgd(4, 0, 0.1);
    expect(optimizer.batchSize).toBe(4);
    const theta = Float64Array.of(1, -2);
    optimizer.update(theta, Float64Array.of(0.5, 0.5), 0.2);
    expect([...theta]).toEqual([1 - 0.2 * (0.5 + 0.1 * 1), -2 - 0.2 * (0.5 + 0.1 * -2)]);
  });

  it.each([
    [12, 4],
    [12, 12],
    [10, 3],
    [7, 5],
    [5, 1],
  ])('n = %i, batch %i: every index exactly once per epoch (n consecutive draws)', (n, batchSize) => {
    const epochs = 6;
    const all = draws(sgd(batchSize), n, Math.ceil((epochs * n) / batchSize));
    for (let epoch = 0; epoch < epochs; epoch++) {
      expect(all.slice(epoch * n, (epoch + 1) * n).sort((a, b) => a - b)).toEqual(range(n));
    }
  });

  it('reshuffles at each epoch boundary', () => {
    const all = draws(sgd(10), 100, 50);
    const epochs = range(5).map((e) => all.slice(e * 100, (e + 1) * 100).join(','));
    expect(new Set(epochs).size).toBe(5);
    expect(epochs[0]).not.toBe(range(100).join(','));
  });

  it('is reproducible for a seed and differs across seeds', () => {
    expect(draws(sgd(4, 3), 20, 30)).toEqual(draws(sgd(4, 3), 20, 30));
    expect(draws(sgd(4, 3), 20, 30)).not.toEqual(draws(sgd(4, 4), 20, 30));
  });

  it('depends only on the seed, n, batch size and step: out-of-order calls replay the stream', () => {
    const sequential = draws(sgd(3), 10, 40);
    const optimizer = sgd(3);
    const out = new Int32Array(3);
    for (const step of [17, 0, 39, 18, 5, 5, 33]) {
      optimizer.selectBatch(step, 10, out);
      expect([...out]).toEqual(sequential.slice(step * 3, step * 3 + 3));
    }
  });

  it('keeps one permutation and allocates nothing per step after the first call', () => {
    const optimizer = sgd(4);
    const out = new Int32Array(4);
    optimizer.selectBatch(0, 16, out);
    const permutation = (optimizer as unknown as { permutation: Int32Array }).permutation;
    for (let step = 1; step < 100; step++) optimizer.selectBatch(step, 16, out);
    expect((optimizer as unknown as { permutation: Int32Array }).permutation).toBe(permutation);
  });

  it('draws from the run’s optimizer stream, so other streams do not shift it', () => {
    const a = minibatchSgd.create({ batchSize: 2, weightDecay: 0 }, context(5)) as MinibatchSgd;
    const shifted = { ...context(5), rng: (purpose: string) => (purpose === 'optimizer' ? new Rng(5).derive('optimizer') : new Rng(99)) };
    const b = minibatchSgd.create({ batchSize: 2, weightDecay: 0 }, shifted) as MinibatchSgd;
    expect(draws(a, 9, 20)).toEqual(draws(b, 9, 20));
  });
});
