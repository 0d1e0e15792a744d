import { ContributionRegistry } from '@tdlab/core';
import { innerProduct, testModelContext } from '@tdlab/core/testing';
import { Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { generalQuadraticModel } from './general-quadratic-contribution.js';
import { GeneralQuadraticModel, rademacherDiagonal } from './general-quadratic-model.js';
import modelsPlugin from './index.js';
import { UvModel } from './uv-model.js';

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('general-quadratic, diagonal Σ — Zhu et al. App. 19.4 (papers.md §1b)', () => {
  const d = 100;
  const gamma = 1e-2;

  function setup(seed: number) {
    const rng = new Rng(seed);
    const model = new GeneralQuadraticModel({ sigma: 'diagonal', diagonal: rademacherDiagonal(rng, d), inputDim: d, gamma });
    const x = new Float64Array(d);
    rng.fillNormal(x);
    const params = new Float64Array(d);
    model.initialize(rng, params);
    return { model, x, params, inputs: { x, n: 1 } };
  }

  it('g(w; x) = w·x/‖x‖ + ½γ Σⱼ sⱼwⱼ², ∇g = φ + γΣw, so the one-sample NTK is λ = ‖φ + γΣw‖²', () => {
    const { model, x, params, inputs } = setup(1);
    const s = model.diagonal!;
    const norm = Math.sqrt(innerProduct(x, x));
    const g = innerProduct(params, x) / norm + 0.5 * gamma * params.reduce((sum, w, j) => sum + s[j] * w * w, 0);
    const out = new Float64Array(1);
    model.forward(params, inputs, out);
    expect(relative(out[0], g)).toBeLessThan(1e-13);
    const gradient = new Float64Array(d);
    model.vjp(params, inputs, Float64Array.of(1), gradient);
    const expected = x.map((value, j) => value / norm + gamma * s[j] * params[j]);
    for (let j = 0; j < d; j++) expect(Math.abs(gradient[j] - expected[j])).toBeLessThan(1e-15);
    // λ₀ ≈ 1 + 2γ φᵀΣw + γ²‖w‖² ≈ 1 at γ = 1e-2 (so η and r = ηλ₀ nearly coincide in App. 19.4).
    expect(Math.abs(innerProduct(gradient, gradient) - 1)).toBeLessThan(0.1);
  });

  it('Σ does not depend on x: the Hessian product is the same for every input, and vᵀ∇²g_k v = γ vᵀΣv for each k', () => {
    const { model, params } = setup(2);
    const rng = new Rng(3);
    const v = new Float64Array(d);
    rng.fillNormal(v);
    const first = new Float64Array(d);
    const second = new Float64Array(d);
    const x1 = new Float64Array(2 * d);
    rng.fillNormal(x1);
    model.hvp(params, { x: x1, n: 2 }, Float64Array.of(0.5, 0.5), v, first);
    model.hvp(params, { x: x1.map((value) => 3 * value + 1), n: 2 }, Float64Array.of(0.5, 0.5), v, second);
    expect(second).toEqual(first);
    const sd = new Float64Array(2);
    model.secondDirectional(params, { x: x1, n: 2 }, v, sd);
    const expected = gamma * v.reduce((sum, value, j) => sum + model.diagonal![j] * value * value, 0);
    expect(relative(sd[0], expected)).toBeLessThan(1e-13);
    expect(sd[1]).toBe(sd[0]);
  });

  it.each([2.8, 3.5, 4.2])(
    'one GD step on ½(g − y)² is the closed recursion in (g, λ, μ = ∇gᵀΣ∇g) (η = %s, 12 steps, 1e-9)',
    (eta) => {
      // With a = ∇g, e = g − y and Σ² = I:  g' = g − ηeλ + ½γη²e²μ,
      // λ' = λ − 2γηeμ + γ²η²e²λ,  μ' = μ − 2γηeλ + γ²η²e²μ  (exact, the model being quadratic).
      const { model, params, inputs } = setup(4);
      const y = 0.3;
      const s = model.diagonal!;
      const state = () => {
        const out = new Float64Array(1);
        model.forward(params, inputs, out);
        const a = new Float64Array(d);
        model.vjp(params, inputs, Float64Array.of(1), a);
        return { g: out[0], lambda: innerProduct(a, a), mu: a.reduce((sum, value, j) => sum + s[j] * value * value, 0) };
      };
      for (let t = 0; t < 12; t++) {
        const { g, lambda, mu } = state();
        const e = g - y;
        const c = gamma * eta * e;
        const next = { g: g - eta * e * lambda + 0.5 * gamma * eta * eta * e * e * mu, lambda: lambda - 2 * c * mu + c * c * lambda, mu: mu - 2 * c * lambda + c * c * mu };
        const gradient = new Float64Array(d);
        model.vjp(params, inputs, Float64Array.of(e), gradient);
        for (let j = 0; j < d; j++) params[j] -= eta * gradient[j];
        const after = state();
        const scale = Math.max(Math.abs(g), Math.abs(next.g), 1);
        expect(Math.abs(after.g - next.g)).toBeLessThan(1e-9 * scale);
        expect(relative(after.lambda, next.lambda)).toBeLessThan(1e-9);
        expect(Math.abs(after.mu - next.mu)).toBeLessThan(1e-9 * next.lambda);
      }
    },
  );

  it('φ(0) = 0: a zero input sees only the quadratic term', () => {
    const { model, params } = setup(5);
    const out = new Float64Array(1);
    model.forward(params, { x: new Float64Array(d), n: 1 }, out);
    expect(relative(out[0], 0.5 * gamma * params.reduce((sum, w, j) => sum + model.diagonal![j] * w * w, 0))).toBeLessThan(1e-14);
  });

  it('rademacherDiagonal draws ±1, reproducibly', () => {
    const first = rademacherDiagonal(new Rng(6), 1000);
    expect(first.every((value) => value === 1 || value === -1)).toBe(true);
    expect(rademacherDiagonal(new Rng(6), 1000)).toEqual(first);
    expect(Math.abs(first.reduce((sum, value) => sum + value, 0))).toBeLessThan(150); // 4.7σ
  });
});

describe('general-quadratic, uv Σ(x) — the uv model as a general quadratic model (papers.md §1a, §1b)', () => {
  it('with γ = (md)^{-1/2} all five products equal UvModel’s (1e-13); with d = 1 the default γ = 1/√m is exactly the uv model', () => {
    for (const [m, d] of [
      [7, 3],
      [50, 1],
    ]) {
      const gamma = 1 / Math.sqrt(m * d);
      const quadratic = new GeneralQuadraticModel({ sigma: 'uv', width: m, inputDim: d, gamma });
      const uv = new UvModel({ width: m, inputDim: d });
      const rng = new Rng(m);
      const p = uv.parameterCount;
      expect(quadratic.parameterCount).toBe(p);
      expect(quadratic.blocks).toEqual(uv.blocks);
      const params = new Float64Array(p);
      const reference = new Float64Array(p);
      quadratic.initialize(new Rng(1), params);
      uv.initialize(new Rng(1), reference);
      expect(params).toEqual(reference);
      const inputs = { x: new Float64Array(4 * d).map(() => rng.normal()), n: 4 };
      const a = new Float64Array(p).map(() => rng.normal());
      const g = Float64Array.of(0.3, -1, 2, 0.5);
      const pairs = [
        (model: UvModel | GeneralQuadraticModel, out: Float64Array) => model.forward(params, inputs, out),
        (model: UvModel | GeneralQuadraticModel, out: Float64Array) => model.jvp(params, inputs, a, out),
        (model: UvModel | GeneralQuadraticModel, out: Float64Array) => model.secondDirectional(params, inputs, a, out),
      ];
      for (const product of pairs) {
        const [left, right] = [new Float64Array(4), new Float64Array(4)];
        product(quadratic, left);
        product(uv, right);
        for (let k = 0; k < 4; k++) expect(Math.abs(left[k] - right[k])).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(right[k])));
      }
      const [left, right] = [new Float64Array(p), new Float64Array(p)];
      quadratic.vjp(params, inputs, g, left);
      uv.vjp(params, inputs, g, right);
      for (let j = 0; j < p; j++) expect(Math.abs(left[j] - right[j])).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(right[j])));
      quadratic.hvp(params, inputs, g, a, left);
      uv.hvp(params, inputs, g, a, right);
      for (let j = 0; j < p; j++) expect(Math.abs(left[j] - right[j])).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(right[j])));
    }
  });

  it('at x = 1, d = 1: the NTK is (‖u‖² + ‖v‖²)/m (Lewkowycz et al. eq. 2 set-up)', () => {
    const m = 200;
    const model = generalQuadraticModel.create(expectOptions({ sigma: 'uv', width: m }), testModelContext(1));
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(3), params);
    const row = new Float64Array(model.parameterCount);
    model.vjp(params, { x: Float64Array.of(1), n: 1 }, Float64Array.of(1), row);
    expect(relative(innerProduct(row, row), innerProduct(params, params) / m)).toBeLessThan(1e-12);
  });
});

