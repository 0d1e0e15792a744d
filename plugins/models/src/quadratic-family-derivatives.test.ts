import type { DifferentiableModel, Inputs } from '@tdlab/core';
import { checkModelDerivatives, derivativeCheckNames, maxRelativeError, modelProducts, randomNormalVector, shiftedVector } from '@tdlab/core/testing';
import { allocate, type FloatArray, Rng } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import { GeneralQuadraticModel, rademacherDiagonal } from './general-quadratic-model.js';
import { drawKeptIndices, drawPureQuadraticStructure, type MetaActivation, PureQuadraticModel, type PureQuadraticStructure } from './pure-quadratic-model.js';

/*
 * The general-quadratic (Zhu et al. App. 19.4, papers.md §1b) and pure-quadratic (Meltzer et al.,
 * papers.md §2) models: every derivative product against central finite differences in float64,
 * the exact identities of papers.md §0 (J is n×p, K = J Jᵀ), the caches and the buffer contract.
 */

const n = 4;
const d = 3;

interface Case {
  readonly name: string;
  readonly make: () => DifferentiableModel;
  /** f(θ; x) for one input, written independently of the model's code. */
  readonly naive: (params: FloatArray, x: ArrayLike<number>) => number;
}

const gamma = 0.37;
const diagonal = rademacherDiagonal(new Rng(21), d);

function generalNaive(features: 'normalized' | 'none') {
  return (params: FloatArray, x: ArrayLike<number>): number => {
    let norm = 0;
    for (let j = 0; j < d; j++) norm += x[j] * x[j];
    norm = Math.sqrt(norm);
    let g = 0;
    for (let j = 0; j < d; j++) {
      if (features === 'normalized' && norm > 0) g += (params[j] * x[j]) / norm;
      g += 0.5 * gamma * diagonal[j] * params[j] * params[j];
    }
    return g;
  };
}

const uvWidth = 5;
/** ½γ wᵀΣ(x)w with Σ(x) = [[0, I⊗x], [I⊗xᵀ, 0]]: γ Σᵢ vᵢ (uᵢ·x). */
function uvNaive(params: FloatArray, x: ArrayLike<number>): number {
  let g = 0;
  for (let i = 0; i < uvWidth; i++) {
    let ux = 0;
    for (let j = 0; j < d; j++) ux += params[i * d + j] * x[j];
    g += gamma * params[uvWidth * d + i] * ux;
  }
  return g;
}

const structure: PureQuadraticStructure = drawPureQuadraticStructure(new Rng(8), { inputDim: d, width: 8, features: 5, eigenvalueRange: [0.5, 1.5] });
const metaKept = drawKeptIndices(new Rng(9), 8, 2);
const featureKept = drawKeptIndices(new Rng(10), 5, 1);

const g: Record<MetaActivation, (z: number) => number> = {
  identity: (z) => z,
  tanh: (z) => Math.tanh(z),
  relu: (z) => Math.max(0, z),
  'leaky-relu': (z) => (z > 0 ? z : 0.01 * z),
};

/** z = θ_fᵀφ(x) + (ζ/2)θᵀψ(x)θ from the structure's full Wᵢ and U, restricted by hand. */
function pureNaive(activation: MetaActivation, withFeatures: boolean) {
  return (params: FloatArray, x: ArrayLike<number>): number => {
    const width = structure.width;
    const ns = metaKept.length;
    const zeta = Math.sqrt(2 / ns);
    let quadratic = 0;
    for (let a = 0; a < ns; a++) {
      for (let b = 0; b < ns; b++) {
        let entry = 0;
        for (let i = 0; i < d; i++) entry += x[i] * structure.meta[i * width * width + metaKept[a] * width + metaKept[b]];
        quadratic += params[a] * g[activation](entry / Math.sqrt(d)) * params[b];
      }
    }
    let linear = 0;
    if (withFeatures) {
      for (let c = 0; c < featureKept.length; c++) {
        let phi = 0;
        for (let i = 0; i < d; i++) phi += x[i] * structure.featureMatrix[i * structure.features + featureKept[c]];
        linear += params[ns + c] * (phi / Math.sqrt(d * structure.features));
      }
    }
    return (zeta / 2) * quadratic + linear;
  };
}

