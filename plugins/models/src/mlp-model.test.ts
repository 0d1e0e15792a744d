import type { Inputs, ModelContext } from '@tdlab/core';
import { allocate, type FloatArray, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import type { ActivationName } from './activation.js';
import { chi1, criticalWeightVariance, fixedPointLength, lengthMap } from './critical-initialization.js';
import { mlpModel } from './mlp-contribution.js';
import { MlpModel, type MlpModelOptions } from './mlp-model.js';
import { nuLayerPlan, nuWidths, type ParameterizationName, parameterizationNames, parameterizations } from './mlp-parameterization.js';
import { TwoLayerModel } from './two-layer-model.js';

/*
 * The mlp model: every product against central finite differences and the algebraic identities of
 * papers.md §0 (J is n×p, J_ij = ∂f(x_i)/∂θ_j), for every activation, parameterization and with and
 * without biases; the multiplier table; and the critical (edge-of-chaos) initialization checked
 * against the mean-field length / χ₁ recursion, analytically and on a wide random network.
 */

// Odd sizes everywhere, three hidden layers of different widths.
const n = 5;
const d = 3;
const widths = [7, 5, 3];

const sigma: Record<ActivationName, (z: number) => number> = {
  relu: (z) => Math.max(0, z),
  'leaky-relu': (z) => (z > 0 ? z : 0.01 * z),
  linear: (z) => z,
  tanh: (z) => Math.tanh(z),
};

/** f(θ; x) and the pre-activations of every layer, as a plain loop over the documented formula. */
function naive(model: MlpModel, params: ArrayLike<number>, x: ArrayLike<number>): { f: number; pre: Float64Array[] } {
  let h = Float64Array.from(x);
  const pre: Float64Array[] = [];
  const layers = model.widths.length + 1;
  for (let l = 0; l < layers; l++) {
    const name = l === model.widths.length ? 'readout' : `layer${l + 1}`;
    const weight = model.blocks.find((block) => block.name === `${name}.weight`)!;
    const bias = model.blocks.find((block) => block.name === `${name}.bias`);
    const [fanOut, fanIn] = weight.shape;
    const { weightMultiplier, biasMultiplier } = model.scalings[l];
    const z = new Float64Array(fanOut);
    for (let i = 0; i < fanOut; i++) {
      let sum = 0;
      for (let j = 0; j < fanIn; j++) sum += params[weight.offset + i * fanIn + j] * h[j];
      z[i] = weightMultiplier * sum + (bias ? biasMultiplier * params[bias.offset + i] : 0);
    }
    pre.push(z);
    h = l < layers - 1 ? z.map(sigma[model.activation.name]) : z;
  }
  return { f: h[0], pre };
}

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

interface Case {
  readonly name: string;
  readonly options: MlpModelOptions;
}

const cases: Case[] = [];
for (const activation of ['relu', 'leaky-relu', 'linear', 'tanh'] as const) {
  for (const parameterization of parameterizationNames) {
    for (const bias of [false, true]) {
      cases.push({
        name: `${activation}, ${parameterization}${bias ? ', biases' : ''}`,
        // Biases drawn with σ_b² = 0.1 so that they are not all zero (and move the pre-activations).
        options: { inputDim: d, widths, activation, parameterization, bias, ...(bias ? { biasVariance: 0.1 } : {}) },
      });
    }
  }
}
// One hidden layer, and a single wide one next to narrow ones.
cases.push({ name: 'tanh, ntk, one hidden layer, biases', options: { inputDim: d, widths: [9], activation: 'tanh', bias: true } });
cases.push({ name: 'relu, mup, widths [2, 11, 1]', options: { inputDim: d, widths: [2, 11, 1], activation: 'relu', parameterization: 'mup' } });

interface Setup {
  model: MlpModel;
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
  const model = new MlpModel(c.options);
  const p = model.parameterCount;
  const params = new Float64Array(p);
  model.initialize(rng.derive('params'), params);
  // The mean-field hidden layers start with pre-activations O(n^{-1/2}) (see mlp-parameterization.ts);
  // an O(1) shift of the parameters keeps every product away from that special point.
  const shift = randomVector(rng.derive('shift'), p);
  for (let i = 0; i < p; i++) params[i] += 0.5 * shift[i];
  return {
    model,
    p,
    params,
    inputs: { x: randomVector(rng.derive('x'), n * d), n },
    a: randomVector(rng.derive('a'), p),
    b: randomVector(rng.derive('b'), p),
    g: randomVector(rng.derive('g'), n),
    w: randomVector(rng.derive('w'), n),
  };
}

function forward(s: Setup, params: FloatArray, inputs: Inputs = s.inputs): Float64Array {
  const out = new Float64Array(inputs.n);
  s.model.forward(params, inputs, out);
  return out;
}
function jvp(s: Setup, params: FloatArray, tangent: FloatArray): Float64Array {
  const out = new Float64Array(n);
  s.model.jvp(params, s.inputs, tangent, out);
  return out;
}
function vjp(s: Setup, params: FloatArray, cotangent: FloatArray): Float64Array {
  const out = new Float64Array(s.p);
  s.model.vjp(params, s.inputs, cotangent, out);
  return out;
}
function hvp(s: Setup, params: FloatArray, weights: FloatArray, vector: FloatArray): Float64Array {
  const out = new Float64Array(s.p);
  s.model.hvp(params, s.inputs, weights, vector, out);
  return out;
}
function secondDirectional(s: Setup, params: FloatArray, vector: FloatArray): Float64Array {
  const out = new Float64Array(n);
  s.model.secondDirectional(params, s.inputs, vector, out);
  return out;
}

describe.each(cases)('mlp ($name): derivative products against central differences (papers.md §0)', (c) => {
  it('has per-layer blocks layer1.weight, layer1.bias, …, readout.weight tiling θ', () => {
    const { model } = setup(c);
    const fanIns = [d, ...c.options.widths];
    const names = c.options.widths.map((_, l) => `layer${l + 1}`).concat('readout');
    const expected = names.flatMap((name, l) => {
      const fanOut = l < c.options.widths.length ? c.options.widths[l] : 1;
      return [{ name: `${name}.weight`, shape: [fanOut, fanIns[l]] }, ...(c.options.bias ? [{ name: `${name}.bias`, shape: [fanOut] }] : [])];
    });
    expect(model.blocks.map(({ name, shape }) => ({ name, shape }))).toEqual(expected);
    let offset = 0;
    for (const block of model.blocks) {
      expect(block.offset).toBe(offset);
      expect(block.length).toBe(block.shape.reduce((x, y) => x * y, 1));
      offset += block.length;
    }
    expect(model.parameterCount).toBe(offset);
  });

  it('forward matches a naive per-sample loop (1e-14)', () => {
    const s = setup(c);
    const expected = new Float64Array(n);
    for (let k = 0; k < n; k++) expected[k] = naive(s.model, s.params, s.inputs.x.subarray(k * d, (k + 1) * d)).f;
    expect(relativeError(forward(s, s.params), expected)).toBeLessThan(1e-14);
  });

  it('jvp matches central differences of forward (≤ 1e-6 relative)', () => {
    const s = setup(c);
    const h = 1e-6;
    const plus = forward(s, shifted(s.params, s.a, h));
    const minus = forward(s, shifted(s.params, s.a, -h));
    expect(relativeError(jvp(s, s.params, s.a), plus.map((value, k) => (value - minus[k]) / (2 * h)))).toBeLessThan(1e-6);
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

  it('hvp matches central differences of vjp along v, and of wᵀJ e_j coordinate by coordinate (≤ 1e-6)', () => {
    const s = setup(c);
    const h = 1e-6;
    const exact = hvp(s, s.params, s.w, s.a);
    const plus = vjp(s, shifted(s.params, s.a, h), s.w);
    const minus = vjp(s, shifted(s.params, s.a, -h), s.w);
    expect(relativeError(exact, plus.map((value, j) => (value - minus[j]) / (2 * h)))).toBeLessThan(1e-6);
    const up = shifted(s.params, s.a, h);
    const down = shifted(s.params, s.a, -h);
    const fd = new Float64Array(s.p);
    for (let j = 0; j < s.p; j++) {
      const e = unit(s.p, j);
      fd[j] = (inner(s.w, jvp(s, up, e)) - inner(s.w, jvp(s, down, e))) / (2 * h);
    }
    expect(relativeError(exact, fd)).toBeLessThan(1e-6);
  });

  it('secondDirectional matches central differences of jvp and the second difference of forward (≤ 1e-6)', () => {
    const s = setup(c);
    const exact = secondDirectional(s, s.params, s.a);
    const h = 1e-6;
    const plus = jvp(s, shifted(s.params, s.a, h), s.a);
    const minus = jvp(s, shifted(s.params, s.a, -h), s.a);
    expect(relativeError(exact, plus.map((value, k) => (value - minus[k]) / (2 * h)))).toBeLessThan(1e-6);
    const H = 1e-4;
    const up = forward(s, shifted(s.params, s.a, H));
    const mid = forward(s, s.params);
    const down = forward(s, shifted(s.params, s.a, -H));
    expect(relativeError(exact, up.map((value, k) => (value - 2 * mid[k] + down[k]) / (H * H)))).toBeLessThan(1e-6);
  });

  it('adjoint identity ⟨g, Ja⟩ = ⟨Jᵀg, a⟩, Hessian symmetry and Σ w_k secondDirectional_k = aᵀHa (to 1e-12)', () => {
    const s = setup(c);
    const left = inner(s.g, jvp(s, s.params, s.a));
    expect(Math.abs(left - inner(vjp(s, s.params, s.g), s.a))).toBeLessThanOrEqual(1e-12 * Math.abs(left));
    const hb = inner(s.a, hvp(s, s.params, s.w, s.b));
    expect(Math.abs(hb - inner(hvp(s, s.params, s.w, s.a), s.b))).toBeLessThanOrEqual(1e-12 * Math.abs(hb));
    const quadratic = inner(s.a, hvp(s, s.params, s.w, s.a));
    expect(Math.abs(quadratic - inner(s.w, secondDirectional(s, s.params, s.a)))).toBeLessThanOrEqual(1e-12 * Math.abs(quadratic));
  });

  it('float32 parameters, inputs and vectors agree with float64 at the same values (≤ 1e-5), with float32 or float64 scratch', () => {
    const s = setup(c);
    const to32 = (array: Float64Array) => {
      const out = allocate('float32', array.length);
      out.set(array);
      return out;
    };
    const p32 = to32(s.params);
    const a32 = to32(s.a);
    const x32 = to32(s.inputs.x as Float64Array);
    const p64 = Float64Array.from(p32);
    const a64 = Float64Array.from(a32);
    const in64 = { x: Float64Array.from(x32), n };
    const in32 = { x: x32, n };
    const reference = new MlpModel(c.options);
    const out64 = new Float64Array(n);
    const grad64 = new Float64Array(s.p);
    for (const model of [new MlpModel({ ...c.options, precision: 'float32' }), new MlpModel(c.options)]) {
      const out32 = allocate('float32', n);
      const grad32 = allocate('float32', s.p);
      model.forward(p32, in32, out32);
      reference.forward(p64, in64, out64);
      expect(relativeError(out32, out64)).toBeLessThan(1e-5);
      model.jvp(p32, in32, a32, out32);
      reference.jvp(p64, in64, a64, out64);
      expect(relativeError(out32, out64)).toBeLessThan(1e-5);
      model.vjp(p32, in32, s.g, grad32);
      reference.vjp(p64, in64, s.g, grad64);
      expect(relativeError(grad32, grad64)).toBeLessThan(1e-5);
      model.hvp(p32, in32, s.w, a32, grad32);
      reference.hvp(p64, in64, s.w, a64, grad64);
      expect(relativeError(grad32, grad64)).toBeLessThan(1e-5);
      model.secondDirectional(p32, in32, a32, out32);
      reference.secondDirectional(p64, in64, a64, out64);
      expect(relativeError(out32, out64)).toBeLessThan(1e-5);
    }
  });

  it('linearize agrees with jvp/vjp (1e-14) and stays a snapshot of J at θ and X', () => {
    const s = setup(c);
    const params = Float64Array.from(s.params);
    const x = Float64Array.from(s.inputs.x);
    const inputs = { x, n };
    const linear = s.model.linearize(params, inputs);
    const ja = new Float64Array(n);
    const jtg = new Float64Array(s.p);
    linear.jvp(s.a, ja);
    linear.vjp(s.g, jtg);
    expect(relativeError(ja, jvp(s, s.params, s.a))).toBeLessThan(1e-14);
    expect(relativeError(jtg, vjp(s, s.params, s.g))).toBeLessThan(1e-14);
    params.fill(0.5);
    x.fill(-1);
    s.model.forward(params, inputs, new Float64Array(n));
    s.model.hvp(params, { x: randomVector(new Rng(2), 9 * d), n: 9 }, randomVector(new Rng(3), 9), s.a, new Float64Array(s.p));
    const again = new Float64Array(n);
    linear.jvp(s.a, again);
    expect(again).toEqual(ja);
    const back = new Float64Array(s.p);
    linear.vjp(s.g, back);
    expect(back).toEqual(jtg);
    const next = s.model.linearize(params, inputs);
    expect(next).toBe(linear);
    next.jvp(s.a, again);
    const fresh = new Float64Array(n);
    new MlpModel(c.options).jvp(params, inputs, s.a, fresh);
    expect(again).toEqual(fresh);
    expect(() => next.jvp(s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => next.vjp(s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
  });

  it('the primal cache never goes stale, and results do not depend on call history or batch size (bit for bit)', () => {
    const s = setup(c);
    const rng = new Rng(5);
    const params = Float64Array.from(s.params);
    const x = new Float64Array(3 * n * d);
    x.set(s.inputs.x);
    const all = (model: MlpModel, size: number) => {
      const inputs = { x, n: size };
      const f = new Float64Array(size);
      const jv = new Float64Array(size);
      const sd = new Float64Array(size);
      const vj = new Float64Array(s.p);
      const hv = new Float64Array(s.p);
      const g = s.g.subarray(0, size);
      model.forward(params, inputs, f);
      model.vjp(params, inputs, g, vj);
      model.jvp(params, inputs, s.a, jv);
      model.hvp(params, inputs, g, s.a, hv);
      model.secondDirectional(params, inputs, s.a, sd);
      return [f, vj, jv, hv, sd];
    };
    const first = s.model.blocks[0];
    const changes: (() => void)[] = [
      () => {},
      () => (params[first.offset + 1] += 0.25), // one first-layer weight
      () => (params[s.p - 1] -= 0.5), // the last readout parameter
      () => (params[s.model.blocks.at(-2)!.offset - 1] *= -1), // the last hidden parameter
      () => (x[n * d - 1] *= -1), // the last input feature
      () => s.model.forward(params, { x: randomVector(rng, 3 * n * d), n: 3 * n }, new Float64Array(3 * n)), // grows the scratch
      () => params.fill(0, 0, first.length), // every first-layer pre-activation at the kink (or 0)
    ];
    for (const change of changes) {
      all(s.model, n);
      change();
      expect(all(s.model, n)).toEqual(all(new MlpModel(c.options), n));
    }
    for (const size of [2, 1, 0, n]) expect(all(s.model, size)).toEqual(all(new MlpModel(c.options), size));
  });

  it('rejects buffers that are too short', () => {
    const s = setup(c);
    expect(() => s.model.forward(s.params, { x: s.inputs.x, n: n + 1 }, new Float64Array(n + 1))).toThrow(RangeError);
    expect(() => s.model.forward(s.params.subarray(1), s.inputs, new Float64Array(n))).toThrow(RangeError);
    expect(() => s.model.jvp(s.params, s.inputs, s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => s.model.vjp(s.params, s.inputs, s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
    expect(() => s.model.hvp(s.params, s.inputs, s.w, s.a.subarray(1), new Float64Array(s.p))).toThrow(RangeError);
    expect(() => s.model.secondDirectional(s.params, s.inputs, s.a, new Float64Array(n - 1))).toThrow(RangeError);
  });
});

describe('mlp with one hidden layer ≡ two-layer (papers.md §1b)', () => {
  it.each(['relu', 'tanh', 'linear'] as const)('ntk, σ_w² = 1, no biases, %s: all five products agree with TwoLayerModel to 1e-13', (activation) => {
    const m = 9;
    const rng = new Rng(3);
    const mlp = new MlpModel({ inputDim: d, widths: [m], activation, parameterization: 'ntk', weightVariance: 1 });
    const twoLayer = new TwoLayerModel({ width: m, inputDim: d, activation });
    const p = mlp.parameterCount;
    expect(p).toBe(twoLayer.parameterCount);
    const params = randomVector(rng, p);
    const inputs = { x: randomVector(rng, n * d), n };
    const a = randomVector(rng, p);
    const g = randomVector(rng, n);
    const pair = (length: number) => [new Float64Array(length), new Float64Array(length)] as const;
    let [left, right] = pair(n);
    mlp.forward(params, inputs, left);
    twoLayer.forward(params, inputs, right);
    expect(relativeError(left, right)).toBeLessThan(1e-13);
    mlp.jvp(params, inputs, a, left);
    twoLayer.jvp(params, inputs, a, right);
    expect(relativeError(left, right)).toBeLessThan(1e-13);
    mlp.secondDirectional(params, inputs, a, left);
    twoLayer.secondDirectional(params, inputs, a, right);
    expect(relativeError(left, right)).toBeLessThan(1e-13);
    [left, right] = pair(p);
    mlp.vjp(params, inputs, g, left);
    twoLayer.vjp(params, inputs, g, right);
    expect(relativeError(left, right)).toBeLessThan(1e-13);
    mlp.hvp(params, inputs, g, a, left);
    twoLayer.hvp(params, inputs, g, a, right);
    expect(relativeError(left, right)).toBeLessThan(1e-13);
  });
});

describe('mlp parameterizations: the multiplier table (mlp-parameterization.ts)', () => {
  const inputs = { inputDim: 10, widths: [64, 32, 16], weightVariance: 2, biasVariance: 0.5 };
  /** Variance of the effective weight a·W, and of the effective bias β·b. */
  const effective = (name: ParameterizationName) =>
    parameterizations[name](inputs).map((row) => [(row.weightMultiplier * row.weightStd) ** 2, (row.biasMultiplier * row.biasStd) ** 2]);

  it('standard, ntk and mup give every hidden layer the effective variances σ_w²/fan_in and σ_b²', () => {
    for (const name of ['standard', 'ntk', 'mup'] as const) {
      const rows = effective(name);
      [10, 64, 32].forEach((fanIn, l) => {
        expect(rows[l][0]).toBeCloseTo(2 / fanIn, 14);
        expect(rows[l][1]).toBeCloseTo(0.5, 14);
      });
    }
  });

  it('the readout: σ_w²/n_L in standard and ntk, σ_w²/n_L² in mup and mean-field', () => {
    expect(effective('standard')[3][0]).toBeCloseTo(2 / 16, 14);
    expect(effective('ntk')[3][0]).toBeCloseTo(2 / 16, 14);
    expect(effective('mup')[3][0]).toBeCloseTo(2 / 256, 14);
    expect(effective('mean-field')[3][0]).toBeCloseTo(2 / 256, 14);
  });

  it('multipliers: ntk σ_w/√fan_in; mup √(n_1/d), 1, 1, 1/√n_L; mean-field σ_w/√d then σ_w/fan_in', () => {
    const w = Math.SQRT2;
    expect(parameterizations.ntk(inputs).map((row) => row.weightMultiplier)).toEqual([10, 64, 32, 16].map((f) => w / Math.sqrt(f)));
    expect(parameterizations.ntk(inputs).every((row) => row.weightStd === 1 && row.biasStd === 1 && row.biasMultiplier === Math.sqrt(0.5))).toBe(true);
    expect(parameterizations.standard(inputs).every((row) => row.weightMultiplier === 1 && row.biasMultiplier === 1)).toBe(true);
    expect(parameterizations.mup(inputs).map((row) => row.weightMultiplier)).toEqual([Math.sqrt(64 / 10), 1, 1, 1 / 4]);
    expect(parameterizations.mup(inputs).map((row) => row.biasMultiplier)).toEqual([8, Math.sqrt(32), 4, 1]);
    expect(parameterizations['mean-field'](inputs).map((row) => row.weightMultiplier)).toEqual([w / Math.sqrt(10), w / 64, w / 32, w / 16]);
  });

  it('mean-field with one hidden layer is f = (σ_w/n) Σᵢ vᵢ φ(σ_w uᵢ·x/√d) (Mei et al. 2018)', () => {
    const m = 6;
    const model = new MlpModel({ inputDim: d, widths: [m], activation: 'tanh', parameterization: 'mean-field', weightVariance: 1.5 });
    const rng = new Rng(9);
    const params = new Float64Array(model.parameterCount);
    model.initialize(rng, params);
    const x = randomVector(rng, d);
    const sw = Math.sqrt(1.5);
    let f = 0;
    for (let i = 0; i < m; i++) f += params[m * d + i] * Math.tanh((sw * inner(params.subarray(i * d, (i + 1) * d), x)) / Math.sqrt(d));
    const out = new Float64Array(1);
    model.forward(params, { x, n: 1 }, out);
    expect(out[0]).toBeCloseTo((sw / m) * f, 14);
  });

  it('nu: fan-in effective variances (μP readout), and multipliers a = √λ with λ = √(n_k n_L)/(L n_{k−1}), 1/n_L', () => {
    const rows = effective('nu');
    [10, 64, 32].forEach((fanIn, l) => {
      expect(rows[l][0]).toBeCloseTo(2 / fanIn, 14);
      expect(rows[l][1]).toBeCloseTo(0.5, 14);
    });
    expect(rows[3][0]).toBeCloseTo(2 / 256, 14);
    const table = parameterizations.nu(inputs);
    const lambdas = [Math.sqrt(64 * 16) / (3 * 10), Math.sqrt(32 * 16) / (3 * 64), Math.sqrt(16 * 16) / (3 * 32), 1 / 16];
    table.forEach((row, l) => expect(row.weightMultiplier).toBeCloseTo(Math.sqrt(lambdas[l]), 14));
    expect(table.map((row) => row.biasMultiplier ** 2)).toEqual(nuLayerPlan(inputs).map((row) => row.biasLearningRate));
    expect(nuLayerPlan(inputs)[1].biasLearningRate).toBeCloseTo(Math.sqrt(32 * 16) / 3, 12);
    // With equal widths, μP's table with every hidden learning rate divided by L.
    const equal = { ...inputs, widths: [8, 8] };
    nuLayerPlan(equal).forEach((row, l) => {
      const mup = parameterizations.mup(equal)[l];
      const depthFactor = l < 2 ? 1 / 2 : 1;
      expect(row.weightLearningRate).toBeCloseTo(mup.weightMultiplier ** 2 * depthFactor, 14);
      expect(row.biasLearningRate).toBeCloseTo(mup.biasMultiplier ** 2 * depthFactor, 14);
    });
  });

  it('nuWidths: n_k = round(n_1·k^r), r = 2 by default', () => {
    expect(nuWidths(4, 3)).toEqual([3, 12, 27, 48]);
    expect(nuWidths(3, 2, 1)).toEqual([2, 4, 6]);
    expect(nuWidths(3, 5, 0)).toEqual([5, 5, 5]);
    expect(nuWidths(2, 4, 1.5)).toEqual([4, 11]);
    expect(() => nuWidths(0, 4)).toThrow(RangeError);
    expect(() => nuWidths(2, 4, -1)).toThrow(RangeError);
  });

  it('a custom table (scalings) replaces the parameterization, for νP-style per-layer factors', () => {
    const scalings = [
      { weightMultiplier: 0.5, weightStd: 1, biasMultiplier: 1, biasStd: 0 },
      { weightMultiplier: 0.25, weightStd: 1, biasMultiplier: 1, biasStd: 0 },
    ];
    const model = new MlpModel({ inputDim: d, widths: [4], scalings });
    expect(model.parameterization).toBe('custom');
    expect(model.scalings).toEqual(scalings);
    expect(() => new MlpModel({ inputDim: d, widths: [4, 4], scalings })).toThrow(RangeError);
  });
});

describe('mlp initialization', () => {
  it('is bitwise reproducible from the seed, draws each block from its own stream, and fills float32 arrays', () => {
    const options = { inputDim: 4, widths: [6, 5], activation: 'tanh', bias: true } as const;
    const model = new MlpModel(options);
    const first = new Float64Array(model.parameterCount);
    const second = new Float64Array(model.parameterCount);
    model.initialize(new Rng(5), first);
    model.initialize(new Rng(5), second);
    expect(second).toEqual(first);
    const other = new Float64Array(model.parameterCount);
    model.initialize(new Rng(6), other);
    expect(other).not.toEqual(first);
    // Without biases the weights are the same numbers.
    const noBias = new MlpModel({ ...options, bias: false, biasVariance: 0, weightVariance: model.weightVariance });
    const weightsOnly = new Float64Array(noBias.parameterCount);
    noBias.initialize(new Rng(5), weightsOnly);
    for (const block of noBias.blocks) {
      const withBias = model.blocks.find((b) => b.name === block.name)!;
      expect(weightsOnly.subarray(block.offset, block.offset + block.length)).toEqual(first.subarray(withBias.offset, withBias.offset + withBias.length));
    }
    const p32 = new Float32Array(model.parameterCount);
    model.initialize(new Rng(5), p32);
    expect(Array.from(p32)).toEqual(Array.from(Float32Array.from(first)));
  });

  it('defaults: ntk, no biases, σ_w² critical (relu 2, leaky-relu 2/(1+s²), linear 1, tanh 1; tanh with biases ≈ 1.761 at σ_b² = 0.05)', () => {
    const make = (options: Partial<MlpModelOptions>) => new MlpModel({ inputDim: 2, widths: [3], ...options });
    expect(make({}).parameterization).toBe('ntk');
    expect(make({}).bias).toBe(false);
    expect(make({}).weightVariance).toBe(2);
    expect(make({ activation: 'leaky-relu', leakySlope: 0.2 }).weightVariance).toBeCloseTo(2 / 1.04, 14);
    expect(make({ activation: 'linear' }).weightVariance).toBe(1);
    expect(make({ activation: 'tanh' }).weightVariance).toBe(1);
    const tanh = make({ activation: 'tanh', bias: true });
    expect(tanh.biasVariance).toBe(0.05);
    expect(tanh.weightVariance).toBeCloseTo(1.761, 3);
    expect(make({ weightVariance: 3, bias: true, biasVariance: 0.2 }).weightVariance).toBe(3);
    expect(() => make({ biasVariance: 0.1 })).toThrow(/needs bias/);
    expect(() => make({ widths: [] })).toThrow(RangeError);
    expect(() => make({ widths: [3, 0] })).toThrow(RangeError);
  });
});

describe('critical initialization on the edge of chaos (Poole et al. 2016; Schoenholz et al. 2017)', () => {
  it('tanh: for each σ_b², σ_w² solves χ₁(q*) = 1 at the fixed point q* of the length map (to 1e-12)', () => {
    for (const biasVariance of [0.01, 0.05, 0.1, 0.3]) {
      const weightVariance = criticalWeightVariance('tanh', biasVariance);
      const q = fixedPointLength('tanh', weightVariance, biasVariance);
      expect(Math.abs(lengthMap('tanh', weightVariance, biasVariance, q) - q)).toBeLessThan(1e-12 * q);
      expect(Math.abs(chi1('tanh', weightVariance, q) - 1)).toBeLessThan(1e-12);
    }
    // The point the issue quotes, σ_b² = 0.05 → σ_w² ≈ 1.76; and σ_b² = 0 → σ_w² = 1 (q* = 0, χ₁ = σ_w²).
    expect(criticalWeightVariance('tanh', 0.05)).toBeCloseTo(1.76095, 4);
    expect(criticalWeightVariance('tanh', 0)).toBe(1);
    // Off the line: ordered below it, chaotic above.
    const q = (w: number) => fixedPointLength('tanh', w, 0.05);
    expect(chi1('tanh', 1.5, q(1.5))).toBeLessThan(1);
    expect(chi1('tanh', 2.0, q(2.0))).toBeGreaterThan(1);
  });

  it('relu: χ₁ = σ_w²/2 for every q, so σ_w² = 2; with σ_b² = 0 the length map is the identity', () => {
    expect(criticalWeightVariance('relu', 0)).toBe(2);
    for (const q of [0.1, 1, 7]) {
      expect(chi1('relu', 2, q)).toBe(1);
      expect(lengthMap('relu', 2, 0, q)).toBeCloseTo(q, 14);
    }
    expect(criticalWeightVariance('leaky-relu', 0, 0.5)).toBeCloseTo(1.6, 14);
  });

  /**
   * Empirical check on the model's own initialization: a wide, deep random network (width 1500,
   * 12 hidden layers), two nearby inputs. The per-layer mean of z² follows the length map, and the
   * squared distance between the two inputs' pre-activations grows by χ₁ per layer: about constant
   * at the critical point, shrinking when ordered, growing when chaotic.
   */
  const width = 1500;
  const depth = 12;
  function propagate(options: Partial<MlpModelOptions>, seed: number) {
    const model = new MlpModel({ inputDim: 50, widths: Array(depth).fill(width), parameterization: 'ntk', ...options });
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(seed), params);
    const rng = new Rng(seed + 1);
    const x = randomVector(rng, 50);
    // Start on the fixed point, q¹ = σ_w²‖x‖²/d + σ_b² = q*, where χ₁ is evaluated (ntk: W, b ~ N(0, 1)).
    if (model.activation.name === 'tanh') {
      const target = fixedPointLength('tanh', model.weightVariance, model.biasVariance);
      const scale = Math.sqrt((50 * (target - model.biasVariance)) / model.weightVariance / inner(x, x));
      for (let j = 0; j < 50; j++) x[j] *= scale;
    }
    const perturbed = x.map((value) => value + 1e-4 * rng.normal());
    const a = naive(model, params, x).pre;
    const b = naive(model, params, perturbed).pre;
    const length = a.slice(0, depth).map((z) => inner(z, z) / z.length);
    const distance = a.slice(0, depth).map((z, l) => z.reduce((s, value, i) => s + (value - b[l][i]) ** 2, 0));
    return { model, length, distance };
  }

  it('relu at (2, 0): the length stays at q¹ and the distance neither vanishes nor explodes over 12 layers', () => {
    const { length, distance } = propagate({ activation: 'relu' }, 1);
    for (const q of length) expect(q / length[0]).toBeGreaterThan(0.7);
    for (const q of length) expect(q / length[0]).toBeLessThan(1.4);
    const ratio = distance[depth - 1] / distance[0];
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('tanh with biases at the critical point: q^l follows the length map, the distance is ≈ constant; off the line it is not', () => {
    const { model, length, distance } = propagate({ activation: 'tanh', bias: true }, 2);
    // One step of the map from the measured q^{l−1}: a mean over 1500 units has a relative sampling
    // error of about √(2/1500) ≈ 4%, so each layer is held to 15% and the mean over layers to 4%.
    const ratios = length.slice(1).map((q, l) => q / lengthMap('tanh', model.weightVariance, model.biasVariance, length[l]));
    for (const ratio of ratios) expect(Math.abs(ratio - 1)).toBeLessThan(0.15);
    expect(Math.abs(ratios.reduce((s, r) => s + r, 0) / ratios.length - 1)).toBeLessThan(0.04);
    const critical = distance[depth - 1] / distance[0];
    expect(critical).toBeGreaterThan(0.5);
    expect(critical).toBeLessThan(2);
    // Off the line the distance changes by χ₁ per layer (0.85 and 1.21 here), started on each one's q*.
    for (const weightVariance of [1.2, 3]) {
      const off = propagate({ activation: 'tanh', bias: true, weightVariance }, 2).distance;
      const expected = chi1('tanh', weightVariance, fixedPointLength('tanh', weightVariance, 0.05)) ** (depth - 1);
      expect(Math.abs(off[depth - 1] / off[0] / expected - 1)).toBeLessThan(0.25);
    }
  });
});

describe('mlp options (model: { use: mlp, ... })', () => {
  const parse = (input: unknown) => mlpModel.options.onUndeclaredKey('reject')(input);
  const summary = (input: unknown): string => {
    const result = parse(input);
    expect(result).toBeInstanceOf(type.errors);
    return (result as type.errors).summary;
  };

  it('fills the defaults: relu, ntk, no biases, leakySlope 0.01; σ² left to the model', () => {
    expect(parse({ depth: 3, width: 8 })).toEqual({ depth: 3, width: 8, activation: 'relu', leakySlope: 0.01, parameterization: 'ntk', bias: false });
    expect(parse({ widths: [4, 2], activation: 'tanh', parameterization: 'mup', bias: true, biasVariance: 0.1, weightVariance: 2 })).toEqual({
      widths: [4, 2],
      activation: 'tanh',
      leakySlope: 0.01,
      parameterization: 'mup',
      bias: true,
      biasVariance: 0.1,
      weightVariance: 2,
    });
  });

  it('needs widths, or depth and width, not both', () => {
    expect(summary({ width: 8 })).toContain('depth');
    expect(summary({ depth: 2 })).toContain('width');
    expect(summary({ widths: [3], depth: 2, width: 3 })).toContain('widths');
    expect(summary({ widths: [] })).toContain('widths');
    expect(summary({ widths: [3, 2.5] })).toContain('widths[1]');
  });

  it('rejects unknown activations, parameterizations and keys, and a biasVariance without biases', () => {
    expect(summary({ depth: 1, width: 2, activation: 'gelu' })).toContain('activation');
    expect(summary({ depth: 1, width: 2, parameterization: 'nup' })).toContain('parameterization');
    expect(summary({ depth: 1, width: 2, heads: 4 })).toContain('heads');
    expect(summary({ depth: 1, width: 2, biasVariance: 0.1 })).toContain('biasVariance');
    expect(summary({ depth: 1, width: 2, weightVariance: 0 })).toContain('weightVariance');
  });

  it('nu: depth and width give n_k = width·k^widthExponent (default 2); widthExponent needs nu with depth and width', () => {
    expect(parse({ depth: 3, width: 2, parameterization: 'nu', widthExponent: 1 })).toMatchObject({ parameterization: 'nu', widthExponent: 1 });
    expect(summary({ depth: 3, width: 2, widthExponent: 1 })).toContain('widthExponent');
    expect(summary({ widths: [2, 3], parameterization: 'nu', widthExponent: 1 })).toContain('widthExponent');
    expect(summary({ depth: 3, width: 2, parameterization: 'nu', widthExponent: -1 })).toContain('widthExponent');
    const context = { inputDim: 3, precision: 'float64' } as unknown as ModelContext;
    const build = (input: unknown) => {
      const options = parse(input);
      if (options instanceof type.errors) throw new Error(options.summary);
      return mlpModel.create(options, context) as MlpModel;
    };
    expect(build({ depth: 3, width: 2, parameterization: 'nu' }).widths).toEqual([2, 8, 18]);
    expect(build({ depth: 3, width: 2, parameterization: 'nu', widthExponent: 1 }).widths).toEqual([2, 4, 6]);
    expect(build({ widths: [5, 3], parameterization: 'nu' }).widths).toEqual([5, 3]);
    expect(build({ depth: 3, width: 2, parameterization: 'ntk' }).widths).toEqual([2, 2, 2]);
    expect(build({ depth: 2, width: 2, parameterization: 'nu' }).parameterization).toBe('nu');
  });

  it('create() builds the MLP for the data set’s input dimension and the run’s precision', () => {
    const context = {
      runId: 'test',
      spec: {},
      precision: 'float32',
      rng: (purpose: string) => new Rng(0).derive(purpose),
      baseDir: '.',
      outDir: undefined,
      inputDim: 4,
      createModel: () => {
        throw new Error('mlp has no nested sections');
      },
    } as unknown as ModelContext;
    const options = parse({ depth: 2, width: 6, bias: true });
    if (options instanceof type.errors) throw new Error(options.summary);
    const model = mlpModel.create(options, context) as MlpModel;
    expect(model).toBeInstanceOf(MlpModel);
    expect(model.widths).toEqual([6, 6]);
    expect(model.inputDim).toBe(4);
    expect(model.blocks.map((block) => block.name)).toEqual([
      'layer1.weight',
      'layer1.bias',
      'layer2.weight',
      'layer2.bias',
      'readout.weight',
      'readout.bias',
    ]);
    const params = new Float32Array(model.parameterCount);
    model.initialize(context.rng('model'), params);
    const out = new Float32Array(2);
    model.forward(params, { x: Float32Array.of(1, 0, -1, 2, 0.5, 0.5, 0.5, 0.5), n: 2 }, out);
    expect(Array.from(out).every(Number.isFinite)).toBe(true);
  });
});

describe('MlpModel.preactivationSparsity (papers.md §2)', () => {
  it('one hidden layer (ntk, σ_w² = 1, no bias) equals the two-layer model on the same parameters', () => {
    const [m, d, n] = [40, 3, 9];
    const mlp = new MlpModel({ widths: [m], inputDim: d, activation: 'relu', parameterization: 'ntk', weightVariance: 1, bias: false });
    const net = new TwoLayerModel({ width: m, inputDim: d, activation: 'relu' });
    const params = new Float64Array(mlp.parameterCount);
    mlp.initialize(new Rng(4), params);
    const x = new Float64Array(n * d);
    new Rng(5).fillNormal(x);
    const got = new Float64Array(1);
    const want = new Float64Array(1);
    mlp.preactivationSparsity(params, { x, n }, got);
    net.preactivationSparsity(params, { x, n }, want);
    expect(mlp.hiddenLayers).toEqual(['layer1']);
    expect(got[0]).toBe(want[0]);
    expect(got[0]).toBeGreaterThan(0.2);
    expect(got[0]).toBeLessThan(0.8);
  });

  it('per layer: a large positive bias makes a layer dense (0), a large negative one fully sparse (1)', () => {
    const model = new MlpModel({ widths: [6, 5], inputDim: 3, activation: 'tanh', parameterization: 'standard', bias: true, biasVariance: 1 });
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(4), params);
    const x = new Float64Array(7 * 3);
    new Rng(5).fillNormal(x);
    const bias = (name: string) => model.blocks.find((block) => block.name === name)!;
    const set = (name: string, value: number) => {
      const block = bias(name);
      params.fill(value, block.offset, block.offset + block.length);
    };
    const out = new Float64Array(2);
    set('layer1.bias', 1e3);
    set('layer2.bias', -1e3);
    model.preactivationSparsity(params, { x, n: 7 }, out);
    expect(model.hiddenLayers).toEqual(['layer1', 'layer2']);
    expect(Array.from(out)).toEqual([0, 1]);
  });
});
