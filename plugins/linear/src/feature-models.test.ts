import type { DifferentiableModel, Inputs } from '@tdlab/core';
import { checkModelDerivatives, innerProduct, maxRelativeError, randomNormalVector } from '@tdlab/core/testing';
import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { activationSlope, activationValue, type FeatureActivationName } from './feature-activation.js';
import { FeatureModel, IdentityFeatures, RandomFeatures } from './feature-model.js';
import { drawFirstLayer } from './first-layer-weights.js';
import { formJacobian } from './jacobian.js';
import { NeuralTangentFeatureModel } from './neural-tangent-feature-model.js';

/*
 * The linear-family models (papers.md §5(i), (iii), (iv)) against finite differences and a naive
 * per-sample formula; J is n×p with J_ij = ∂f(x_i)/∂θ_j (papers.md §0).
 */

const n = 5;
const d = 4;
const width = 6;

interface Case {
  readonly name: string;
  readonly make: () => DifferentiableModel;
  /** f(θ; x) for one input, written independently of the model's code. */
  readonly naive: (theta: ArrayLike<number>, x: ArrayLike<number>) => number;
}

const weights = drawFirstLayer(new Rng(3), width, d, 'sphere', 'float64');
const w = (j: number, x: ArrayLike<number>): number => {
  let sum = 0;
  for (let l = 0; l < d; l++) sum += weights[j * d + l] * x[l];
  return sum;
};

const cases: Case[] = [
  {
    name: 'linear-features (papers.md §5(i))',
    make: () => new FeatureModel(new IdentityFeatures(d), { name: 'linear-features', initStd: 1 }),
    naive: (theta, x) => innerProduct(theta, x),
  },
  ...(['relu', 'tanh', 'linear'] as const).map(
    (activation: FeatureActivationName): Case => ({
      name: `random-features ${activation} (papers.md §5(iii))`,
      make: () => new FeatureModel(new RandomFeatures(weights, d, width, activation), { name: 'random-features', initStd: 1 }),
      naive: (a, x) => {
        let f = 0;
        for (let j = 0; j < width; j++) f += a[j] * activationValue(activation, w(j, x));
        return f / Math.sqrt(width);
      },
    }),
  ),
  ...(['relu', 'tanh', 'linear'] as const).map(
    (activation: FeatureActivationName): Case => ({
      name: `neural-tangent-features ${activation} (papers.md §5(iv))`,
      make: () => new NeuralTangentFeatureModel({ weights, width, inputDim: d, activation, initStd: 1 }),
      naive: (b, x) => {
        let f = 0;
        for (let j = 0; j < width; j++) {
          let bx = 0;
          for (let l = 0; l < d; l++) bx += b[j * d + l] * x[l];
          f += activationSlope(activation, w(j, x)) * bx;
        }
        return f / Math.sqrt(width * d);
      },
    }),
  ),
];

describe.each(cases)('$name', ({ make, naive }) => {
  const rng = new Rng(11);
  const model = make();
  const p = model.parameterCount;
  const params = new Float64Array(p);
  model.initialize(rng, params);
  const inputs: Inputs = { x: randomNormalVector(rng, n * d), n };
  const row = (k: number) => inputs.x.subarray(k * d, (k + 1) * d);
  const tangent = randomNormalVector(rng, p);
  const cotangent = randomNormalVector(rng, n);

  it('forward matches the per-sample formula', () => {
    const out = new Float64Array(n);
    model.forward(params, inputs, out);
    const expected = Array.from({ length: n }, (_, k) => naive(params, row(k)));
    expect(maxRelativeError(out, expected)).toBeLessThan(1e-13);
  });

  it('jvp matches a central finite difference of the per-sample formula (h = 1e-5, ≤ 1e-8), and ⟨g, Jv⟩ = ⟨Jᵀg, v⟩ (1e-13)', () => {
    checkModelDerivatives(model, params, inputs, {
      checks: ['jvp', 'adjoint'],
      tangent,
      cotangent,
      step: 1e-5,
      tolerance: 1e-8,
      identityTolerance: 1e-13,
      forwardReference: (theta) => Array.from({ length: n }, (_, k) => naive(theta, row(k))),
    });
  });

  it('the explicit Jacobian agrees with jvp', () => {
    const jv = new Float64Array(n);
    model.jvp(params, inputs, tangent, jv);
    const jacobian = new Float64Array(n * p);
    formJacobian(model, params, inputs, jacobian);
    for (let k = 0; k < n; k++) expect(innerProduct(jacobian.subarray(k * p, (k + 1) * p), tangent)).toBeCloseTo(jv[k], 12);
  });

  it('is linear in θ: f(θ) = J·θ, the hvp and the second directional derivatives are 0', () => {
    const f = new Float64Array(n);
    const jTheta = new Float64Array(n);
    model.forward(params, inputs, f);
    model.jvp(params, inputs, params, jTheta);
    expect(Array.from(f)).toEqual(Array.from(jTheta));
    const hvp = new Float64Array(p).fill(7);
    model.hvp(params, inputs, cotangent, tangent, hvp);
    expect(hvp.every((v) => v === 0)).toBe(true);
    const second = new Float64Array(n).fill(7);
    model.secondDirectional(params, inputs, tangent, second);
    expect(second.every((v) => v === 0)).toBe(true);
  });

  it('gives the same products after other batches were evaluated (the feature cache is keyed by values)', () => {
    const before = new Float64Array(n);
    model.forward(params, inputs, before);
    for (let trial = 0; trial < 3; trial++) model.forward(params, { x: randomNormalVector(rng, 3 * d), n: 3 }, new Float64Array(3));
    const copy = { x: Float64Array.from(inputs.x), n };
    const after = new Float64Array(n);
    model.forward(params, copy, after);
    expect(Array.from(after)).toEqual(Array.from(before));
    // A buffer refilled in place with other rows is recomputed, not served from the cache.
    copy.x.set(randomNormalVector(rng, n * d));
    model.forward(params, copy, after);
    const expected = Array.from({ length: n }, (_, k) => naive(params, copy.x.subarray(k * d, (k + 1) * d)));
    expect(maxRelativeError(after, expected)).toBeLessThan(1e-13);
  });
});

