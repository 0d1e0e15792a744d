import type { DifferentiableModel, Inputs } from '@tdlab/core';
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

function randomVector(rng: Rng, length: number): Float64Array {
  const out = new Float64Array(length);
  rng.fillNormal(out);
  return out;
}

function inner(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** max |a − b| / max |b|: the error relative to the scale of the reference. */
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

function shifted(params: FloatArray, direction: ArrayLike<number>, h: number): Float64Array {
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
    inputs: { x: randomVector(rng, n * d), n },
    a: randomVector(rng, p),
    b: randomVector(rng, p),
    g: randomVector(rng, n),
    w: randomVector(rng, n),
  };
}

describe.each(cases)('$name: derivative products (papers.md §0 conventions)', (c) => {
  const forward = (s: Setup, params: FloatArray): Float64Array => {
    const out = new Float64Array(n);
    s.model.forward(params, s.inputs, out);
    return out;
  };
  const jvp = (s: Setup, params: FloatArray, tangent: FloatArray): Float64Array => {
    const out = new Float64Array(n);
    s.model.jvp(params, s.inputs, tangent, out);
    return out;
  };
  const vjp = (s: Setup, params: FloatArray, cotangent: FloatArray): Float64Array => {
    const out = new Float64Array(s.p);
    s.model.vjp(params, s.inputs, cotangent, out);
    return out;
  };
  const hvp = (s: Setup, params: FloatArray, weights: FloatArray, vector: FloatArray): Float64Array => {
    const out = new Float64Array(s.p);
    s.model.hvp(params, s.inputs, weights, vector, out);
    return out;
  };
  const secondDirectional = (s: Setup, params: FloatArray, vector: FloatArray): Float64Array => {
    const out = new Float64Array(n);
    s.model.secondDirectional(params, s.inputs, vector, out);
    return out;
  };

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
    expect(relativeError(forward(s, s.params), expected)).toBeLessThan(1e-14);
  });

  it('jvp matches central differences of forward (≤ 1e-6 relative)', () => {
    const s = setup(c);
    const h = 1e-6;
    const plus = forward(s, shifted(s.params, s.a, h));
    const minus = forward(s, shifted(s.params, s.a, -h));
    const fd = plus.map((value, k) => (value - minus[k]) / (2 * h));
    expect(relativeError(jvp(s, s.params, s.a), fd)).toBeLessThan(1e-6);
  });

  it('vjp matches central differences of gᵀf, coordinate by coordinate (≤ 1e-6 relative)', () => {
    const s = setup(c);
    const h = 1e-6;
    const fd = new Float64Array(s.p);
    for (let j = 0; j < s.p; j++) {
      const e = unit(s.p, j);
      fd[j] = (inner(s.g, forward(s, shifted(s.params, e, h))) - inner(s.g, forward(s, shifted(s.params, e, -h)))) / (2 * h);
    }
    expect(relativeError(vjp(s, s.params, s.g), fd)).toBeLessThan(1e-6);
  });

  it('hvp matches central differences of jvp, coordinate by coordinate (≤ 1e-6 relative)', () => {
    const s = setup(c);
    const h = 1e-6;
    // (Σ_k w_k ∇²f_k a)_j = d/dt Σ_k w_k (J(θ + t·a) e_j)_k at t = 0.
    const fd = new Float64Array(s.p);
    const up = shifted(s.params, s.a, h);
    const down = shifted(s.params, s.a, -h);
    for (let j = 0; j < s.p; j++) {
      const e = unit(s.p, j);
      fd[j] = (inner(s.w, jvp(s, up, e)) - inner(s.w, jvp(s, down, e))) / (2 * h);
    }
    expect(relativeError(hvp(s, s.params, s.w, s.a), fd)).toBeLessThan(1e-6);
  });

  it('hvp matches central differences of vjp (≤ 1e-6 relative)', () => {
    const s = setup(c);
    const h = 1e-6;
    const plus = vjp(s, shifted(s.params, s.a, h), s.w);
    const minus = vjp(s, shifted(s.params, s.a, -h), s.w);
    const fd = plus.map((value, j) => (value - minus[j]) / (2 * h));
    expect(relativeError(hvp(s, s.params, s.w, s.a), fd)).toBeLessThan(1e-6);
  });

  it('secondDirectional matches central differences of jvp (≤ 1e-6 relative)', () => {
    const s = setup(c);
    const h = 1e-6;
    const plus = jvp(s, shifted(s.params, s.a, h), s.a);
    const minus = jvp(s, shifted(s.params, s.a, -h), s.a);
    const fd = plus.map((value, k) => (value - minus[k]) / (2 * h));
    expect(relativeError(secondDirectional(s, s.params, s.a), fd)).toBeLessThan(1e-6);
  });

  it('secondDirectional matches the second central difference of forward (≤ 1e-6 relative)', () => {
    const s = setup(c);
    const h = 1e-4;
    const plus = forward(s, shifted(s.params, s.a, h));
    const mid = forward(s, s.params);
    const minus = forward(s, shifted(s.params, s.a, -h));
    const fd = plus.map((value, k) => (value - 2 * mid[k] + minus[k]) / (h * h));
    expect(relativeError(secondDirectional(s, s.params, s.a), fd)).toBeLessThan(1e-6);
  });

  it('adjoint identity ⟨g, J a⟩ = ⟨Jᵀg, a⟩ to 1e-12', () => {
    const s = setup(c);
    const left = inner(s.g, jvp(s, s.params, s.a));
    const right = inner(vjp(s, s.params, s.g), s.a);
    expect(Math.abs(left - right)).toBeLessThanOrEqual(1e-12 * Math.abs(left));
  });

  it('the Hessian product is symmetric, ⟨a, H b⟩ = ⟨H a, b⟩, and Σ w_k·secondDirectional_k = aᵀH a (to 1e-12)', () => {
    const s = setup(c);
    const left = inner(s.a, hvp(s, s.params, s.w, s.b));
    const right = inner(hvp(s, s.params, s.w, s.a), s.b);
    expect(Math.abs(left - right)).toBeLessThanOrEqual(1e-12 * Math.abs(left));
    const quadratic = inner(s.a, hvp(s, s.params, s.w, s.a));
    const summed = inner(s.w, secondDirectional(s, s.params, s.a));
    expect(Math.abs(quadratic - summed)).toBeLessThanOrEqual(1e-12 * Math.abs(quadratic));
  });

  it('products are linear in the tangent/cotangent (J(2a + b) = 2Ja + Jb) and independent of batch order', () => {
    const s = setup(c);
    const combined = s.a.map((value, i) => 2 * value + s.b[i]);
    const expected = jvp(s, s.params, s.a).map((value, k, ja) => 2 * ja[k] + jvp(s, s.params, s.b)[k]);
    expect(relativeError(jvp(s, s.params, combined), expected)).toBeLessThan(1e-13);
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
    const other = { x: randomVector(rng, 2 * n * d), n: 2 * n };
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
    expect(relativeError(ja, jvp(s, s.params, s.a))).toBeLessThan(1e-14);
    expect(relativeError(jtg, vjp(s, s.params, s.g))).toBeLessThan(1e-14);
    // J·a against central differences of forward, and Jᵀe_k against the rows of J.
    const h = 1e-6;
    const plus = forward(s, shifted(s.params, s.a, h));
    const minus = forward(s, shifted(s.params, s.a, -h));
    expect(relativeError(ja, plus.map((value, k) => (value - minus[k]) / (2 * h)))).toBeLessThan(1e-6);
    const fd = new Float64Array(s.p);
    for (let j = 0; j < s.p; j++) {
      const e = unit(s.p, j);
      fd[j] = (inner(s.g, forward(s, shifted(s.params, e, h))) - inner(s.g, forward(s, shifted(s.params, e, -h)))) / (2 * h);
    }
    expect(relativeError(jtg, fd)).toBeLessThan(1e-6);
    // θ and X changed in place and other products in between do not move the linearization …
    params.fill(1);
    x.fill(-1);
    s.model.forward(params, inputs, new Float64Array(n));
    s.model.vjp(params, { x: randomVector(new Rng(2), 3 * d), n: 3 }, Float64Array.of(1, 2, 3), new Float64Array(s.p));
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
    expect(relativeError(out, reference)).toBeLessThan(1e-6);
    const grad = new Float64Array(s.p);
    const gradReference = new Float64Array(s.p);
    linear.vjp(s.g, grad);
    s.model.vjp(p32, in32, s.g, gradReference);
    expect(relativeError(grad, gradReference)).toBeLessThan(1e-6);
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
      expect(relativeError(out32, out64)).toBeLessThan(1e-5);
      model.jvp(p32, in32, a32, out32);
      s.model.jvp(p64, in64, a64, out64);
      expect(relativeError(out32, out64)).toBeLessThan(1e-5);
      model.vjp(p32, in32, s.g, grad32);
      s.model.vjp(p64, in64, s.g, grad64);
      expect(relativeError(grad32, grad64)).toBeLessThan(1e-5);
      model.hvp(p32, in32, s.w, a32, grad32);
      s.model.hvp(p64, in64, s.w, a64, grad64);
      expect(relativeError(grad32, grad64)).toBeLessThan(1e-5);
      model.secondDirectional(p32, in32, a32, out32);
      s.model.secondDirectional(p64, in64, a64, out64);
      expect(relativeError(out32, out64)).toBeLessThan(1e-5);
    }
  });
});

