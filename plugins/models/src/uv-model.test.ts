import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { UvModel } from './uv-model.js';

/** θ ← θ − η·Jᵀ(f − y): one full-batch GD step on ½Σ(f − y)², done by hand with the model's vjp. */
function gradientStep(model: UvModel, params: Float64Array, inputs: { x: Float64Array; n: number }, y: Float64Array, eta: number) {
  const f = new Float64Array(inputs.n);
  model.forward(params, inputs, f);
  const residual = f.map((value, k) => value - y[k]);
  const gradient = new Float64Array(model.parameterCount);
  model.vjp(params, inputs, residual, gradient);
  for (let j = 0; j < params.length; j++) params[j] -= eta * gradient[j];
}

function output(model: UvModel, params: Float64Array, inputs: { x: Float64Array; n: number }): number {
  const f = new Float64Array(inputs.n);
  model.forward(params, inputs, f);
  return f[0];
}

/** K = J Jᵀ for one sample, from the model's vjp (‖Jᵀe‖²) — the single-example NTK. */
function ntk(model: UvModel, params: Float64Array, inputs: { x: Float64Array; n: number }): number {
  const row = new Float64Array(model.parameterCount);
  model.vjp(params, inputs, Float64Array.of(1), row);
  let sum = 0;
  for (const value of row) sum += value * value;
  return sum;
}

function sumOfSquares(values: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i] ** 2;
  return sum;
}

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('uv model — Lewkowycz et al. §1a, eq. 2 and papers.md §6 target 5', () => {
  const m = 500;
  const model = new UvModel({ width: m, inputDim: 1 });
  const single = { x: Float64Array.of(1), n: 1 };
  const zero = Float64Array.of(0);
  const lambdaOf = (params: Float64Array) => (sumOfSquares(params, 0, m) + sumOfSquares(params, m, 2 * m)) / m;

  it('f(1) = m^{-1/2} vᵀu and J Jᵀ = λ = (‖u‖² + ‖v‖²)/m (to 1e-12)', () => {
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(0), params);
    let uv = 0;
    for (let i = 0; i < m; i++) uv += params[i] * params[m + i];
    expect(relative(output(model, params, single), uv / Math.sqrt(m))).toBeLessThan(1e-12);
    expect(relative(ntk(model, params, single), lambdaOf(params))).toBeLessThan(1e-12);
    // The same through jvp(vjp(e₁)): the NTK operator applied to the single output.
    const row = new Float64Array(model.parameterCount);
    model.vjp(params, single, Float64Array.of(1), row);
    const kernel = new Float64Array(1);
    model.jvp(params, single, row, kernel);
    expect(relative(kernel[0], lambdaOf(params))).toBeLessThan(1e-12);
  });

  it.each([1, 1.9, 3, 3.9])('one GD step reproduces f_{t+1} = (1 − ηλ + η²f²/m)f and λ_{t+1} = λ + (ηf²/m)(ηλ − 4) to 1e-9 (r = %s)', (r) => {
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(1), params);
    const eta = r / lambdaOf(params);
    let steps = 0;
    // At r = 1 the factor 1 − ηλ cancels and f collapses to ~1e-10 within two steps; once f is that
    // small its rounding error (≈ ε·√m in absolute terms) is no longer small relative to f, so the
    // check stops there and measures the error against the scale max(|f_t|, |f_{t+1}|).
    for (let t = 0; t < 12 && Math.abs(output(model, params, single)) > 1e-6; t++, steps++) {
      const f = output(model, params, single);
      const lambda = lambdaOf(params);
      const fNext = (1 - eta * lambda + (eta * eta * f * f) / m) * f;
      const lambdaNext = lambda + ((eta * f * f) / m) * (eta * lambda - 4);
      gradientStep(model, params, single, zero, eta);
      expect(Math.abs(output(model, params, single) - fNext)).toBeLessThan(1e-9 * Math.max(Math.abs(f), Math.abs(fNext)));
      expect(relative(lambdaOf(params), lambdaNext)).toBeLessThan(1e-9);
      expect(relative(ntk(model, params, single), lambdaOf(params))).toBeLessThan(1e-12);
    }
    expect(steps).toBeGreaterThanOrEqual(2);
  });

  it('general (x, y), d = 1: f_{t+1} = f − ηλ(f − y) + (η²x²/m)(f − y)²f with λ = x²(‖u‖² + ‖v‖²)/m', () => {
    const x = 1.7;
    const y = 0.4;
    const inputs = { x: Float64Array.of(x), n: 1 };
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(2), params);
    const eta = 2.5 / (x * x * lambdaOf(params));
    for (let t = 0; t < 8; t++) {
      const f = output(model, params, inputs);
      const lambda = x * x * lambdaOf(params);
      expect(relative(ntk(model, params, inputs), lambda)).toBeLessThan(1e-12);
      const e = f - y;
      const fNext = f - eta * lambda * e + ((eta * eta * x * x) / m) * e * e * f;
      gradientStep(model, params, inputs, Float64Array.of(y), eta);
      expect(relative(output(model, params, inputs), fNext)).toBeLessThan(1e-9);
    }
  });
});