describe('initialization and checks', () => {
  it('starts at θ₀ = 0 by default (ridgeless GD then ends at the minimum-norm fit)', () => {
    const model = new FeatureModel(new IdentityFeatures(3), { name: 'linear-features' });
    const params = new Float64Array(3).fill(5);
    model.initialize(new Rng(0), params);
    expect(Array.from(params)).toEqual([0, 0, 0]);
    const nt = new NeuralTangentFeatureModel({ weights, width, inputDim: d, activation: 'relu' });
    const b = new Float64Array(nt.parameterCount).fill(5);
    nt.initialize(new Rng(0), b);
    expect(b.every((v) => v === 0)).toBe(true);
    expect(nt.blocks).toEqual([{ name: 'b', offset: 0, length: width * d, shape: [width, d] }]);
  });

  it('reports short buffers and bad sizes by name', () => {
    const model = new FeatureModel(new IdentityFeatures(3), { name: 'linear-features' });
    expect(() => model.forward(new Float64Array(3), { x: new Float64Array(5), n: 2 }, new Float64Array(2))).toThrow(/linear-features: inputs.x has length 5/);
    expect(() => model.vjp(new Float64Array(3), { x: new Float64Array(6), n: 2 }, new Float64Array(2), new Float64Array(2))).toThrow(/out has length 2/);
    expect(() => new FeatureModel(new IdentityFeatures(3), { name: 'linear-features', initStd: -1 })).toThrow(/initStd/);
    expect(() => new NeuralTangentFeatureModel({ weights, width: 0, inputDim: d, activation: 'relu' })).toThrow(/width must be a positive integer/);
  });

  it('formJacobian falls back to n VJPs for a model without an explicit Jacobian, with the same result', () => {
    const rng = new Rng(8);
    const model = new NeuralTangentFeatureModel({ weights, width, inputDim: d, activation: 'tanh', initStd: 1 });
    const params = new Float64Array(model.parameterCount);
    model.initialize(rng, params);
    const inputs = { x: randomNormalVector(rng, n * d), n };
    const explicit = new Float64Array(n * model.parameterCount);
    formJacobian(model, params, inputs, explicit);
    const { jacobian: _omitted, ...rest } = Object.assign(Object.create(null), {
      parameterCount: model.parameterCount,
      inputDim: model.inputDim,
      blocks: model.blocks,
      initialize: model.initialize.bind(model),
      forward: model.forward.bind(model),
      jvp: model.jvp.bind(model),
      vjp: model.vjp.bind(model),
      hvp: model.hvp.bind(model),
      secondDirectional: model.secondDirectional.bind(model),
      jacobian: undefined,
    });
    const viaVjp = new Float64Array(n * model.parameterCount);
    formJacobian(rest as DifferentiableModel, params, inputs, viaVjp);
    expect(maxRelativeError(viaVjp, explicit)).toBeLessThan(1e-14);
  });

  it('draws unit-norm sphere weights and N(0, I/d) Gaussian weights', () => {
    const rng = new Rng(5);
    const sphere = drawFirstLayer(rng, 50, 20, 'sphere', 'float64');
    for (let j = 0; j < 50; j++) expect(Math.hypot(...sphere.subarray(j * 20, (j + 1) * 20))).toBeCloseTo(1, 14);
    const gaussian = drawFirstLayer(rng, 2000, 20, 'gaussian', 'float64');
    const meanSquare = Array.from(gaussian).reduce((s, v) => s + v * v, 0) / gaussian.length;
    expect(meanSquare * 20).toBeCloseTo(1, 1);
  });
});