function expectOptions(input: object) {
  const options = generalQuadraticModel.options.onUndeclaredKey('reject')(input);
  if (options instanceof type.errors) throw new Error(options.summary);
  return options;
}

describe('general-quadratic options (papers.md §1b)', () => {
  it('is registered by the models plugin', () => {
    const registry = new ContributionRegistry();
    registry.register(modelsPlugin);
    expect(registry.find('model', 'general-quadratic')?.contribution).toBe(generalQuadraticModel);
  });

  it('fills sigma: diagonal-rademacher and accepts uv or an explicit diagonal', () => {
    expect(expectOptions({ gamma: 1e-3 })).toEqual({ sigma: 'diagonal-rademacher', gamma: 1e-3 });
    expect(expectOptions({ sigma: 'uv', width: 10 })).toEqual({ sigma: 'uv', width: 10 });
    expect(expectOptions({ sigma: [1, -1, 1], gamma: 2, features: 'none' })).toEqual({ sigma: [1, -1, 1], gamma: 2, features: 'none' });
  });

  it.each([
    [{}, 'gamma must be set (γ > 0) with a diagonal Σ'],
    [{ gamma: -1 }, 'gamma must be positive'],
    [{ sigma: 'uv' }, 'width must be set with sigma: uv'],
    [{ gamma: 1, width: 3 }, 'width must be absent with a diagonal Σ'],
    [{ sigma: 'uv', width: 4, features: 'normalized' }, "features must be 'none' with sigma: uv"],
    [{ sigma: 'full', gamma: 1 }, 'sigma must be'],
    [{ gamma: 1, depth: 2 }, 'depth must be removed'],
  ])('rejects %j with a message naming the key', (input, message) => {
    const result = generalQuadraticModel.options.onUndeclaredKey('reject')(input);
    expect(result).toBeInstanceOf(type.errors);
    expect((result as type.errors).summary).toContain(message);
  });

  it('create: Σ is drawn from rng("model").derive("sigma") (same seed, same Σ), an explicit diagonal is used as given, and its length is checked', () => {
    const first = generalQuadraticModel.create(expectOptions({ gamma: 1e-3 }), testModelContext(100, { seed: 4 })) as GeneralQuadraticModel;
    const again = generalQuadraticModel.create(expectOptions({ gamma: 1e-3 }), testModelContext(100, { seed: 4 })) as GeneralQuadraticModel;
    const other = generalQuadraticModel.create(expectOptions({ gamma: 1e-3 }), testModelContext(100, { seed: 5 })) as GeneralQuadraticModel;
    expect(first.diagonal).toEqual(rademacherDiagonal(new Rng(4).derive('model').derive('sigma'), 100));
    expect(again.diagonal).toEqual(first.diagonal);
    expect(other.diagonal).not.toEqual(first.diagonal);
    expect(first.parameterCount).toBe(100);
    expect(first.blocks).toEqual([{ name: 'w', offset: 0, length: 100, shape: [100] }]);
    expect(first.features).toBe('normalized');
    const explicit = generalQuadraticModel.create(expectOptions({ sigma: [1, -1, -1], gamma: 0.5 }), testModelContext(3)) as GeneralQuadraticModel;
    expect(Array.from(explicit.diagonal!)).toEqual([1, -1, -1]);
    expect(() => generalQuadraticModel.create(expectOptions({ sigma: [1, -1], gamma: 0.5 }), testModelContext(3))).toThrow(
      "sigma lists 2 diagonal entries, but the data's input dimension is 3",
    );
    const uv = generalQuadraticModel.create(expectOptions({ sigma: 'uv', width: 16 }), testModelContext(1)) as GeneralQuadraticModel;
    expect(uv.gamma).toBe(0.25);
    expect(uv.parameterCount).toBe(32);
  });

  it('the constructor rejects bad γ, widths and diagonals', () => {
    expect(() => new GeneralQuadraticModel({ sigma: 'diagonal', diagonal: [1], inputDim: 1, gamma: 0 })).toThrow(/gamma/);
    expect(() => new GeneralQuadraticModel({ sigma: 'diagonal', diagonal: [1, 1], inputDim: 1, gamma: 1 })).toThrow(/2 entries/);
    expect(() => new GeneralQuadraticModel({ sigma: 'diagonal', diagonal: [Number.NaN], inputDim: 1, gamma: 1 })).toThrow(/NaN/);
    expect(() => new GeneralQuadraticModel({ sigma: 'uv', width: 0, inputDim: 1, gamma: 1 })).toThrow(/width/);
  });
});