const cases: Case[] = [
  {
    name: 'general-quadratic, diagonal Σ, φ = x/‖x‖ (App. 19.4)',
    make: () => new GeneralQuadraticModel({ sigma: 'diagonal', diagonal, inputDim: d, gamma }),
    naive: generalNaive('normalized'),
  },
  {
    name: 'general-quadratic, diagonal Σ, φ = 0',
    make: () => new GeneralQuadraticModel({ sigma: 'diagonal', diagonal, inputDim: d, gamma, features: 'none' }),
    naive: generalNaive('none'),
  },
  {
    name: 'general-quadratic, uv Σ(x)',
    make: () => new GeneralQuadraticModel({ sigma: 'uv', width: uvWidth, inputDim: d, gamma }),
    naive: uvNaive,
  },
  ...(['identity', 'tanh', 'relu', 'leaky-relu'] as const).map(
    (activation): Case => ({
      name: `pure-quadratic, g = ${activation}, student mask (papers.md §2)`,
      make: () => new PureQuadraticModel({ structure, activation, metaIndices: metaKept, featureIndices: [] }),
      naive: pureNaive(activation, false),
    }),
  ),
  {
    name: 'pure-quadratic with a linear part θ_fᵀφ(x), masked features',
    make: () => new PureQuadraticModel({ structure, metaIndices: metaKept, featureIndices: featureKept }),
    naive: pureNaive('identity', true),
  },
];

interface Setup {
  model: DifferentiableModel;
  p: number;
  params: Float64Array;
  inputs: Inputs;
  a: Float64Array;
  b: Float64Array;
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
  const forward = (s: Setup, params: FloatArray, inputs = s.inputs): Float64Array => modelProducts(s.model, inputs).forward(params);
  const jvp = (s: Setup, params: FloatArray, tangent: FloatArray): Float64Array => modelProducts(s.model, s.inputs).jvp(params, tangent);
  const vjp = (s: Setup, params: FloatArray, cotangent: FloatArray): Float64Array => modelProducts(s.model, s.inputs).vjp(params, cotangent);
  const secondDirectional = (s: Setup, vector: FloatArray): Float64Array => modelProducts(s.model, s.inputs).secondDirectional(s.params, vector);

  it('forward matches a naive per-sample formula (1e-13)', () => {
    const s = setup(c);
    const expected = new Float64Array(n);
    for (let k = 0; k < n; k++) expected[k] = c.naive(s.params, s.inputs.x.subarray(k * d, (k + 1) * d));
    expect(maxRelativeError(forward(s, s.params), expected)).toBeLessThan(1e-13);
  });

  it('blocks tile the parameter vector', () => {
    const { model } = setup(c);
    let offset = 0;
    for (const block of model.blocks) {
      expect(block.offset).toBe(offset);
      expect(block.shape.reduce((x, y) => x * y, 1)).toBe(block.length);
      offset += block.length;
    }
    expect(offset).toBe(model.parameterCount);
  });

  // jvp, vjp and hvp (from vjp and from jvp) against central differences with h = 1e-5,
  // secondDirectional against central differences of jvp and the second difference of forward with
  // h = 1e-4 (all ≤ 1e-7 relative); the adjoint identity, Hessian symmetry and
  // Σ w_k·secondDirectional_k = aᵀH a to 1e-12.
  it.each(derivativeCheckNames)('%s: derivative check (checkModelDerivatives, h = 1e-5 / 1e-4 for secondDirectional, ≤ 1e-7 relative; identities to 1e-12)', (check) => {
    const s = setup(c);
    checkModelDerivatives(s.model, s.params, s.inputs, {
      checks: [check],
      tangent: s.a,
      secondTangent: s.b,
      cotangent: s.g,
      weights: s.w,
      step: 1e-5,
      secondStep: 1e-4,
      overrides: { 'second-jvp': { step: 1e-4 } },
      tolerance: 1e-7,
      identityTolerance: 1e-12,
    });
  });

  it('the model is exactly quadratic in θ: f(θ + a) = f + Ja + ½aᵀHa (1e-12)', () => {
    const s = setup(c);
    const f = forward(s, s.params);
    const ja = jvp(s, s.params, s.a);
    const sd = secondDirectional(s, s.a);
    const expected = f.map((value, k) => value + ja[k] + 0.5 * sd[k]);
    expect(maxRelativeError(forward(s, shiftedVector(s.params, s.a, 1)), expected)).toBeLessThan(1e-12);
  });