describe('uv model with d > 1 — Zhu et al. §1b single-example dynamics (the uv model is a quadratic model)', () => {
  const m = 300;
  const d = 5;
  const model = new UvModel({ width: m, inputDim: d });

  it('λ = (md)^{-1} Σᵢ (vᵢ²‖x‖² + (uᵢ·x)²), and one GD step follows the exact (g, λ) recursion to 1e-9', () => {
    const rng = new Rng(4);
    const params = new Float64Array(model.parameterCount);
    model.initialize(rng, params);
    const x = new Float64Array(d);
    rng.fillNormal(x);
    const inputs = { x, n: 1 };
    const y = 0.7;
    const q = sumOfSquares(x, 0, d);
    const lambdaOf = (theta: Float64Array) => {
      let sum = 0;
      for (let i = 0; i < m; i++) {
        let a = 0;
        for (let j = 0; j < d; j++) a += theta[i * d + j] * x[j];
        sum += theta[m * d + i] ** 2 * q + a * a;
      }
      return sum / (m * d);
    };
    const eta = 3 / lambdaOf(params);
    for (let t = 0; t < 10; t++) {
      const g = output(model, params, inputs);
      const lambda = lambdaOf(params);
      expect(relative(ntk(model, params, inputs), lambda)).toBeLessThan(1e-12);
      const e = g - y;
      // g(t+1) − y = (1 − ηλ + (‖x‖²/(md))η²(g − y)g)(g − y);  λ(t+1) = λ − η(‖x‖²/(md))(g − y)²(4g/(g − y) − ηλ)
      const gNext = y + (1 - eta * lambda + (q / (m * d)) * eta * eta * e * g) * e;
      const lambdaNext = lambda - eta * (q / (m * d)) * e * e * ((4 * g) / e - eta * lambda);
      gradientStep(model, params, inputs, Float64Array.of(y), eta);
      expect(relative(output(model, params, inputs), gNext)).toBeLessThan(1e-9);
      expect(relative(lambdaOf(params), lambdaNext)).toBeLessThan(1e-9);
    }
  });
});

describe('uv model initialization (papers.md §1a: entries N(0, 1))', () => {
  it('is reproducible bit for bit from the same Rng seed, and sample moments are those of N(0, 1)', () => {
    const model = new UvModel({ width: 400, inputDim: 3 });
    const first = new Float64Array(model.parameterCount);
    const second = new Float64Array(model.parameterCount);
    model.initialize(new Rng(5), first);
    model.initialize(new Rng(5), second);
    expect(second).toEqual(first);
    const other = new Float64Array(model.parameterCount);
    model.initialize(new Rng(6), other);
    expect(other).not.toEqual(first);
    const mean = first.reduce((s, v) => s + v, 0) / first.length;
    const std = Math.sqrt(first.reduce((s, v) => s + (v - mean) ** 2, 0) / (first.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
  });

  it('λ₀ ≈ 2 at large width (E‖u‖²/m = E‖v‖²/m = 1)', () => {
    const m = 4000;
    const model = new UvModel({ width: m, inputDim: 1 });
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(0), params);
    expect(Math.abs(sumOfSquares(params, 0, 2 * m) / m - 2)).toBeLessThan(0.15);
  });
});
