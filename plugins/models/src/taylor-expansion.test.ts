import type { DifferentiableModel, Inputs } from '@tdlab/core';
import { checkModelDerivatives, type DerivativeCheckName, maxRelativeError, modelProducts, randomNormalVector, shiftedVector } from '@tdlab/core/testing';
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
    params: shiftedVector(theta0, randomNormalVector(rng, p), 0.3),
    inputs: { x: randomNormalVector(rng, n * d), n },
    a: randomNormalVector(rng, p),
    b: randomNormalVector(rng, p),
    g: randomNormalVector(rng, n),
    w: randomNormalVector(rng, n),
  };
}

/*
 * Central differences with h = 1e-4 (forward is a polynomial of degree ≤ 2 in θ: exact but for
 * rounding), ≤ 1e-7 relative; the second difference of forward with h = 1e-2 (rounding grows as
 * 1/h²), ≤ 1e-8. secondDirectional is not differenced through jvp here. The linearized model's
 * Hessian is exactly zero: its second-order references need only be below 1e-9.
 */
const checks: DerivativeCheckName[] = ['jvp', 'vjp', 'hvp-vjp', 'hvp-jvp', 'second-forward', 'adjoint', 'hvp-symmetry', 'second-hvp'];
const checkOptions = (s: Setup) => {
  const zero = s.model instanceof NeuralTangentModel ? { absoluteTolerance: 1e-9 } : {};
  return {
    tangent: s.a,
    secondTangent: s.b,
    cotangent: s.g,
    weights: s.w,
    step: 1e-4,
    secondStep: 1e-2,
    tolerance: 1e-7,
    identityTolerance: 1e-12,
    overrides: { 'hvp-vjp': zero, 'hvp-jvp': zero, 'second-forward': { tolerance: 1e-8, ...zero } },
  };
};

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
    const ours = modelProducts(s.model, s.inputs);
    const base = modelProducts(s.model.base, s.inputs);
    expect(maxRelativeError(ours.forward(s.theta0), base.forward(s.theta0))).toBeLessThan(1e-14);
    expect(maxRelativeError(ours.jvp(s.theta0, s.a), base.jvp(s.theta0, s.a))).toBeLessThan(1e-14);
    expect(maxRelativeError(ours.vjp(s.theta0, s.g), base.vjp(s.theta0, s.g))).toBeLessThan(1e-14);
  });

  it.each(checks)('%s: derivative check at θ (checkModelDerivatives: h = 1e-4, ≤ 1e-7; second difference h = 1e-2, ≤ 1e-8; identities to 1e-12)', (check) => {
    const s = setup(c.make);
    checkModelDerivatives(s.model, s.params, s.inputs, { ...checkOptions(s), checks: [check] });
  });

  it('adjoint identity ⟨g, J a⟩ = ⟨Jᵀg, a⟩ also at θ + 3b (to 1e-12)', () => {
    const s = setup(c.make);
    checkModelDerivatives(s.model, shiftedVector(s.params, s.b, 3), s.inputs, { ...checkOptions(s), checks: ['adjoint'] });
  });

  it('the Hessian products are exactly zero, and Jᵀw does not move along a, for linearized only', () => {
    const s = setup(c.make);
    const f = modelProducts(s.model, s.inputs);
    const hvp = f.hvp(s.params, s.w, s.a);
    const second = f.secondDirectional(s.params, s.a);
    const plus = f.vjp(shiftedVector(s.params, s.a, 1e-4), s.w);
    const minus = f.vjp(shiftedVector(s.params, s.a, -1e-4), s.w);
    const linear = s.model instanceof NeuralTangentModel;
    expect(hvp.every((value) => value === 0)).toBe(linear);
    expect(second.every((value) => value === 0)).toBe(linear);
    expect(plus.every((value, j) => value - minus[j] === 0)).toBe(linear);
  });

  it('linearize agrees with jvp/vjp at θ (1e-14) and stays a snapshot of J at (θ, X)', () => {
    const s = setup(c.make);
    const f = modelProducts(s.model, s.inputs);
    const params = Float64Array.from(s.params);
    const x = Float64Array.from(s.inputs.x);
    const linear = s.model.linearize(params, { x, n });
    const ja = new Float64Array(n);
    const jtg = new Float64Array(s.p);
    linear.jvp(s.a, ja);
    linear.vjp(s.g, jtg);
    expect(maxRelativeError(ja, f.jvp(s.params, s.a))).toBeLessThan(1e-14);
    expect(maxRelativeError(jtg, f.vjp(s.params, s.g))).toBeLessThan(1e-14);
    // θ and X changed in place and products on another batch in between do not move it …
    params.fill(0.5);
    x.fill(-1);
    s.model.forward(params, { x, n }, new Float64Array(n));
    s.model.vjp(params, { x: randomNormalVector(new Rng(2), 3 * d), n: 3 }, Float64Array.of(1, 2, 3), new Float64Array(s.p));
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
    expect(again).toEqual(modelProducts(s.model, { x, n }).jvp(params, s.a));
    expect(() => next.jvp(s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => next.vjp(s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
  });

  it('the batch cache never goes stale: X changed in place, other batches interleaved (all products, bit for bit)', () => {
    const s = setup(c.make);
    const x = Float64Array.from(s.inputs.x);
    const inputs = { x, n };
    const other = { x: randomNormalVector(new Rng(5), 2 * n * d), n: 2 * n };
    const all = (model: TaylorExpansion) => {
      const f = modelProducts(model, inputs);
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
    const ours = modelProducts(model, in32);
    const theirs = modelProducts(reference, in64);
    expect(maxRelativeError(ours.forward(p32), theirs.forward(p64))).toBeLessThan(1e-5);
    expect(maxRelativeError(ours.jvp(p32, s.a), theirs.jvp(p64, s.a))).toBeLessThan(1e-5);
    expect(maxRelativeError(ours.vjp(p32, s.g), theirs.vjp(p64, s.g))).toBeLessThan(1e-5);
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
  const inputs = { x: randomNormalVector(new Rng(4), n * d), n };
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
    params.set(randomNormalVector(new Rng(9), model.parameterCount));
    const loaded = Float64Array.from(params);
    expect(forward(model, params)).toEqual(forward(model.base, params));
    expect(Array.from(model.origin!)).toEqual(Array.from(loaded));
    params[0] += 1;
    expect(Array.from(model.origin!)).toEqual(Array.from(loaded)); // a copy, fixed from then on
  });

  it('without initialize, the first call sets θ₀; expandAt moves it and drops the cache', () => {
    const model = w.wrap(base());
    const first = randomNormalVector(new Rng(2), model.parameterCount);
    const second = randomNormalVector(new Rng(3), model.parameterCount);
    expect(forward(model, first)).toEqual(forward(model.base, first));
    expect(forward(model, second)).not.toEqual(forward(model.base, second));
    model.expandAt(second);
    expect(forward(model, second)).toEqual(forward(model.base, second));
    const jvp = new Float64Array(n);
    const expected = new Float64Array(n);
    const a = randomNormalVector(new Rng(6), model.parameterCount);
    model.jvp(second, inputs, a, jvp);
    model.base.jvp(second, inputs, a, expected);
    expect(maxRelativeError(jvp, expected)).toBeLessThan(1e-14);
  });
});