describe('uv ≡ linear two-layer (papers.md §1a, §1b: the uv model is the linear net)', () => {
  it('all five products agree to 1e-13 relative', () => {
    const rng = new Rng(3);
    const uv = new UvModel({ width: m, inputDim: d });
    const linear = new TwoLayerModel({ width: m, inputDim: d, activation: 'linear' });
    const p = uv.parameterCount;
    const params = randomVector(rng, p);
    const inputs = { x: randomVector(rng, n * d), n };
    const a = randomVector(rng, p);
    const g = randomVector(rng, n);
    const pair = (length: number) => [new Float64Array(length), new Float64Array(length)] as const;
    let [left, right] = pair(n);
    uv.forward(params, inputs, left);
    linear.forward(params, inputs, right);
    expect(relativeError(left, right)).toBeLessThan(1e-13);
    uv.jvp(params, inputs, a, left);
    linear.jvp(params, inputs, a, right);
    expect(relativeError(left, right)).toBeLessThan(1e-13);
    uv.secondDirectional(params, inputs, a, left);
    linear.secondDirectional(params, inputs, a, right);
    expect(relativeError(left, right)).toBeLessThan(1e-13);
    [left, right] = pair(p);
    uv.vjp(params, inputs, g, left);
    linear.vjp(params, inputs, g, right);
    expect(relativeError(left, right)).toBeLessThan(1e-13);
    uv.hvp(params, inputs, g, a, left);
    linear.hvp(params, inputs, g, a, right);
    expect(relativeError(left, right)).toBeLessThan(1e-13);
  });
});
