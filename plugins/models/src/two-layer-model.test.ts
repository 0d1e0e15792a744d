import { Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { Activation } from './activation.js';
import { BatchScratch } from './internal.js';
import { TwoLayerModel } from './two-layer-model.js';

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

interface SingleExample {
  model: TwoLayerModel;
  params: Float64Array;
  x: Float64Array;
  inputs: { x: Float64Array; n: number };
}

function singleExample(m: number, d: number, seed: number, secondLayer: 'gaussian' | 'rademacher'): SingleExample {
  const rng = new Rng(seed);
  const model = new TwoLayerModel({ width: m, inputDim: d, activation: 'relu', secondLayer });
  const params = new Float64Array(model.parameterCount);
  model.initialize(rng.derive('model'), params);
  const x = new Float64Array(d);
  rng.derive('data').fillNormal(x);
  return { model, params, x, inputs: { x, n: 1 } };
}

/** (md)^{-1} Σᵢ 1ᵢ (vᵢ²‖x‖² + (uᵢ·x)²), 1ᵢ = 1{uᵢ·x > 0}: the single-input ReLU NTK (papers.md §1b). */
function zhuLambda(m: number, d: number, params: Float64Array, x: Float64Array): number {
  const q = x.reduce((s, v) => s + v * v, 0);
  let sum = 0;
  for (let i = 0; i < m; i++) {
    let a = 0;
    for (let j = 0; j < d; j++) a += params[i * d + j] * x[j];
    if (a > 0) sum += params[m * d + i] ** 2 * q + a * a;
  }
  return sum / (m * d);
}

function ntk(model: TwoLayerModel, params: Float64Array, inputs: { x: Float64Array; n: number }): number {
  const row = new Float64Array(model.parameterCount);
  model.vjp(params, inputs, Float64Array.of(1), row);
  return row.reduce((s, v) => s + v * v, 0);
}

function output(model: TwoLayerModel, params: Float64Array, inputs: { x: Float64Array; n: number }): number {
  const f = new Float64Array(1);
  model.forward(params, inputs, f);
  return f[0];
}

describe('two-layer ReLU net — Zhu et al. §1b: single-input NTK', () => {
  it.each(['gaussian', 'rademacher'] as const)('J Jᵀ = (md)^{-1} Σᵢ 1ᵢ (vᵢ²‖x‖² + (uᵢ·x)²) to 1e-12 (v %s)', (secondLayer) => {
    for (const [m, d, seed] of [
      [7, 3, 0],
      [64, 5, 1],
      [500, 10, 2],
    ]) {
      const { model, params, x, inputs } = singleExample(m, d, seed, secondLayer);
      expect(relative(ntk(model, params, inputs), zhuLambda(m, d, params, x))).toBeLessThan(1e-12);
    }
  });

  it('Prop. 6: ‖x‖²/(2d) ≤ λ₀ ≤ 3‖x‖²/(2d) at large width (m = 2000, d = 10, v ~ ±1)', () => {
    for (const seed of [0, 1, 2]) {
      const { model, params, x, inputs } = singleExample(2000, 10, seed, 'rademacher');
      const q = x.reduce((s, v) => s + v * v, 0);
      const lambda = ntk(model, params, inputs);
      expect(lambda).toBeGreaterThanOrEqual(q / 20);
      expect(lambda).toBeLessThanOrEqual((3 * q) / 20);
    }
  });

  it('a GD step that flips no activation follows the exact NQM recursion for (g, λ) to 1e-9 (§6 Zhu target 2)', () => {
    const m = 2000;
    const d = 10;
    const { model, params, x, inputs } = singleExample(m, d, 3, 'rademacher');
    // A step moves uᵢ·x by ≈ η|g − y|·‖x‖²/√(md), so of m Gaussian pre-activations a few lie close
    // enough to the kink to flip. Push every uᵢ·x at least 0.3‖x‖ away from 0 (along ±x, keeping its
    // sign): then no activation flips and the ReLU net and its NQM (papers.md §1b eq. 10) take
    // identical steps.
    const norm = Math.sqrt(x.reduce((s, v) => s + v * v, 0));
    for (let i = 0; i < m; i++) {
      let a = 0;
      for (let j = 0; j < d; j++) a += params[i * d + j] * x[j];
      const push = a >= 0 ? 0.3 : -0.3;
      for (let j = 0; j < d; j++) params[i * d + j] += (push * x[j]) / norm;
    }
    const y = 1;
    const q = x.reduce((s, v) => s + v * v, 0);
    const pattern = (theta: Float64Array) =>
      Array.from({ length: m }, (_, i) => {
        let a = 0;
        for (let j = 0; j < d; j++) a += theta[i * d + j] * x[j];
        return a > 0;
      });
    const eta = 1.5 / zhuLambda(m, d, params, x);
    for (let t = 0; t < 5; t++) {
      const g = output(model, params, inputs);
      const lambda = zhuLambda(m, d, params, x);
      const e = g - y;
      const gNext = y + (1 - eta * lambda + (q / (m * d)) * eta * eta * e * g) * e;
      const lambdaNext = lambda - eta * (q / (m * d)) * e * e * ((4 * g) / e - eta * lambda);
      const before = pattern(params);
      const gradient = new Float64Array(model.parameterCount);
      model.vjp(params, inputs, Float64Array.of(e), gradient);
      for (let j = 0; j < params.length; j++) params[j] -= eta * gradient[j];
      // Inactive neurons get no gradient at all (σ = σ' = 0), so only an active one could flip.
      expect(pattern(params)).toEqual(before);
      expect(relative(output(model, params, inputs), gNext)).toBeLessThan(1e-9);
      expect(relative(zhuLambda(m, d, params, x), lambdaNext)).toBeLessThan(1e-9);
    }
  });
});

describe('two-layer initialization (papers.md §1b: u ~ N(0, I_d), v ~ N(0, 1) or Unif{±1})', () => {
  const m = 500;
  const d = 4;

  it.each(['gaussian', 'rademacher'] as const)('is bitwise reproducible from new Rng(5) (v %s)', (secondLayer) => {
    const model = new TwoLayerModel({ width: m, inputDim: d, secondLayer });
    const first = new Float64Array(model.parameterCount);
    const second = new Float64Array(model.parameterCount);
    model.initialize(new Rng(5), first);
    model.initialize(new Rng(5), second);
    expect(second).toEqual(first);
  });

  it('rademacher second layer is ±1; u has sample mean ≈ 0 and std ≈ 1; u does not depend on the v scheme', () => {
    const rademacher = new TwoLayerModel({ width: m, inputDim: d, secondLayer: 'rademacher' });
    const gaussian = new TwoLayerModel({ width: m, inputDim: d, secondLayer: 'gaussian' });
    const a = new Float64Array(rademacher.parameterCount);
    const b = new Float64Array(gaussian.parameterCount);
    rademacher.initialize(new Rng(7), a);
    gaussian.initialize(new Rng(7), b);
    const v = a.subarray(m * d);
    expect(v.every((value) => value === 1 || value === -1)).toBe(true);
    const plus = v.filter((value) => value === 1).length;
    expect(plus).toBeGreaterThan(m / 2 - 4 * Math.sqrt(m));
    expect(plus).toBeLessThan(m / 2 + 4 * Math.sqrt(m));
    const u = a.subarray(0, m * d);
    const mean = u.reduce((s, value) => s + value, 0) / u.length;
    const std = Math.sqrt(u.reduce((s, value) => s + (value - mean) ** 2, 0) / (u.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
    expect(b.subarray(0, m * d)).toEqual(u);
    const vGaussian = b.subarray(m * d);
    const vStd = Math.sqrt(vGaussian.reduce((s, value) => s + value * value, 0) / m);
    expect(Math.abs(vStd - 1)).toBeLessThan(0.15);
    expect(vGaussian.some((value) => Math.abs(value) !== 1)).toBe(true);
  });

  it('initializes float32 parameter arrays', () => {
    const model = new TwoLayerModel({ width: 8, inputDim: 2 });
    const p32 = new Float32Array(model.parameterCount);
    const p64 = new Float64Array(model.parameterCount);
    model.initialize(new Rng(1), p32);
    model.initialize(new Rng(1), p64);
    expect(Array.from(p32)).toEqual(Array.from(Float32Array.from(p64)));
  });
});

describe('activations (σ′(0) = 0 for ReLU; σ″ = 0 a.e. for the piecewise-linear ones)', () => {
  const z = Float64Array.of(-2, -0.5, 0, 0.5, 2);
  const derivative = (name: ConstructorParameters<typeof Activation>[0], order: 0 | 1 | 2) => {
    const activation = new Activation(name, 0.1);
    const out = new Float64Array(z.length);
    if (order === 0) activation.apply(z, out, z.length);
    else if (order === 1) activation.applyDerivative(z, out, z.length);
    else activation.applySecondDerivative(z, out, z.length);
    // + 0 turns the −0 of relu(negative) = negative·0 into +0 for the comparisons.
    return Array.from(out, (value) => value + 0);
  };

  it('relu, leaky-relu, linear', () => {
    expect(derivative('relu', 0)).toEqual([0, 0, 0, 0.5, 2]);
    expect(derivative('relu', 1)).toEqual([0, 0, 0, 1, 1]);
    expect(derivative('leaky-relu', 0)).toEqual([-0.2, -0.05, 0, 0.5, 2]);
    expect(derivative('leaky-relu', 1)).toEqual([0.1, 0.1, 0.1, 1, 1]);
    expect(derivative('linear', 1)).toEqual([1, 1, 1, 1, 1]);
    for (const name of ['relu', 'leaky-relu', 'linear'] as const) expect(derivative(name, 2)).toEqual([0, 0, 0, 0, 0]);
  });

  it('NaN and ±∞ pre-activations stay non-finite through relu (a diverged state is never masked as 0)', () => {
    const relu = new Activation('relu');
    const bad = Float64Array.of(Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    const out = new Float64Array(3);
    relu.apply(bad, out, 3);
    expect(Array.from(out)).toEqual([Number.NaN, Number.NaN, Number.POSITIVE_INFINITY]);
  });

  it('tanh derivatives match central differences', () => {
    const h = 1e-5;
    const first = derivative('tanh', 1);
    const second = derivative('tanh', 2);
    z.forEach((value, i) => {
      expect(first[i]).toBeCloseTo((Math.tanh(value + h) - Math.tanh(value - h)) / (2 * h), 9);
      const slope = (t: number) => 1 - Math.tanh(t) ** 2;
      expect(second[i]).toBeCloseTo((slope(value + h) - slope(value - h)) / (2 * h), 9);
    });
  });
});

describe('scratch buffers', () => {
  it('grow only when a larger batch is seen', () => {
    const scratch = new BatchScratch('float64', 3, 2);
    const first = scratch.ensure(4);
    expect(first).toHaveLength(2);
    expect(first[0].length).toBe(12);
    const [a, b] = first;
    const again = scratch.ensure(2);
    expect(again[0]).toBe(a);
    expect(again[1]).toBe(b);
    expect(scratch.ensure(4)[0]).toBe(a);
    const grown = scratch.ensure(5);
    expect(grown[0]).not.toBe(a);
    expect(grown[0].length).toBe(15);
  });

  it('the model reuses them across calls of the same batch size', () => {
    const model = new TwoLayerModel({ width: 5, inputDim: 2, activation: 'tanh' });
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(0), params);
    const inputs = { x: Float64Array.of(1, 2, 3, 4, 5, 6), n: 3 };
    const scratch = (model as unknown as { scratch: BatchScratch }).scratch;
    const out = new Float64Array(3);
    model.forward(params, inputs, out);
    const buffers = [...scratch.ensure(3)];
    const gradient = new Float64Array(model.parameterCount);
    model.vjp(params, inputs, out, gradient);
    model.hvp(params, inputs, out, gradient, new Float64Array(model.parameterCount));
    model.secondDirectional(params, inputs, gradient, out);
    expect(scratch.ensure(3)).toEqual(buffers);
    scratch.ensure(3).forEach((buffer, i) => expect(buffer).toBe(buffers[i]));
  });
});

describe('two-layer primal pass on the fused WASM gemm + activation kernel', () => {
  // n·m·d well above the WASM dispatch threshold, in both precisions and with mixed array types:
  // forward must equal Z by gemm, then Activation.evaluate (the TypeScript pass it replaced), bit for bit.
  const cases: ['relu' | 'leaky-relu' | 'linear', 'float64' | 'float32', 'float64' | 'float32'][] = [];
  for (const activation of ['relu', 'leaky-relu', 'linear'] as const) {
    for (const precision of ['float64', 'float32'] as const) {
      for (const data of ['float64', 'float32'] as const) cases.push([activation, precision, data]);
    }
  }
  for (const [activation, precision, data] of cases) {
    it(`${activation}, scratch ${precision}, params and inputs ${data}`, async () => {
      const { allocate, gemm } = await import('@tdlab/tensor');
      const [m, d, n] = [70, 9, 33];
      const model = new TwoLayerModel({ width: m, inputDim: d, activation, leakySlope: 0.1, precision });
      const rng = new Rng(5);
      const params = allocate(data, model.parameterCount);
      model.initialize(rng.derive('params'), params);
      const x = allocate(data, n * d);
      rng.derive('x').fillNormal(x);
      const out = new Float64Array(n);
      model.forward(params, { x, n }, out);

      const z = allocate(precision, n * m);
      const slope = allocate(precision, n * m);
      const want = new Float64Array(n);
      gemm(false, true, n, m, d, 1 / Math.sqrt(d), x, params, 0, z);
      new Activation(activation, 0.1).evaluate(z, slope, n, m, params, m * d, 1 / Math.sqrt(m), want);
      for (let k = 0; k < n; k++) expect(Object.is(out[k], want[k]) ? want[k] : [k, out[k]]).toBe(want[k]);
    });
  }
});

describe('TwoLayerModel.preactivationSparsity (papers.md §2)', () => {
  it('is the fraction of z = u·x/√d ≤ 0, zero counted as sparse, for every activation', () => {
    // d = 1, U = (1, −1, 0), v = 1: z = (1, −1, 0) for x = 1 and (−2, 2, 0) for x = −2 → 4 of 6 non-positive.
    for (const activation of ['relu', 'leaky-relu', 'tanh', 'linear'] as const) {
      const model = new TwoLayerModel({ width: 3, inputDim: 1, activation });
      const params = Float64Array.from([1, -1, 0, 1, 1, 1]);
      const out = new Float64Array(1);
      model.preactivationSparsity(params, { x: Float64Array.from([1, -2]), n: 2 }, out);
      expect(model.hiddenLayers).toEqual(['hidden']);
      expect(out[0]).toBe(4 / 6);
    }
  });
});