  it('sample k of a batch equals a batch of that sample alone; n = 2, 4, 1, 0 agree with a fresh model', () => {
    const s = setup(c);
    const all = forward(s, s.params);
    for (let k = 0; k < n; k++) {
      const single = forward(s, s.params, { x: s.inputs.x.subarray(k * d, (k + 1) * d), n: 1 });
      expect(Math.abs(single[0] - all[k])).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(all[k])));
    }
    for (const size of [2, n, 1, 0]) {
      const inputs = { x: s.inputs.x, n: size };
      const out = new Float64Array(size);
      const reference = new Float64Array(size);
      s.model.secondDirectional(s.params, inputs, s.a, out);
      c.make().secondDirectional(s.params, inputs, s.a, reference);
      expect(out).toEqual(reference);
      const grad = new Float64Array(s.p).fill(Number.NaN);
      s.model.vjp(s.params, inputs, s.g, grad);
      if (size === 0) expect(grad.every((value) => value === 0)).toBe(true);
      else expect(grad.every(Number.isFinite)).toBe(true);
    }
  });

  it('the caches never go stale: θ and X changed in place, other batches interleaved (all products, bit for bit)', () => {
    const s = setup(c);
    const params = Float64Array.from(s.params);
    const x = Float64Array.from(s.inputs.x);
    const inputs = { x, n };
    const other = { x: randomNormalVector(new Rng(5), 2 * n * d), n: 2 * n };
    const all = (model: DifferentiableModel) => {
      const out = [new Float64Array(n), new Float64Array(s.p), new Float64Array(n), new Float64Array(s.p), new Float64Array(n)];
      model.forward(params, inputs, out[0]);
      model.vjp(params, inputs, s.g, out[1]);
      model.jvp(params, inputs, s.a, out[2]);
      model.hvp(params, inputs, s.w, s.a, out[3]);
      model.secondDirectional(params, inputs, s.a, out[4]);
      return out;
    };
    const changes: (() => void)[] = [
      () => {},
      () => (params[0] += 0.25),
      () => (params[s.p - 1] -= 0.5),
      () => (x[n * d - 1] *= -1),
      () => s.model.forward(params, other, new Float64Array(2 * n)),
      () => x.fill(0, 0, d), // a zero input row
    ];
    for (const change of changes) {
      all(s.model);
      change();
      expect(all(s.model)).toEqual(all(c.make()));
    }
  });

  it('linearize agrees with jvp/vjp (1e-14) and stays a snapshot of J at θ', () => {
    const s = setup(c);
    const params = Float64Array.from(s.params);
    const x = Float64Array.from(s.inputs.x);
    const inputs = { x, n };
    const linear = s.model.linearize!(params, inputs);
    const ja = new Float64Array(n);
    const jtg = new Float64Array(s.p);
    linear.jvp(s.a, ja);
    linear.vjp(s.g, jtg);
    expect(maxRelativeError(ja, jvp(s, s.params, s.a))).toBeLessThan(1e-14);
    expect(maxRelativeError(jtg, vjp(s, s.params, s.g))).toBeLessThan(1e-14);
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
    const next = s.model.linearize!(params, inputs);
    expect(next).toBe(linear);
    next.jvp(s.a, again);
    const reference = new Float64Array(n);
    c.make().jvp(params, inputs, s.a, reference);
    expect(maxRelativeError(again, reference)).toBeLessThan(1e-14);
    expect(() => next.jvp(s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => next.vjp(s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
  });

  it('rejects buffers that are too short', () => {
    const s = setup(c);
    expect(() => s.model.forward(s.params, { x: s.inputs.x, n: n + 1 }, new Float64Array(n + 1))).toThrow(RangeError);
    expect(() => s.model.forward(s.params.subarray(1), s.inputs, new Float64Array(n))).toThrow(RangeError);
    expect(() => s.model.jvp(s.params, s.inputs, s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => s.model.vjp(s.params, s.inputs, s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
    expect(() => s.model.hvp(s.params, s.inputs, s.w, s.a.subarray(1), new Float64Array(s.p))).toThrow(RangeError);
  });

  it('works with float32 parameters, tangents and inputs (≤ 1e-5 relative to float64 at the rounded values)', () => {
    const s = setup(c);
    const p32 = allocate('float32', s.p);
    p32.set(s.params);
    const a32 = allocate('float32', s.p);
    a32.set(s.a);
    const x32 = allocate('float32', n * d);
    x32.set(s.inputs.x);
    const p64 = Float64Array.from(p32);
    const a64 = Float64Array.from(a32);
    const in64 = { x: Float64Array.from(x32), n };
    const in32 = { x: x32, n };
    const out32 = allocate('float32', n);
    const out64 = new Float64Array(n);
    const grad32 = allocate('float32', s.p);
    const grad64 = new Float64Array(s.p);
    const reference = c.make();
    s.model.forward(p32, in32, out32);
    reference.forward(p64, in64, out64);
    expect(maxRelativeError(out32, out64)).toBeLessThan(1e-5);
    s.model.jvp(p32, in32, a32, out32);
    reference.jvp(p64, in64, a64, out64);
    expect(maxRelativeError(out32, out64)).toBeLessThan(1e-5);
    s.model.vjp(p32, in32, s.g, grad32);
    reference.vjp(p64, in64, s.g, grad64);
    expect(maxRelativeError(grad32, grad64)).toBeLessThan(1e-5);
    s.model.hvp(p32, in32, s.w, a32, grad32);
    reference.hvp(p64, in64, s.w, a64, grad64);
    expect(maxRelativeError(grad32, grad64)).toBeLessThan(1e-5);
    s.model.secondDirectional(p32, in32, a32, out32);
    reference.secondDirectional(p64, in64, a64, out64);
    expect(maxRelativeError(out32, out64)).toBeLessThan(1e-5);
  });
});
