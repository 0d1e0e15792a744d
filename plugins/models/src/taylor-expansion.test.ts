import type { DifferentiableModel, Inputs } from '@tdlab/core';
import { type FloatArray, Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { linearized, NeuralTangentModel } from './linearized-model.js';
import { quadratic } from './quadratic-model.js';
import type { TaylorExpansion } from './taylor-expansion.js';
import { TwoLayerModel } from './two-layer-model.js';
import { UvModel } from './uv-model.js';

/*
 * The products of both wrappers (linearized and quadratic, papers.md §1b) for every kind of base
 * (two-layer ReLU and tanh, uv; float64) against central finite differences of their own forward
 * pass, at a point θ = θ₀ + Δ away from the expansion point, plus the algebraic identities
 * (papers.md §0: J is n×p, J_ij = ∂f(x_i)/∂θ_j). Then what the two share: θ₀, the batch cache
 * and the `linearize` snapshot.
 */

const n = 4;
const d = 3;
const m = 7;

const bases: { name: string; make: () => DifferentiableModel }[] = [
  { name: 'two-layer relu', make: () => new TwoLayerModel({ width: m, inputDim: d, activation: 'relu' }) },
  { name: 'two-layer tanh', make: () => new TwoLayerModel({ width: m, inputDim: d, activation: 'tanh' }) },
  { name: 'uv', make: () => new UvModel({ width: m, inputDim: d }) },
];
const wrappers: { name: string; wrap: (base: DifferentiableModel) => TaylorExpansion }[] = [
  { name: 'linearized', wrap: (base) => linearized(base) },
  { name: 'quadratic', wrap: (base) => quadratic(base) },
];
const cases = wrappers.flatMap((w) => bases.map((b) => ({ name: `${w.name}(${b.name})`, make: () => w.wrap(b.make()) })));

function randomVector(rng: Rng, length: number, scale = 1): Float64Array {
  const out = new Float64Array(length);
  rng.fillNormal(out);
  for (let i = 0; i < length; i++) out[i] *= scale;
  return out;
}

function inner(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** max |a − b| / max |b|. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let error = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    error = Math.max(error, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return error / scale;
}

function shifted(params: ArrayLike<number>, direction: ArrayLike<number>, h: number): Float64Array {
  const out = Float64Array.from(params);
  for (let i = 0; i < out.length; i++) out[i] += h * direction[i];
  return out;
}

function unit(p: number, j: number): Float64Array {
  const e = new Float64Array(p);
  e[j] = 1;
  return e;
}

interface Setup {
  model: TaylorExpansion;
  p: number;
  theta0: Float64Array;
  /** θ = θ₀ + Δ, Δ ~ N(0, 0.3²). */
  params: Float64Array;
  inputs: Inputs;
  a: Float64Array;
  b: Float64Array;
  g: Float64Array;
  w: Float64Array;
}

function setup(make: () => TaylorExpansion, seed = 11): Setup {
  const rng = new Rng(seed);
  const model = make();
  const p = model.parameterCount;
  const theta0 = new Float64Array(p);
  model.initialize(rng, theta0);
  return {
    model,
    p,
    theta0,
    params: shifted(theta0, randomVector(rng, p), 0.3),
    inputs: { x: randomVector(rng, n * d), n },
    a: randomVector(rng, p),
    b: randomVector(rng, p),
    g: randomVector(rng, n),
    w: randomVector(rng, n),
  };
}

const products = (model: DifferentiableModel, inputs: Inputs, p: number) => ({
  forward(params: FloatArray): Float64Array {
    const out = new Float64Array(inputs.n);
    model.forward(params, inputs, out);
    return out;
  },
  jvp(params: FloatArray, tangent: FloatArray): Float64Array {
    const out = new Float64Array(inputs.n);
    model.jvp(params, inputs, tangent, out);
    return out;
  },
  vjp(params: FloatArray, cotangent: FloatArray): Float64Array {
    const out = new Float64Array(p);
    model.vjp(params, inputs, cotangent, out);
    return out;
  },
  hvp(params: FloatArray, weights: FloatArray, vector: FloatArray): Float64Array {
    const out = new Float64Array(p);
    model.hvp(params, inputs, weights, vector, out);
    return out;
  },
  secondDirectional(params: FloatArray, vector: FloatArray): Float64Array {
    const out = new Float64Array(inputs.n);
    model.secondDirectional(params, inputs, vector, out);
    return out;
  },
});

describe.each(cases)('$name: derivative products at θ₀ + Δ against finite differences (papers.md §0, §1b)', (c) => {
  it('has the base’s parameter count, input dimension and blocks, and initializes exactly as the base (θ₀ = the network’s)', () => {
    const s = setup(c.make);
    expect(s.model.parameterCount).toBe(s.model.base.parameterCount);
    expect(s.model.inputDim).toBe(d);
    expect(s.model.blocks).toBe(s.model.base.blocks);
    const bare = new Float64Array(s.p);
    s.model.base.initialize(new Rng(11), bare);
    expect(s.theta0).toEqual(bare);
    expect(Array.from(s.model.origin!)).toEqual(Array.from(s.theta0));
  });

  it('equals the base at θ₀: forward, jvp and vjp (J(θ₀) = J₀) to 1e-14', () => {
    const s = setup(c.make);
    const ours = products(s.model, s.inputs, s.p);
    const base = products(s.model.base, s.inputs, s.p);
    expect(relativeError(ours.forward(s.theta0), base.forward(s.theta0))).toBeLessThan(1e-14);
    expect(relativeError(ours.jvp(s.theta0, s.a), base.jvp(s.theta0, s.a))).toBeLessThan(1e-14);
    expect(relativeError(ours.vjp(s.theta0, s.g), base.vjp(s.theta0, s.g))).toBeLessThan(1e-14);
  });

  it('jvp matches central differences of forward (≤ 1e-7 relative)', () => {
    const s = setup(c.make);
    const f = products(s.model, s.inputs, s.p);
    const h = 1e-4; // forward is a polynomial of degree ≤ 2 in θ: central differences are exact but for rounding
    const plus = f.forward(shifted(s.params, s.a, h));
    const minus = f.forward(shifted(s.params, s.a, -h));
    expect(relativeError(f.jvp(s.params, s.a), plus.map((value, k) => (value - minus[k]) / (2 * h)))).toBeLessThan(1e-7);
  });

  it('vjp matches central differences of gᵀf, coordinate by coordinate (≤ 1e-7 relative)', () => {
    const s = setup(c.make);
    const f = products(s.model, s.inputs, s.p);
    const h = 1e-4;
    const fd = new Float64Array(s.p);
    for (let j = 0; j < s.p; j++) {
      const e = unit(s.p, j);
      fd[j] = (inner(s.g, f.forward(shifted(s.params, e, h))) - inner(s.g, f.forward(shifted(s.params, e, -h)))) / (2 * h);
    }
    expect(relativeError(f.vjp(s.params, s.g), fd)).toBeLessThan(1e-7);
  });

  it('hvp matches central differences of vjp and of jvp (coordinate by coordinate)', () => {
    const s = setup(c.make);
    const f = products(s.model, s.inputs, s.p);
    const h = 1e-4;
    const plus = f.vjp(shifted(s.params, s.a, h), s.w);
    const minus = f.vjp(shifted(s.params, s.a, -h), s.w);
    const fromVjp = plus.map((value, j) => (value - minus[j]) / (2 * h));
    const fromJvp = new Float64Array(s.p);
    const up = shifted(s.params, s.a, h);
    const down = shifted(s.params, s.a, -h);
    for (let j = 0; j < s.p; j++) {
      const e = unit(s.p, j);
      fromJvp[j] = (inner(s.w, f.jvp(up, e)) - inner(s.w, f.jvp(down, e))) / (2 * h);
    }
    const hvp = f.hvp(s.params, s.w, s.a);
    if (s.model instanceof NeuralTangentModel) {
      // Linear in θ: the Hessian is exactly zero, and J does not move at all.
      expect(hvp.every((value) => value === 0)).toBe(true);
      expect(fromVjp.every((value) => value === 0)).toBe(true);
      expect(Math.max(...fromJvp.map(Math.abs))).toBeLessThan(1e-9);
    } else {
      expect(relativeError(hvp, fromVjp)).toBeLessThan(1e-7);
      expect(relativeError(hvp, fromJvp)).toBeLessThan(1e-7);
    }
  });

  it('secondDirectional matches the second central difference of forward', () => {
    const s = setup(c.make);
    const f = products(s.model, s.inputs, s.p);
    const h = 1e-2; // exact for a quadratic but for rounding, which grows as 1/h²
    const plus = f.forward(shifted(s.params, s.a, h));
    const mid = f.forward(s.params);
    const minus = f.forward(shifted(s.params, s.a, -h));
    const fd = plus.map((value, k) => (value - 2 * mid[k] + minus[k]) / (h * h));
    const second = f.secondDirectional(s.params, s.a);
    if (s.model instanceof NeuralTangentModel) {
      expect(second.every((value) => value === 0)).toBe(true);
      expect(Math.max(...fd.map(Math.abs))).toBeLessThan(1e-9);
    } else {
      expect(relativeError(second, fd)).toBeLessThan(1e-8);
    }
  });

  it('adjoint identity ⟨g, J a⟩ = ⟨Jᵀg, a⟩ at θ ≠ θ₀ (to 1e-12)', () => {
    const s = setup(c.make);
    const f = products(s.model, s.inputs, s.p);
    for (const params of [s.params, shifted(s.params, s.b, 3)]) {
      const left = inner(s.g, f.jvp(params, s.a));
      const right = inner(f.vjp(params, s.g), s.a);
      expect(Math.abs(left - right)).toBeLessThanOrEqual(1e-12 * Math.abs(left));
    }
  });

  it('the Hessian product is symmetric and Σ w_k·secondDirectional_k = aᵀH a (to 1e-12)', () => {
    const s = setup(c.make);
    const f = products(s.model, s.inputs, s.p);
    const left = inner(s.a, f.hvp(s.params, s.w, s.b));
    const right = inner(f.hvp(s.params, s.w, s.a), s.b);
    expect(Math.abs(left - right)).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(left), 1e-300));
    const quadraticForm = inner(s.a, f.hvp(s.params, s.w, s.a));
    const summed = inner(s.w, f.secondDirectional(s.params, s.a));
    expect(Math.abs(quadraticForm - summed)).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(quadraticForm), 1e-300));
  });

  it('linearize agrees with jvp/vjp at θ (1e-14) and stays a snapshot of J at (θ, X)', () => {
    const s = setup(c.make);
    const f = products(s.model, s.inputs, s.p);
    const params = Float64Array.from(s.params);
    const x = Float64Array.from(s.inputs.x);
    const linear = s.model.linearize(params, { x, n });
    const ja = new Float64Array(n);
    const jtg = new Float64Array(s.p);
    linear.jvp(s.a, ja);
    linear.vjp(s.g, jtg);
    expect(relativeError(ja, f.jvp(s.params, s.a))).toBeLessThan(1e-14);
    expect(relativeError(jtg, f.vjp(s.params, s.g))).toBeLessThan(1e-14);
    // θ and X changed in place and products on another batch in between do not move it …
    params.fill(0.5);
    x.fill(-1);
    s.model.forward(params, { x, n }, new Float64Array(n));
    s.model.vjp(params, { x: randomVector(new Rng(2), 3 * d), n: 3 }, Float64Array.of(1, 2, 3), new Float64Array(s.p));
    const again = new Float64Array(n);
    linear.jvp(s.a, again);
    expect(again).toEqual(ja);
    const back = new Float64Array(s.p);
    linear.vjp(s.g, back);
    expect(back).toEqual(jtg);
    // … and the next linearize reuses the same object, now at the new point.
    const next = s.model.linearize(params, { x, n });
    expect(next).toBe(linear);
    next.jvp(s.a, again);
    expect(again).toEqual(products(s.model, { x, n }, s.p).jvp(params, s.a));
    expect(() => next.jvp(s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => next.vjp(s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
  });

  it('the batch cache never goes stale: X changed in place, other batches interleaved (all products, bit for bit)', () => {
    const s = setup(c.make);
    const x = Float64Array.from(s.inputs.x);
    const inputs = { x, n };
    const other = { x: randomVector(new Rng(5), 2 * n * d), n: 2 * n };
    const all = (model: TaylorExpansion) => {
      const f = products(model, inputs, s.p);
      return [f.forward(s.params), f.vjp(s.params, s.g), f.jvp(s.params, s.a), f.hvp(s.params, s.w, s.a), f.secondDirectional(s.params, s.a)];
    };
    const fresh = () => {
      const model = c.make();
      model.expandAt(s.theta0);
      return model;
    };
    const changes: (() => void)[] = [
      () => {},
      () => (x[0] += 0.25),
      () => s.model.forward(s.params, other, new Float64Array(2 * n)),
      () => (x[n * d - 1] *= -1),
    ];
    for (const change of changes) {
      all(s.model);
      change();
      expect(all(s.model)).toEqual(all(fresh()));
    }
  });

  it('works with float32 parameters and inputs (to 1e-5 of float64)', () => {
    const s = setup(c.make);
    const p32 = Float32Array.from(s.params);
    const in32 = { x: Float32Array.from(s.inputs.x), n };
    const model = c.make();
    model.expandAt(Float32Array.from(s.theta0));
    // Against float64 products at the float32-rounded points.
    const reference = c.make();
    reference.expandAt(Float64Array.from(Float32Array.from(s.theta0)));
    const in64 = { x: Float64Array.from(in32.x), n };
    const p64 = Float64Array.from(p32);
    const ours = products(model, in32, s.p);
    const theirs = products(reference, in64, s.p);
    expect(relativeError(ours.forward(p32), theirs.forward(p64))).toBeLessThan(1e-5);
    expect(relativeError(ours.jvp(p32, s.a), theirs.jvp(p64, s.a))).toBeLessThan(1e-5);
    expect(relativeError(ours.vjp(p32, s.g), theirs.vjp(p64, s.g))).toBeLessThan(1e-5);
  });

  it('rejects buffers that are too short', () => {
    const s = setup(c.make);
    expect(() => s.model.forward(s.params, s.inputs, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => s.model.jvp(s.params, s.inputs, s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => s.model.vjp(s.params, s.inputs, s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
    expect(() => s.model.forward(s.params.subarray(1), s.inputs, new Float64Array(n))).toThrow(RangeError);
    expect(() => s.model.forward(s.params, { x: s.inputs.x, n: n + 1 }, new Float64Array(n + 1))).toThrow(RangeError);
  });
});

describe.each(wrappers)('$name: the expansion point θ₀', (w) => {
  const base = () => new TwoLayerModel({ width: m, inputDim: d, activation: 'tanh' });
  const inputs = { x: randomVector(new Rng(4), n * d), n };
  const forward = (model: DifferentiableModel, params: FloatArray) => {
    const out = new Float64Array(n);
    model.forward(params, inputs, out);
    return out;
  };

  it('anchor "initialize": θ₀ is what initialize drew; forward(θ₀) = f(θ₀)', () => {
    const model = w.wrap(base());
    const theta0 = new Float64Array(model.parameterCount);
    model.initialize(new Rng(1), theta0);
    expect(Array.from(model.origin!)).toEqual(Array.from(theta0));
    const moved = theta0.map((value) => value + 0.1);
    expect(forward(model, moved)).not.toEqual(forward(model.base, moved)); // a Taylor model, not the base
    expect(forward(model, theta0)).toEqual(forward(model.base, theta0));
  });

  it('anchor "first-call": θ₀ is the parameters of the first call after initialize (loaded initial parameters)', () => {
    const model = w === wrappers[0] ? linearized(base(), { anchor: 'first-call' }) : quadratic(base(), { anchor: 'first-call' });
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(1), params);
    expect(model.origin).toBeUndefined();
    // As the trainer does with model.initialParameters: overwrite, then the first forward.
    params.set(randomVector(new Rng(9), model.parameterCount));
    const loaded = Float64Array.from(params);
    expect(forward(model, params)).toEqual(forward(model.base, params));
    expect(Array.from(model.origin!)).toEqual(Array.from(loaded));
    params[0] += 1;
    expect(Array.from(model.origin!)).toEqual(Array.from(loaded)); // a copy, fixed from then on
  });

  it('without initialize, the first call sets θ₀; expandAt moves it and drops the cache', () => {
    const model = w.wrap(base());
    const first = randomVector(new Rng(2), model.parameterCount);
    const second = randomVector(new Rng(3), model.parameterCount);
    expect(forward(model, first)).toEqual(forward(model.base, first));
    expect(forward(model, second)).not.toEqual(forward(model.base, second));
    model.expandAt(second);
    expect(forward(model, second)).toEqual(forward(model.base, second));
    const jvp = new Float64Array(n);
    const expected = new Float64Array(n);
    const a = randomVector(new Rng(6), model.parameterCount);
    model.jvp(second, inputs, a, jvp);
    model.base.jvp(second, inputs, a, expected);
    expect(relativeError(jvp, expected)).toBeLessThan(1e-14);
  });
});
