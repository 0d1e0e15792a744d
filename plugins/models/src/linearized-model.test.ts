import type { DifferentiableModel, Inputs } from '@tdlab/core';
import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { linearized } from './linearized-model.js';
import { TwoLayerModel } from './two-layer-model.js';
import { UvModel } from './uv-model.js';

/*
 * What is particular to the neural tangent model f_lin = f₀ + J₀(θ − θ₀) (papers.md §1b; §1a: the
 * lazy regime is this model): it is tangent to the network at θ₀ (error O(‖Δ‖²)), affine in θ,
 * its kernel K₀ never moves, and gradient descent on ½Σ(f − y)² is r ← (I − ηK₀)r, so it
 * diverges for η·λ₀ > 2 — no catapult. The finite-difference checks are in taylor-expansion.test.ts.
 */

const n = 4;
const d = 3;
const m = 16;

function randomVector(rng: Rng, length: number, scale = 1): Float64Array {
  const out = new Float64Array(length);
  rng.fillNormal(out);
  for (let i = 0; i < length; i++) out[i] *= scale;
  return out;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let error = 0;
  for (let i = 0; i < a.length; i++) error = Math.max(error, Math.abs(a[i] - b[i]));
  return error;
}

function forward(model: DifferentiableModel, params: Float64Array, inputs: Inputs): Float64Array {
  const out = new Float64Array(inputs.n);
  model.forward(params, inputs, out);
  return out;
}

function plus(a: Float64Array, b: Float64Array, scale = 1): Float64Array {
  return a.map((value, i) => value + scale * b[i]);
}

describe('linearized (neural tangent model) — papers.md §1b', () => {
  const rng = new Rng(21);
  const inputs = { x: randomVector(rng, n * d), n };

  it('is tangent to a smooth network at θ₀: |f_lin − f| = O(ε²) along θ₀ + εΔ (ratio 4 per halving)', () => {
    const model = linearized(new TwoLayerModel({ width: m, inputDim: d, activation: 'tanh' }));
    const theta0 = new Float64Array(model.parameterCount);
    model.initialize(new Rng(1), theta0);
    const direction = randomVector(new Rng(2), model.parameterCount);
    const error = (eps: number) => {
      const params = plus(theta0, direction, eps);
      return maxAbsDifference(forward(model, params, inputs), forward(model.base, params, inputs));
    };
    const ratios = [0.1, 0.05, 0.025].map((eps) => error(eps) / error(eps / 2));
    for (const ratio of ratios) expect(ratio).toBeGreaterThan(3.6), expect(ratio).toBeLessThan(4.4);
  });

  it('is affine in θ: f_lin(θ₀ + a + b) = f_lin(θ₀ + a) + f_lin(θ₀ + b) − f₀ (1e-13)', () => {
    const model = linearized(new TwoLayerModel({ width: m, inputDim: d, activation: 'relu' }));
    const theta0 = new Float64Array(model.parameterCount);
    model.initialize(new Rng(3), theta0);
    const a = randomVector(new Rng(4), model.parameterCount, 2);
    const b = randomVector(new Rng(5), model.parameterCount, 2);
    const f0 = forward(model, theta0, inputs);
    const both = forward(model, plus(plus(theta0, a), b), inputs);
    const expected = forward(model, plus(theta0, a), inputs).map((value, k) => value + forward(model, plus(theta0, b), inputs)[k] - f0[k]);
    expect(maxAbsDifference(both, expected)).toBeLessThan(1e-13 * Math.max(...expected.map(Math.abs)));
  });

  it('J is J₀ at every θ: linearize far from θ₀ gives the base’s J at θ₀, exactly', () => {
    const model = linearized(new TwoLayerModel({ width: m, inputDim: d, activation: 'tanh' }));
    const theta0 = new Float64Array(model.parameterCount);
    model.initialize(new Rng(6), theta0);
    const far = plus(theta0, randomVector(new Rng(7), model.parameterCount, 5));
    const tangent = randomVector(new Rng(8), model.parameterCount);
    const ours = new Float64Array(n);
    const base = new Float64Array(n);
    model.linearize(far, inputs).jvp(tangent, ours);
    new TwoLayerModel({ width: m, inputDim: d, activation: 'tanh' }).jvp(theta0, inputs, tangent, base);
    expect(ours).toEqual(base);
  });

  it('gives the same numbers without the base’s linearize (jvp/vjp at θ₀ instead), bit for bit', () => {
    const make = () => new TwoLayerModel({ width: m, inputDim: d, activation: 'relu' });
    const withLinearize = linearized(make());
    const plain = make();
    const withoutLinearize = linearized({
      parameterCount: plain.parameterCount,
      inputDim: plain.inputDim,
      blocks: plain.blocks,
      initialize: (r, p) => plain.initialize(r, p),
      forward: (p, i, o) => plain.forward(p, i, o),
      jvp: (p, i, t, o) => plain.jvp(p, i, t, o),
      vjp: (p, i, c, o) => plain.vjp(p, i, c, o),
      hvp: (p, i, w, v, o) => plain.hvp(p, i, w, v, o),
      secondDirectional: (p, i, v, o) => plain.secondDirectional(p, i, v, o),
    });
    const theta0 = new Float64Array(plain.parameterCount);
    withLinearize.initialize(new Rng(9), theta0);
    withoutLinearize.expandAt(theta0);
    const params = plus(theta0, randomVector(new Rng(10), plain.parameterCount, 0.5));
    expect(forward(withoutLinearize, params, inputs)).toEqual(forward(withLinearize, params, inputs));
    const g = randomVector(new Rng(11), n);
    const left = new Float64Array(plain.parameterCount);
    const right = new Float64Array(plain.parameterCount);
    withLinearize.vjp(params, inputs, g, left);
    withoutLinearize.vjp(params, inputs, g, right);
    expect(right).toEqual(left);
  });

  it.each([1, 1.9, 2.1, 3])('GD on ½f² for one example is f ← (1 − r)·f, so it diverges exactly when r > 2 (r = %s, uv base, papers.md §1a)', (r) => {
    const width = 200;
    const model = linearized(new UvModel({ width, inputDim: 1 }));
    const single = { x: Float64Array.of(1), n: 1 };
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(12), params);
    let lambda0 = 0;
    for (const value of params) lambda0 += value * value;
    lambda0 /= width; // λ₀ = (‖u‖² + ‖v‖²)/m (papers.md §1a)
    const eta = r / lambda0;
    const gradient = new Float64Array(model.parameterCount);
    let f = forward(model, params, single)[0];
    const f0 = f;
    for (let t = 1; t <= 20; t++) {
      model.vjp(params, single, Float64Array.of(f), gradient);
      for (let j = 0; j < params.length; j++) params[j] -= eta * gradient[j];
      const next = forward(model, params, single)[0];
      expect(Math.abs(next - (1 - r) * f)).toBeLessThan(1e-10 * Math.max(Math.abs(f), Math.abs(f0)));
      f = next;
    }
    if (r > 2) expect(Math.abs(f)).toBeGreaterThan(Math.abs(f0));
    else expect(Math.abs(f)).toBeLessThan(Math.abs(f0));
  });
});
