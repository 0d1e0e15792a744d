import type { DifferentiableModel, Inputs } from '@tdlab/core';
import { checkModelDerivatives, derivativeCheckNames, innerProduct, maxRelativeError, modelProducts, randomNormalVector } from '@tdlab/core/testing';
import { allocate, type FloatArray, Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import type { ActivationName } from './activation.js';
import { TwoLayerModel } from './two-layer-model.js';
import { UvModel } from './uv-model.js';

/*
 * Derivative products of every model against central finite differences, plus the exact algebraic
 * identities they must satisfy (papers.md §0: J is n×p with J_ij = ∂f(x_i)/∂θ_j, K = J Jᵀ).
 */

const n = 4;
const d = 3;
const m = 7;

const sigma: Record<ActivationName, (z: number) => number> = {
  relu: (z) => Math.max(0, z),
  'leaky-relu': (z) => (z > 0 ? z : 0.01 * z),
  linear: (z) => z,
  tanh: (z) => Math.tanh(z),
};

interface Case {
  readonly name: string;
  readonly make: () => DifferentiableModel;
  /** f(θ; x) written as a plain per-sample loop, independent of the model's code. */
  readonly naive: (params: FloatArray, x: ArrayLike<number>) => number;
}

const twoLayerNaive =
  (activation: ActivationName) =>
  (params: FloatArray, x: ArrayLike<number>): number => {
    let f = 0;
    for (let i = 0; i < m; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += params[i * d + j] * x[j];
      f += params[m * d + i] * sigma[activation](z / Math.sqrt(d));
    }
    return f / Math.sqrt(m);
  };

const cases: Case[] = [
  {
    name: 'uv (papers.md §1a)',
    make: () => new UvModel({ width: m, inputDim: d }),
    naive: (params, x) => twoLayerNaive('linear')(params, x),
  },
  ...(['relu', 'leaky-relu', 'linear', 'tanh'] as const).map(
    (activation): Case => ({
      name: `two-layer ${activation} (papers.md §1b)`,
      make: () => new TwoLayerModel({ width: m, inputDim: d, activation }),
      naive: twoLayerNaive(activation),
    }),
  ),
];

interface Setup {
  model: DifferentiableModel;
  p: number;
  params: Float64Array;
  inputs: Inputs;
  /** Random tangents in parameter space. */
  a: Float64Array;
  b: Float64Array;
  /** Random vectors in output space. */
  g: Float64Array;
  w: Float64Array;
}

function setup(c: Case, seed = 11): Setup {
  const rng = new Rng(seed);
  const model = c.make();
  const p = model.parameterCount;
  const params = new Float64Array(p);
  model.initialize(rng, params);
  return {
    model,
    p,
    params,
    inputs: { x: randomNormalVector(rng, n * d), n },
    a: randomNormalVector(rng, p),
    b: randomNormalVector(rng, p),
    g: randomNormalVector(rng, n),
    w: randomNormalVector(rng, n),
  };
}

describe.each(cases)('$name: derivative products (papers.md §0 conventions)', (c) => {
  const forward = (s: Setup, params: FloatArray): Float64Array => modelProducts(s.model, s.inputs).forward(params);
  const jvp = (s: Setup, params: FloatArray, tangent: FloatArray): Float64Array => modelProducts(s.model, s.inputs).jvp(params, tangent);
  const vjp = (s: Setup, params: FloatArray, cotangent: FloatArray): Float64Array => modelProducts(s.model, s.inputs).vjp(params, cotangent);

  it('has blocks "u" [m, d] and "v" [m] tiling the parameter vector', () => {
    const { model } = setup(c);
    expect(model.parameterCount).toBe(m * d + m);
    expect(model.inputDim).toBe(d);
    expect(model.blocks).toEqual([
      { name: 'u', offset: 0, length: m * d, shape: [m, d] },
      { name: 'v', offset: m * d, length: m, shape: [m] },
    ]);
  });

  it('forward matches a naive per-sample loop', () => {
    const s = setup(c);
    const expected = new Float64Array(n);
    for (let k = 0; k < n; k++) expected[k] = c.naive(s.params, s.inputs.x.subarray(k * d, (k + 1) * d));
    expect(maxRelativeError(forward(s, s.params), expected)).toBeLessThan(1e-14);
  });

  // jvp, vjp, hvp (from vjp and from jvp) and secondDirectional (from jvp) against central differences
  // with h = 1e-6, secondDirectional against the second difference of forward with h = 1e-4 (all
  // ≤ 1e-6 relative); the adjoint identity ⟨g, J a⟩ = ⟨Jᵀg, a⟩, the symmetry ⟨a, H b⟩ = ⟨H a, b⟩ and
  // Σ w_k·secondDirectional_k = aᵀH a to 1e-12.
  it.each(derivativeCheckNames)('%s: derivative check (checkModelDerivatives, h = 1e-6, ≤ 1e-6 relative; identities to 1e-12)', (check) => {
    const s = setup(c);
    checkModelDerivatives(s.model, s.params, s.inputs, {
      checks: [check],
      tangent: s.a,
      secondTangent: s.b,
      cotangent: s.g,
      weights: s.w,
      step: 1e-6,
      secondStep: 1e-4,
      tolerance: 1e-6,
      identityTolerance: 1e-12,
    });
  });

  it('products are linear in the tangent/cotangent (J(2a + b) = 2Ja + Jb) and independent of batch order', () => {
    const s = setup(c);
    const combined = s.a.map((value, i) => 2 * value + s.b[i]);
    const expected = jvp(s, s.params, s.a).map((value, k, ja) => 2 * ja[k] + jvp(s, s.params, s.b)[k]);
    expect(maxRelativeError(jvp(s, s.params, combined), expected)).toBeLessThan(1e-13);
    // Sample k of a batch equals a batch of that sample alone.
    const all = forward(s, s.params);
    for (let k = 0; k < n; k++) {
      const single = new Float64Array(1);
      s.model.forward(s.params, { x: s.inputs.x.subarray(k * d, (k + 1) * d), n: 1 }, single);
      expect(single[0]).toBeCloseTo(all[k], 14);
    }
  });

  it('scratch grows with the batch and results do not depend on call history (n = 2, 4, 1, 0)', () => {
    const s = setup(c);
    const fresh = (): DifferentiableModel => c.make();
    for (const size of [2, n, 1, 0]) {
      const inputs = { x: s.inputs.x, n: size };
      const out = new Float64Array(size);
      const reference = new Float64Array(size);
      s.model.secondDirectional(s.params, inputs, s.a, out);
      fresh().secondDirectional(s.params, inputs, s.a, reference);
      expect(out).toEqual(reference);
      const grad = new Float64Array(s.p).fill(Number.NaN);
      s.model.vjp(s.params, inputs, s.g, grad);
      if (size === 0) expect(grad.every((value) => value === 0)).toBe(true);
      else expect(grad.every(Number.isFinite)).toBe(true);
    }
  });

  it('the primal cache never goes stale: θ and X changed in place, other batches interleaved (all products, bit for bit)', () => {
    const s = setup(c);
    const rng = new Rng(5);
    const params = Float64Array.from(s.params);
    const x = Float64Array.from(s.inputs.x);
    const inputs = { x, n };
    const other = { x: randomNormalVector(rng, 2 * n * d), n: 2 * n };
    const all = (model: DifferentiableModel) => {
      const f = new Float64Array(n);
      const jv = new Float64Array(n);
      const sd = new Float64Array(n);
      const vj = new Float64Array(s.p);
      const hv = new Float64Array(s.p);
      model.forward(params, inputs, f);
      model.vjp(params, inputs, s.g, vj);
      model.jvp(params, inputs, s.a, jv);
      model.hvp(params, inputs, s.w, s.a, hv);
      model.secondDirectional(params, inputs, s.a, sd);
      return [f, vj, jv, hv, sd];
    };
    const cached = s.model;
    const scratch = new Float64Array(2 * n);
    const changes: (() => void)[] = [
      () => {},
      () => (params[0] += 0.25), // one entry of u
      () => (params[s.p - 1] -= 0.5), // one entry of v
      () => (x[n * d - 1] *= -1), // the last input feature
      () => cached.forward(params, other, scratch), // another batch in between
      () => params.fill(0, 0, m * d), // every pre-activation zero (the ReLU kink)
    ];
    for (const change of changes) {
      all(cached);
      change();
      expect(all(cached)).toEqual(all(c.make()));
    }
  });

  it('linearize agrees with jvp/vjp (1e-14), with finite differences (1e-6), and stays a snapshot of J at θ', () => {
    const s = setup(c);
    const linearize = s.model.linearize!.bind(s.model);
    const params = Float64Array.from(s.params);
    const x = Float64Array.from(s.inputs.x);
    const inputs = { x, n };
    const linear = linearize(params, inputs);
    const ja = new Float64Array(n);
    const jtg = new Float64Array(s.p);
    linear.jvp(s.a, ja);
    linear.vjp(s.g, jtg);
    expect(maxRelativeError(ja, jvp(s, s.params, s.a))).toBeLessThan(1e-14);
    expect(maxRelativeError(jtg, vjp(s, s.params, s.g))).toBeLessThan(1e-14);
    // The snapshot's J·a and Jᵀg against central differences of forward (h = 1e-6, ≤ 1e-6), as jvp/vjp are.
    checkModelDerivatives(
      {
        parameterCount: s.p,
        forward: (params, inputs, out) => s.model.forward(params, inputs, out),
        jvp: (_params, _inputs, tangent, out) => linear.jvp(tangent, out),
        vjp: (_params, _inputs, cotangent, out) => linear.vjp(cotangent, out),
        hvp: () => {},
        secondDirectional: () => {},
      },
      s.params,
      s.inputs,
      { checks: ['jvp', 'vjp'], tangent: s.a, cotangent: s.g, step: 1e-6, tolerance: 1e-6 },
    );
    // θ and X changed in place and other products in between do not move the linearization …
    params.fill(1);
    x.fill(-1);
    s.model.forward(params, inputs, new Float64Array(n));
    s.model.vjp(params, { x: randomNormalVector(new Rng(2), 3 * d), n: 3 }, Float64Array.of(1, 2, 3), new Float64Array(s.p));
    const again = new Float64Array(n);
    linear.jvp(s.a, again);
    expect(again).toEqual(ja);
    const back = new Float64Array(s.p);
    linear.vjp(s.g, back);
    expect(back).toEqual(jtg);
    // … and the next linearize reuses the same object, now at the new point.
    const next = linearize(params, inputs);
    expect(next).toBe(linear);
    next.jvp(s.a, again);
    expect(again).toEqual(jvp({ ...s, inputs }, params, s.a));
    // Buffers too short are rejected, as by jvp/vjp.
    expect(() => next.jvp(s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => next.vjp(s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
    expect(() => next.vjp(s.g.subarray(1), new Float64Array(s.p))).toThrow(RangeError);
  });

  it('linearize works with float32 parameters and inputs (equal to the float32 jvp/vjp to 1e-6)', () => {
    const s = setup(c);
    const p32 = allocate('float32', s.p);
    p32.set(s.params);
    const x32 = allocate('float32', n * d);
    x32.set(s.inputs.x);
    const in32 = { x: x32, n };
    const linear = s.model.linearize!(p32, in32);
    const out = new Float64Array(n);
    const reference = new Float64Array(n);
    linear.jvp(s.a, out);
    s.model.jvp(p32, in32, s.a, reference);
    expect(maxRelativeError(out, reference)).toBeLessThan(1e-6);
    const grad = new Float64Array(s.p);
    const gradReference = new Float64Array(s.p);
    linear.vjp(s.g, grad);
    s.model.vjp(p32, in32, s.g, gradReference);
    expect(maxRelativeError(grad, gradReference)).toBeLessThan(1e-6);
  });

  it('rejects buffers that are too short', () => {
    const s = setup(c);
    expect(() => s.model.forward(s.params, { x: s.inputs.x, n: n + 1 }, new Float64Array(n + 1))).toThrow(RangeError);
    expect(() => s.model.forward(s.params.subarray(1), s.inputs, new Float64Array(n))).toThrow(RangeError);
    expect(() => s.model.jvp(s.params, s.inputs, s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => s.model.vjp(s.params, s.inputs, s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
  });

  it('works with float32 parameters and tangents (≤ 1e-5 relative to float64)', () => {
    const s = setup(c);
    const p32 = allocate('float32', s.p);
    p32.set(s.params);
    const a32 = allocate('float32', s.p);
    a32.set(s.a);
    const x32 = allocate('float32', n * d);
    x32.set(s.inputs.x);
    // Compare against float64 evaluated at the same (rounded) values.
    const p64 = Float64Array.from(p32);
    const a64 = Float64Array.from(a32);
    const in64 = { x: Float64Array.from(x32), n };
    const in32 = { x: x32, n };
    const out32 = allocate('float32', n);
    const out64 = new Float64Array(n);
    const grad32 = allocate('float32', s.p);
    const grad64 = new Float64Array(s.p);
    for (const model of [s.model, c.make()]) {
      model.forward(p32, in32, out32);
      s.model.forward(p64, in64, out64);
      expect(maxRelativeError(out32, out64)).toBeLessThan(1e-5);
      model.jvp(p32, in32, a32, out32);
      s.model.jvp(p64, in64, a64, out64);
      expect(maxRelativeError(out32, out64)).toBeLessThan(1e-5);
      model.vjp(p32, in32, s.g, grad32);
      s.model.vjp(p64, in64, s.g, grad64);
      expect(maxRelativeError(grad32, grad64)).toBeLessThan(1e-5);
      model.hvp(p32, in32, s.w, a32, grad32);
      s.model.hvp(p64, in64, s.w, a64, grad64);
      expect(maxRelativeError(grad32, grad64)).toBeLessThan(1e-5);
      model.secondDirectional(p32, in32, a32, out32);
      s.model.secondDirectional(p64, in64, a64, out64);
      expect(maxRelativeError(out32, out64)).toBeLessThan(1e-5);
    }
  });
});

describe('uv ≡ linear two-layer (papers.md §1a, §1b: the uv model is the linear net)', () => {
  it('all five products agree to 1e-13 relative', () => {
    const rng = new Rng(3);
    const uv = new UvModel({ width: m, inputDim: d });
    const linear = new TwoLayerModel({ width: m, inputDim: d, activation: 'linear' });
    const p = uv.parameterCount;
    const params = randomNormalVector(rng, p);
    const inputs = { x: randomNormalVector(rng, n * d), n };
    const a = randomNormalVector(rng, p);
    const g = randomNormalVector(rng, n);
    const pair = (length: number) => [new Float64Array(length), new Float64Array(length)] as const;
    let [left, right] = pair(n);
    uv.forward(params, inputs, left);
    linear.forward(params, inputs, right);
    expect(maxRelativeError(left, right)).toBeLessThan(1e-13);
    uv.jvp(params, inputs, a, left);
    linear.jvp(params, inputs, a, right);
    expect(maxRelativeError(left, right)).toBeLessThan(1e-13);
    uv.secondDirectional(params, inputs, a, left);
    linear.secondDirectional(params, inputs, a, right);
    expect(maxRelativeError(left, right)).toBeLessThan(1e-13);
    [left, right] = pair(p);
    uv.vjp(params, inputs, g, left);
    linear.vjp(params, inputs, g, right);
    expect(maxRelativeError(left, right)).toBeLessThan(1e-13);
    uv.hvp(params, inputs, g, a, left);
    linear.hvp(params, inputs, g, a, right);
    expect(maxRelativeError(left, right)).toBeLessThan(1e-13);
  });
});
