import { ContributionRegistry, type ModelContext, StudySpecError } from '@tdlab/core';
import { Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { at, kernel, last, records, ridgeStudy } from '../test/support.js';
import linearPlugin, {
  FeatureModel,
  kernelRidgeProbe,
  linearTeacher,
  NeuralTangentFeatureModel,
  neuralTangentFeaturesModel,
  RandomFeatures,
  randomFeaturesModel,
  singleIndexTeacher,
} from './index.js';

function context(inputDim: number): ModelContext {
  return {
    runId: 'test',
    spec: {} as ModelContext['spec'],
    precision: 'float64',
    rng: (purpose: string) => new Rng(0).derive(purpose),
    baseDir: '.',
    outDir: undefined,
    inputDim,
    createModel: () => {
      throw new Error('no nested sections');
    },
  };
}

function summary(result: unknown): string {
  expect(result).toBeInstanceOf(type.errors);
  return (result as type.errors).summary;
}

describe('@tdlab/plugin-linear', () => {
  it('registers its models, data sets and probes', () => {
    const registry = new ContributionRegistry();
    registry.register(linearPlugin);
    const ids = (kind: 'model' | 'data' | 'probe') => registry.list(kind).map((entry) => entry.contribution.id);
    expect(ids('model')).toEqual(['linear-features', 'random-features', 'neural-tangent-features']);
    expect(ids('data')).toEqual(['linear-teacher', 'single-index-teacher']);
    expect(ids('probe')).toEqual(['test-error', 'closed-form-ridge', 'kernel-ridge', 'ridge-theory']);
    expect(registry.find('model', 'random-features')?.plugin).toBe('@tdlab/plugin-linear@0.1.0');
  });

  it('fills the model defaults and builds models of the data set’s input dimension, with the same W for the same seed', () => {
    const options = randomFeaturesModel.options({ width: 8 });
    expect(options).toEqual({ width: 8, activation: 'relu', weights: 'sphere', initStd: 0 });
    const rf = randomFeaturesModel.create(options as never, context(5)) as FeatureModel;
    expect(rf.parameterCount).toBe(8);
    expect(rf.inputDim).toBe(5);
    const nt = neuralTangentFeaturesModel.create(options as never, context(5)) as NeuralTangentFeatureModel;
    expect(nt.parameterCount).toBe(40);
    // Both draw W from the run's "features" stream: random + tangent features of one seed are the two parts of one linearized network.
    expect(Array.from(nt.weights)).toEqual(Array.from((rf.map as RandomFeatures).weights));
  });

  it('rejects bad or unknown options, naming them', () => {
    expect(summary(randomFeaturesModel.options({ width: 0 }))).toContain('width');
    expect(summary(randomFeaturesModel.options({ width: 4, activation: 'gelu' }))).toContain('activation');
    expect(summary(randomFeaturesModel.options.onUndeclaredKey('reject')({ width: 4, bias: true }))).toContain('bias');
    expect(summary(linearTeacher.options({ n: 10, d: 3, covariance: 'diagonal' }))).toContain('covariance');
    expect(summary(linearTeacher.options({ n: 10, d: 3, covariance: { decay: 1, power: 2 } }))).toContain('covariance.power');
    expect(summary(linearTeacher.options({ n: 10, d: 3, eval: { n: 5, size: 2 } }))).toContain('eval.size');
    expect(summary(singleIndexTeacher.options({ n: 10, d: 3, coefficients: [] }))).toContain('coefficients');
    expect(summary(kernelRidgeProbe.options({ kernel: { use: 'gaussian' }, lambda: 0 }))).toContain('kernel.use');
    expect(summary(kernelRidgeProbe.options({ kernel: { use: 'polynomial' }, lambda: 0 }))).toContain('kernel.degree');
    expect(summary(kernelRidgeProbe.options({ kernel: { use: 'rbf', width: 2 }, lambda: 0 }))).toContain('kernel.width');
    expect(summary(kernelRidgeProbe.options({ kernel: { use: 'rbf' }, lambda: -1 }))).toContain('lambda');
    expect(summary(kernelRidgeProbe.options({ kernel: { use: 'rbf' } }))).toContain('lambda');
  });

  it('validates whole studies with every issue listed', () => {
    const bad = ridgeStudy({
      data: { use: 'linear-teacher', n: 10, d: 3, inputs: 'cube' },
      model: { use: 'random-features', width: -1 },
      probes: [{ use: 'kernel-ridge', kernel: { use: 'arc-cosine', order: 2 }, lambda: 0 }],
    });
    let error: unknown;
    try {
      kernel.validate(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StudySpecError);
    const message = (error as Error).message;
    expect(message).toMatch(/data\.inputs/);
    expect(message).toMatch(/model\.width/);
    expect(message).toMatch(/probes\[0\]\.kernel\.order/);
  });
});

describe('linear-teacher data (papers.md §5(i))', () => {
  it('has ‖β*‖ = r, Σ_jj = scale·j^{−decay}, noiseless held-out labels, and sphere inputs of norm √d', async () => {
    const data = linearTeacher.create(
      linearTeacher.options({ n: 50, d: 10, teacherNorm: 2, covariance: { scale: 3 }, inputs: 'sphere', noise: 0.3, eval: { n: 20 } }) as never,
      context(10),
    ) as import('./linear-teacher.js').LinearTeacherDataSet;
    expect(Math.hypot(...data.teacher)).toBeCloseTo(2, 14);
    expect(Array.from(data.covariance.subarray(0, 3))).toEqual([3, 1.5, 1]);
    expect(data.evalNoise).toBe(0);
    const evaluation = data.eval!;
    for (let i = 0; i < evaluation.n; i++) {
      let y = 0;
      let z2 = 0;
      for (let l = 0; l < 10; l++) {
        y += data.teacher[l] * evaluation.x[i * 10 + l];
        z2 += evaluation.x[i * 10 + l] ** 2 / data.covariance[l];
      }
      expect(evaluation.y[i]).toBeCloseTo(y, 12);
      expect(z2).toBeCloseTo(10, 10);
    }
    // Adding the held-out set never changes the training set.
    const without = linearTeacher.create(linearTeacher.options({ n: 50, d: 10, teacherNorm: 2, covariance: { scale: 3 }, inputs: 'sphere', noise: 0.3 }) as never, context(10));
    expect(Array.from(without.train.y)).toEqual(Array.from(data.train.y));
  });
});

describe('the probes in a run of the core trainer', () => {
  it('GD with weight decay λ on ½·mean converges to the closed-form ridge solution (λ = w, papers.md §5(i))', async () => {
    const all = await records(ridgeStudy());
    expect(last(all, 'ridge_lambda')).toBe(0.1);
    expect(at(all, 'ridge_distance', 0)).toBe(1); // θ₀ = 0
    expect(last(all, 'ridge_distance')).toBeLessThan(1e-9);
    expect(last(all, 'test_error')).toBeCloseTo(last(all, 'ridge_test_error'), 10);
    expect(last(all, 'train_error')).toBeCloseTo(last(all, 'ridge_train_error'), 10);
    expect(last(all, 'excess_risk')).toBeCloseTo(last(all, 'ridge_excess_risk'), 10);
    // The held-out labels are noiseless: test_error estimates the excess risk ‖β − β*‖² (Σ = I).
    expect(Math.abs(last(all, 'test_error') / last(all, 'excess_risk') - 1)).toBeLessThan(0.15);
    // One stream: the theory is there beside the simulation.
    expect(last(all, 'ridge_theory')).toBeGreaterThan(0);
    expect(last(all, 'ridgeless_theory')).toBeCloseTo(0.25, 12); // σ²γ/(1 − γ), γ = ½
  });

  it('reads λ from any mse normalization: Σ(f − y)² with weight decay w is ridge with λ = w/(2n)', async () => {
    const all = await records(ridgeStudy({ loss: { use: 'mse', reduction: 'sum', half: false }, optimizer: { use: 'gd', weightDecay: 4 }, steps: 400 }));
    expect(last(all, 'ridge_lambda')).toBeCloseTo(4 / 400, 15);
    expect(last(all, 'ridge_distance')).toBeLessThan(1e-9);
  });

  it.each([
    ['random-features', { use: 'random-features', width: 60, activation: 'tanh' }],
    ['neural-tangent-features', { use: 'neural-tangent-features', width: 6, weights: 'gaussian' }],
  ])('%s: GD reaches the closed form, and kernel ridge regression with the model’s empirical NTK is the same predictor (θ₀ = 0)', async (_name, model) => {
    const all = await records(
      ridgeStudy({
        data: { use: 'linear-teacher', n: 80, d: 10, inputs: 'sphere', noise: 0.1, eval: { n: 200 } },
        model,
        // η = 1/λ₀ and a weight decay well below λ₀ keep η·(λ₀ + w) < 2.
        optimizer: { use: 'gd', weightDecay: 0.01 },
        schedule: { use: 'constant', lr: { normalized: 1 } },
        steps: 1500,
        probes: [
          { use: 'test-error', every: 500 },
          { use: 'closed-form-ridge', every: 500 },
          { use: 'kernel-ridge', kernel: { use: 'empirical-ntk' }, lambda: 0.01, every: 500 },
        ],
      }),
    );
    expect(last(all, 'ridge_distance')).toBeLessThan(1e-6);
    expect(last(all, 'test_error')).toBeCloseTo(last(all, 'ridge_test_error'), 8);
    expect(last(all, 'krr_test_error')).toBeCloseTo(last(all, 'ridge_test_error'), 10);
    expect(last(all, 'krr_train_error')).toBeCloseTo(last(all, 'ridge_train_error'), 10);
  });

  it('kernel ridge regression with ⟨x, x′⟩ is ridge regression: same test error as closed-form-ridge, for λ > 0 and λ = 0 (minimum norm)', async () => {
    for (const lambda of [0.02, 0]) {
      const all = await records(
        ridgeStudy({
          data: { use: 'linear-teacher', n: 60, d: 90, noise: 0.5, eval: { n: 300 } },
          steps: 1,
          probes: [
            { use: 'closed-form-ridge', lambda },
            { use: 'kernel-ridge', kernel: { use: 'linear' }, lambda, label: 'linear' },
          ],
        }),
      );
      expect(last(all, 'krr_test_error/linear')).toBeCloseTo(last(all, 'ridge_test_error'), 9);
      if (lambda === 0) expect(last(all, 'krr_train_error/linear')).toBeLessThan(1e-20);
    }
  });

  it('runs in float32: the feature cache and products follow the run precision, and GD still reaches the closed form to float32 accuracy', async () => {
    const all = await records(
      ridgeStudy({
        precision: 'float32',
        data: { use: 'linear-teacher', n: 80, d: 10, inputs: 'sphere', noise: 0.1, eval: { n: 200 } },
        model: { use: 'random-features', width: 30 },
        optimizer: { use: 'gd', weightDecay: 0.01 },
        schedule: { use: 'constant', lr: { normalized: 1 } },
        steps: 1500,
        probes: [{ use: 'test-error', every: 500 }, { use: 'closed-form-ridge', every: 500 }],
      }),
    );
    expect(last(all, 'ridge_distance')).toBeLessThan(1e-5);
    expect(Math.abs(last(all, 'test_error') / last(all, 'ridge_test_error') - 1)).toBeLessThan(1e-4);
  });

  it('fails with a clear message when a probe lacks what it needs', async () => {
    await expect(records(ridgeStudy({ data: { use: 'linear-teacher', n: 20, d: 5 } }))).rejects.toThrow(/test-error: the data set has no held-out split; add eval/);
    await expect(
      records(ridgeStudy({ data: { use: 'single-index-teacher', n: 20, d: 5, coefficients: [0, 1], eval: { n: 5 } }, probes: [{ use: 'ridge-theory' }] })),
    ).rejects.toThrow(/ridge-theory: the data set does not state its covariance/);
  });
});
