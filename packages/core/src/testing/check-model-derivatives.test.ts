import type { FloatArray, Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import type { DifferentiableModel, Inputs } from '../model/differentiable-model.js';
import { checkModelDerivatives, DerivativeCheckError, derivativeCheckNames } from './check-model-derivatives.js';
import { LinearTestModel } from './linear-test-model.js';

/** f(θ; x) = Σ_j x_j sin θ_j: ∂f/∂θ_j = x_j cos θ_j, ∇²f = diag(−x_j sin θ_j). `broken` corrupts one product. */
class SineModel implements DifferentiableModel {
  readonly parameterCount = 3;
  readonly inputDim = 3;
  readonly blocks = [{ name: 'theta', offset: 0, length: 3, shape: [3] }];
  constructor(private readonly broken?: 'jvp' | 'vjp' | 'hvp' | 'secondDirectional') {}
  initialize(rng: Rng, params: FloatArray): void {
    rng.fillNormal(params);
  }
  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.each(inputs, out, (x, j) => x * Math.sin(params[j]));
  }
  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.each(inputs, out, (x, j) => x * Math.cos(params[j]) * tangent[j] * (this.broken === 'jvp' && j === 1 ? 1.001 : 1));
  }
  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    out.fill(0);
    for (let k = 0; k < inputs.n; k++) for (let j = 0; j < 3; j++) out[j] += cotangent[k] * inputs.x[k * 3 + j] * Math.cos(params[j]);
    if (this.broken === 'vjp') out[2] *= -1;
  }
  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    out.fill(0);
    for (let k = 0; k < inputs.n; k++) for (let j = 0; j < 3; j++) out[j] -= weights[k] * inputs.x[k * 3 + j] * Math.sin(params[j]) * vector[j];
    if (this.broken === 'hvp') out[0] += 1e-3 * vector[1];
  }
  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.each(inputs, out, (x, j) => -x * Math.sin(params[j]) * vector[j] * vector[j] * (this.broken === 'secondDirectional' ? 2 : 1));
  }
  private each(inputs: Inputs, out: FloatArray, term: (x: number, j: number) => number): void {
    for (let k = 0; k < inputs.n; k++) {
      let sum = 0;
      for (let j = 0; j < 3; j++) sum += term(inputs.x[k * 3 + j], j);
      out[k] = sum;
    }
  }
}

const params = Float64Array.of(0.3, -1.1, 2);
const inputs = { x: Float64Array.of(1, 2, -0.5, 0.7, -1.3, 0.4), n: 2 };

const failed = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DerivativeCheckError);
    return (error as DerivativeCheckError).results.filter((result) => !result.passed).map((result) => result.check);
  }
  return [];
};

describe('checkModelDerivatives', () => {
  it('passes a correct model with the defaults, returning every check', () => {
    const results = checkModelDerivatives(new SineModel(), params, inputs);
    expect(results.map((result) => result.check)).toEqual(derivativeCheckNames);
    expect(results.every((result) => result.passed)).toBe(true);
  });

  it('passes a model linear in θ, whose second-order references are zero but for rounding, given an absoluteTolerance', () => {
    expect(failed(() => checkModelDerivatives(new LinearTestModel(3), params, inputs))).toEqual(['second-forward']);
    expect(() => checkModelDerivatives(new LinearTestModel(3), params, inputs, { absoluteTolerance: 1e-6 })).not.toThrow();
  });

  it.each([
    // hvp-jvp and second-jvp difference jvp, hvp-vjp differences vjp: a wrong first-order product fails them too.
    ['jvp', ['jvp', 'hvp-jvp', 'second-jvp', 'adjoint']],
    ['vjp', ['vjp', 'hvp-vjp', 'adjoint']],
    ['hvp', ['hvp-vjp', 'hvp-jvp', 'hvp-symmetry', 'second-hvp']],
    ['secondDirectional', ['second-jvp', 'second-forward', 'second-hvp']],
  ] as const)('names the checks a wrong %s fails', (broken, checks) => {
    expect(failed(() => checkModelDerivatives(new SineModel(broken), params, inputs))).toEqual(checks);
  });

  it('says what failed, where, got, want and the tolerance', () => {
    expect(() => checkModelDerivatives(new SineModel('vjp'), params, inputs, { checks: ['vjp'], step: 1e-5, tolerance: 1e-7 })).toThrow(
      /SineModel: 1 of 1 derivative checks failed\nFAILED vjp \(.*h = 0\.00001\): \|got − want\| = .* at index 2 \(got .*, want .*\); tolerance 1e-7 × max \|want\|/,
    );
  });

  it('runs only the checks asked for, with per-check steps and tolerances', () => {
    const results = checkModelDerivatives(new SineModel('secondDirectional'), params, inputs, { checks: ['jvp', 'vjp'], overrides: { vjp: { step: 1e-5, tolerance: 1e-8 } } });
    expect(results.map((result) => [result.check, result.tolerance])).toEqual([
      ['jvp', 1e-6],
      ['vjp', 1e-8],
    ]);
    // A tolerance too tight for the step fails.
    expect(failed(() => checkModelDerivatives(new SineModel(), params, inputs, { checks: ['second-forward'], secondStep: 1e-2, tolerance: 1e-9 }))).toEqual(['second-forward']);
  });

  it('differences forwardReference in place of forward, so a wrong forward fails', () => {
    const reference = (theta: Float64Array) => [0, 1].map((k) => [0, 1, 2].reduce((sum, j) => sum + inputs.x[k * 3 + j] * Math.sin(theta[j]), 0));
    expect(() => checkModelDerivatives(new SineModel(), params, inputs, { checks: ['jvp', 'vjp', 'second-forward'], forwardReference: reference })).not.toThrow();
    const shifted = (theta: Float64Array) => reference(theta).map((value, k) => value + 0.01 * theta[0] * k);
    expect(failed(() => checkModelDerivatives(new SineModel(), params, inputs, { checks: ['jvp', 'vjp'], forwardReference: shifted }))).toEqual(['jvp', 'vjp']);
  });

  it('rejects given vectors of the wrong length', () => {
    expect(() => checkModelDerivatives(new SineModel(), params, inputs, { cotangent: [1, 2, 3] })).toThrow(/cotangent has length 3, expected 2/);
  });
});
