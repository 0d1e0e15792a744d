import { ContributionRegistry, type DifferentiableModel, type ModelContext } from '@tdlab/core';
import { checkModelDerivatives, derivativeCheckNames, maxRelativeError, modelProducts, randomNormalVector } from '@tdlab/core/testing';
import { allocate, type FloatArray, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import modelsPlugin, { MeanFieldTwoLayerModel, meanFieldTwoLayerModel } from './index.js';

/*
 * The mean-field two-layer ReLU net of Pellegrini & Biroli (papers.md §3, §6):
 * f(x) = (1/(αM)) Σᵢ aᵢ ReLU(wᵢ·x/√d), blocks a (M) then w (M×d), timeScale = αM.
 */

const n = 5;
const d = 3;
const m = 7;

/** f(θ; x) as a plain per-sample loop, independent of the model's code. */
function naive(params: ArrayLike<number>, x: ArrayLike<number>, width: number, dim: number, alpha: number): number {
  let f = 0;
  for (let i = 0; i < width; i++) {
    let z = 0;
    for (let j = 0; j < dim; j++) z += params[width + i * dim + j] * x[j];
    f += params[i] * Math.max(0, z / Math.sqrt(dim));
  }
  return f / (alpha * width);
}

interface Setup {
  model: MeanFieldTwoLayerModel;
  p: number;
  params: Float64Array;
  inputs: { x: Float64Array; n: number };
  a: Float64Array;
  b: Float64Array;
  g: Float64Array;
  w: Float64Array;
}

function setup(alpha = 0.7, seed = 11): Setup {
  const rng = new Rng(seed);
  const model = new MeanFieldTwoLayerModel({ width: m, inputDim: d, alpha });
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

function context(inputDim: number, precision: 'float64' | 'float32' = 'float64'): ModelContext {
  return {
    runId: 'test',
    spec: {} as ModelContext['spec'],
    precision,
    rng: (purpose: string) => new Rng(0).derive(purpose),
    baseDir: '.',
    outDir: undefined,
    inputDim,
    createModel: () => {
      throw new Error('no nested sections');
    },
  };
}

describe('mean-field-two-layer: layout, time scale, helpers', () => {
  it('has blocks "a" [M] then "w" [M, d], timeScale = αM, and the unit helpers read that layout', () => {
    const { model, params } = setup(0.7);
    expect(model.parameterCount).toBe(m + m * d);
    expect(model.inputDim).toBe(d);
    expect(model.width).toBe(m);
    expect(model.alpha).toBe(0.7);
    expect(model.blocks).toEqual([
      { name: 'a', offset: 0, length: m, shape: [m] },
      { name: 'w', offset: m, length: m * d, shape: [m, d] },
    ]);
    expect(model.timeScale).toBeCloseTo(0.7 * m, 14);
    expect(new MeanFieldTwoLayerModel({ width: 400, inputDim: 20, alpha: 0.01 }).timeScale).toBeCloseTo(4, 14);
    expect(new MeanFieldTwoLayerModel({ width: 400, inputDim: 20 }).timeScale).toBe(400);
    expect(model.hiddenLayers).toEqual(['hidden']);
    for (let i = 0; i < m; i++) {
      expect(model.unitA(params, i)).toBe(params[i]);
      expect(model.wOffset(i)).toBe(m + i * d);
      let norm = 0;
      for (let j = 0; j < d; j++) norm += params[m + i * d + j] ** 2;
      expect(model.unitWNormSquared(params, i)).toBeCloseTo(norm, 14);
      expect(model.unitInvariant(params, i)).toBeCloseTo(params[i] ** 2 - norm, 14);
    }
  });

  it.each([
    [{ width: 0, inputDim: 3 }, 'width'],
    [{ width: 2.5, inputDim: 3 }, 'width'],
    [{ width: 3, inputDim: 0 }, 'inputDim'],
    [{ width: 3, inputDim: 3, alpha: 0 }, 'alpha'],
    [{ width: 3, inputDim: 3, alpha: Number.NaN }, 'alpha'],
    [{ width: 3, inputDim: 3, initScale: { a: -1 } }, 'initScale.a'],
    [{ width: 3, inputDim: 3, initScale: { w: Number.POSITIVE_INFINITY } }, 'initScale.w'],
  ])('rejects %j, naming %s', (options, field) => {
    expect(() => new MeanFieldTwoLayerModel(options)).toThrow(field);
  });
});

describe.each([0.05, 0.7, 10])('mean-field-two-layer α = %s: products', (alpha) => {
  it('forward matches a naive per-sample loop (1e-14)', () => {
    const s = setup(alpha);
    const expected = new Float64Array(n);
    for (let k = 0; k < n; k++) expected[k] = naive(s.params, s.inputs.x.subarray(k * d, (k + 1) * d), m, d, alpha);
    expect(maxRelativeError(modelProducts(s.model, s.inputs).forward(s.params), expected)).toBeLessThan(1e-14);
  });

  it.each(derivativeCheckNames)('%s: derivative check (checkModelDerivatives, h = 1e-6, ≤ 1e-6 relative; identities to 1e-12)', (check) => {
    const s = setup(alpha);
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
      forwardReference: (params) => Array.from({ length: n }, (_, k) => naive(params, s.inputs.x.subarray(k * d, (k + 1) * d), m, d, alpha)),
    });
  });
});

describe('mean-field-two-layer: scratch, cache, linearize, precision', () => {
  it('ReLU′(0) = 0: with w = 0 every output and every derivative product is 0', () => {
    const s = setup();
    const params = Float64Array.from(s.params).fill(0, m);
    const products = modelProducts(s.model, s.inputs);
    expect([...products.forward(params)]).toEqual(new Array(n).fill(0));
    expect(products.jvp(params, s.a).every((v) => v === 0)).toBe(true);
    expect(products.vjp(params, s.g).every((v) => v === 0)).toBe(true);
    expect(products.hvp(params, s.w, s.a).every((v) => v === 0)).toBe(true);
    expect(products.secondDirectional(params, s.a).every((v) => v === 0)).toBe(true);
  });

  it('scratch grows with the batch and results do not depend on call history (n = 2, 5, 1, 0)', () => {
    const s = setup();
    for (const size of [2, n, 1, 0]) {
      const inputs = { x: s.inputs.x, n: size };
      const out = new Float64Array(size);
      const reference = new Float64Array(size);
      s.model.secondDirectional(s.params, inputs, s.a, out);
      new MeanFieldTwoLayerModel({ width: m, inputDim: d, alpha: 0.7 }).secondDirectional(s.params, inputs, s.a, reference);
      expect(out).toEqual(reference);
      const grad = new Float64Array(s.p).fill(Number.NaN);
      s.model.vjp(s.params, inputs, s.g, grad);
      if (size === 0) expect(grad.every((value) => value === 0)).toBe(true);
      else expect(grad.every(Number.isFinite)).toBe(true);
    }
  });

  it('the primal cache never goes stale: θ and X changed in place, other batches interleaved (bit for bit)', () => {
    const s = setup();
    const params = Float64Array.from(s.params);
    const x = Float64Array.from(s.inputs.x);
    const inputs = { x, n };
    const other = { x: randomNormalVector(new Rng(5), 2 * n * d), n: 2 * n };
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
    const fresh = () => new MeanFieldTwoLayerModel({ width: m, inputDim: d, alpha: 0.7 });
    const changes: (() => void)[] = [
      () => {},
      () => (params[0] += 0.25), // one a
      () => (params[s.p - 1] -= 0.5), // one entry of w
      () => (x[n * d - 1] *= -1),
      () => s.model.forward(params, other, new Float64Array(2 * n)),
      () => params.fill(0, m),
    ];
    for (const change of changes) {
      all(s.model);
      change();
      expect(all(s.model)).toEqual(all(fresh()));
    }
  });

  it('linearize agrees with jvp/vjp (1e-14) and stays a snapshot of J at θ', () => {
    const s = setup();
    const params = Float64Array.from(s.params);
    const x = Float64Array.from(s.inputs.x);
    const inputs = { x, n };
    const products = modelProducts(s.model, s.inputs);
    const linear = s.model.linearize(params, inputs);
    const ja = new Float64Array(n);
    const jtg = new Float64Array(s.p);
    linear.jvp(s.a, ja);
    linear.vjp(s.g, jtg);
    expect(maxRelativeError(ja, products.jvp(s.params, s.a))).toBeLessThan(1e-14);
    expect(maxRelativeError(jtg, products.vjp(s.params, s.g))).toBeLessThan(1e-14);
    params.fill(1);
    x.fill(-1);
    s.model.forward(params, inputs, new Float64Array(n));
    const again = new Float64Array(n);
    linear.jvp(s.a, again);
    expect(again).toEqual(ja);
    const back = new Float64Array(s.p);
    linear.vjp(s.g, back);
    expect(back).toEqual(jtg);
    expect(s.model.linearize(params, inputs)).toBe(linear);
    expect(() => linear.jvp(s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => linear.vjp(s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
  });

  it('rejects buffers that are too short', () => {
    const s = setup();
    expect(() => s.model.forward(s.params, { x: s.inputs.x, n: n + 1 }, new Float64Array(n + 1))).toThrow(RangeError);
    expect(() => s.model.forward(s.params.subarray(1), s.inputs, new Float64Array(n))).toThrow(RangeError);
    expect(() => s.model.jvp(s.params, s.inputs, s.a, new Float64Array(n - 1))).toThrow(RangeError);
    expect(() => s.model.vjp(s.params, s.inputs, s.g, new Float64Array(s.p - 1))).toThrow(RangeError);
  });

  it('float32: a float32-precision model on float32 θ, x and tangents is within 1e-5 of float64 (and so is the float64 model on float32 arrays)', () => {
    // Wider than the other tests so the gemms take the float32 WASM path where available.
    const width = 64;
    const dim = 12;
    const batch = 16;
    const rng = new Rng(3);
    const model64 = new MeanFieldTwoLayerModel({ width, inputDim: dim, alpha: 0.5 });
    const model32 = new MeanFieldTwoLayerModel({ width, inputDim: dim, alpha: 0.5, precision: 'float32' });
    const p = model64.parameterCount;
    const p32 = allocate('float32', p);
    model64.initialize(rng, p32);
    const a32 = allocate('float32', p);
    a32.set(randomNormalVector(rng, p));
    const x32 = allocate('float32', batch * dim);
    x32.set(randomNormalVector(rng, batch * dim));
    const g = randomNormalVector(rng, batch);
    const p64 = Float64Array.from(p32);
    const a64 = Float64Array.from(a32);
    const in64 = { x: Float64Array.from(x32), n: batch };
    const in32 = { x: x32, n: batch };
    const out32 = allocate('float32', batch);
    const out64 = new Float64Array(batch);
    const grad32 = allocate('float32', p);
    const grad64 = new Float64Array(p);
    const reference = new MeanFieldTwoLayerModel({ width, inputDim: dim, alpha: 0.5 });
    for (const model of [model32, model64]) {
      const pairs: [(out: FloatArray) => void, (out: FloatArray) => void, FloatArray, FloatArray][] = [
        [(out) => model.forward(p32, in32, out), (out) => reference.forward(p64, in64, out), out32, out64],
        [(out) => model.jvp(p32, in32, a32, out), (out) => reference.jvp(p64, in64, a64, out), out32, out64],
        [(out) => model.secondDirectional(p32, in32, a32, out), (out) => reference.secondDirectional(p64, in64, a64, out), out32, out64],
        [(out) => model.vjp(p32, in32, g, out), (out) => reference.vjp(p64, in64, g, out), grad32, grad64],
        [(out) => model.hvp(p32, in32, g, a32, out), (out) => reference.hvp(p64, in64, g, a64, out), grad32, grad64],
      ];
      for (const [got, want, outGot, outWant] of pairs) {
        got(outGot);
        want(outWant);
        expect(maxRelativeError(outGot, outWant)).toBeLessThan(1e-5);
      }
    }
  });

  it('preactivationSparsity is the fraction of wᵢ·x_k ≤ 0', () => {
    const s = setup();
    const out = new Float64Array(1);
    s.model.preactivationSparsity(s.params, s.inputs, out);
    let sparse = 0;
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < m; i++) {
        let z = 0;
        for (let j = 0; j < d; j++) z += s.params[m + i * d + j] * s.inputs.x[k * d + j];
        if (z <= 0) sparse++;
      }
    }
    expect(out[0]).toBe(sparse / (n * m));
    s.model.preactivationSparsity(Float64Array.from(s.params).fill(0, m), s.inputs, out);
    expect(out[0]).toBe(1);
  });
});

describe('mean-field-two-layer: initialization a ~ N(0, σ_a²), w ~ N(0, σ_w² I)', () => {
  const moments = (values: ArrayLike<number>) => {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < values.length; i++) {
      sum += values[i];
      squares += values[i] * values[i];
    }
    return { mean: sum / values.length, variance: squares / values.length - (sum / values.length) ** 2 };
  };

  it.each([
    [undefined, 1, 1],
    [{ a: 0.5, w: 2 }, 0.5, 2],
    [{ w: 0.1 }, 1, 0.1],
  ])('initScale %j: sample mean and variance of a (M = 4000) and w (M·d = 80000) within 5 s.e.', (initScale, sa, sw) => {
    const width = 4000;
    const dim = 20;
    const model = new MeanFieldTwoLayerModel({ width, inputDim: dim, initScale });
    expect(model.initScale).toEqual({ a: sa, w: sw });
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(1), params);
    const a = moments(params.subarray(0, width));
    const w = moments(params.subarray(width));
    // s.e. of the mean σ/√N, of the variance σ²·√(2/N).
    expect(Math.abs(a.mean)).toBeLessThan((5 * sa) / Math.sqrt(width));
    expect(Math.abs(a.variance / sa ** 2 - 1)).toBeLessThan(5 * Math.sqrt(2 / width));
    expect(Math.abs(w.mean)).toBeLessThan((5 * sw) / Math.sqrt(width * dim));
    expect(Math.abs(w.variance / sw ** 2 - 1)).toBeLessThan(5 * Math.sqrt(2 / (width * dim)));
    // a is drawn first, then w, from one stream: same seed ⇒ the same a whatever σ_w.
    const other = new Float64Array(model.parameterCount);
    new MeanFieldTwoLayerModel({ width, inputDim: dim, initScale: { a: sa, w: 3 } }).initialize(new Rng(1), other);
    expect(other.subarray(0, width)).toEqual(params.subarray(0, width));
  });
});

describe('mean-field-two-layer: mean linear hinge dynamics (papers.md §3)', () => {
  const width = 40;
  const dim = 10;
  const samples = 200;
  const h = 1;

  /** y = sign(x₁), x ~ N(0, I_d). */
  function data(seed: number) {
    const rng = new Rng(seed);
    const x = randomNormalVector(rng, samples * dim);
    const y = new Float64Array(samples);
    for (let k = 0; k < samples; k++) y[k] = x[k * dim] < 0 ? -1 : 1;
    return { x, y };
  }

  /** ∂L/∂f_k = −y_k·1{y_k f_k < h}/n for L = (1/n) Σ (h − y f)·θ(h − y f). */
  function hingeCotangent(f: Float64Array, y: Float64Array, out: Float64Array): number {
    let unsatisfied = 0;
    for (let k = 0; k < samples; k++) {
      const u = y[k] * f[k] < h ? 1 : 0;
      unsatisfied += u;
      out[k] = (-y[k] * u) / samples;
    }
    return unsatisfied;
  }

  it('αM·(−∇L) is the mean-field velocity ȧᵢ = (1/√d) wᵢ·⟨u y θ(wᵢ·x) x⟩, ẇᵢ = (1/√d) aᵢ⟨u y θ(wᵢ·x) x⟩', () => {
    const alpha = 0.3;
    const model = new MeanFieldTwoLayerModel({ width, inputDim: dim, alpha });
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(2), params);
    const { x, y } = data(3);
    const inputs = { x, n: samples };
    const f = new Float64Array(samples);
    model.forward(params, inputs, f);
    const cotangent = new Float64Array(samples);
    hingeCotangent(f, y, cotangent);
    const grad = new Float64Array(model.parameterCount);
    model.vjp(params, inputs, cotangent, grad);
    const velocity = grad.map((g) => -model.timeScale * g);
    const expected = new Float64Array(model.parameterCount);
    for (let i = 0; i < width; i++) {
      const force = new Float64Array(dim); // ⟨u y θ(wᵢ·x) x⟩
      for (let k = 0; k < samples; k++) {
        let z = 0;
        for (let j = 0; j < dim; j++) z += params[model.wOffset(i) + j] * x[k * dim + j];
        if (!(z > 0) || !(y[k] * f[k] < h)) continue;
        for (let j = 0; j < dim; j++) force[j] += (y[k] * x[k * dim + j]) / samples;
      }
      let dot = 0;
      for (let j = 0; j < dim; j++) {
        dot += params[model.wOffset(i) + j] * force[j];
        expected[model.wOffset(i) + j] = (model.unitA(params, i) * force[j]) / Math.sqrt(dim);
      }
      expected[i] = dot / Math.sqrt(dim);
    }
    expect(maxRelativeError(velocity, expected)).toBeLessThan(1e-12);
  });

  /** Explicit Euler in mean-field time (η = dt·αM), returning max_i |Δ(aᵢ² − ‖wᵢ‖²)| and max_i |Δaᵢ| over total time T. */
  function run(alpha: number, dt: number, total: number) {
    const model = new MeanFieldTwoLayerModel({ width, inputDim: dim, alpha });
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(4), params);
    const initial = Float64Array.from(params);
    const { x, y } = data(5);
    const inputs = { x, n: samples };
    const f = new Float64Array(samples);
    const cotangent = new Float64Array(samples);
    const grad = new Float64Array(model.parameterCount);
    const lr = dt * model.timeScale;
    const steps = Math.round(total / dt);
    let firstUnsatisfied = -1;
    let lastUnsatisfied = -1;
    for (let step = 0; step < steps; step++) {
      model.forward(params, inputs, f);
      lastUnsatisfied = hingeCotangent(f, y, cotangent);
      if (step === 0) firstUnsatisfied = lastUnsatisfied;
      model.vjp(params, inputs, cotangent, grad);
      for (let j = 0; j < params.length; j++) params[j] -= lr * grad[j];
    }
    let drift = 0;
    let moved = 0;
    for (let i = 0; i < width; i++) {
      drift = Math.max(drift, Math.abs(model.unitInvariant(params, i) - model.unitInvariant(initial, i)));
      moved = Math.max(moved, Math.abs(params[i] - initial[i]));
    }
    return { drift, moved, firstUnsatisfied, lastUnsatisfied };
  }

  it.each([0.1, 1])('α = %s: 400 Euler steps (dt = 1e-3) move aᵢ by O(0.1) but aᵢ² − ‖wᵢ‖² by < 1% of that, and the drift is O(dt)', (alpha) => {
    const coarse = run(alpha, 1e-3, 0.4);
    expect(coarse.moved).toBeGreaterThan(0.03);
    expect(coarse.drift).toBeLessThan(1e-2 * coarse.moved);
    expect(coarse.lastUnsatisfied).toBeLessThanOrEqual(coarse.firstUnsatisfied);
    // Half the step over the same time: the drift (a sum of O(dt²) per-step terms) halves.
    const fine = run(alpha, 5e-4, 0.4);
    expect(Math.abs(fine.moved / coarse.moved - 1)).toBeLessThan(0.05);
    expect(fine.drift / coarse.drift).toBeGreaterThan(0.4);
    expect(fine.drift / coarse.drift).toBeLessThan(0.6);
  });
});

describe('mean-field-two-layer contribution', () => {
  it('is registered by the models plugin', () => {
    const registry = new ContributionRegistry();
    registry.register(modelsPlugin);
    expect(registry.find('model', 'mean-field-two-layer')?.contribution).toBe(meanFieldTwoLayerModel);
  });

  it('fills alpha = 1, passes initScale and the run precision, and builds a model of the data set’s input dimension', () => {
    expect(meanFieldTwoLayerModel.options({ width: 400 })).toEqual({ width: 400, alpha: 1 });
    const options = meanFieldTwoLayerModel.options({ width: 4, alpha: 0.1, initScale: { a: 0.5 } });
    expect(options).toEqual({ width: 4, alpha: 0.1, initScale: { a: 0.5 } });
    const model = meanFieldTwoLayerModel.create(options as never, context(3)) as MeanFieldTwoLayerModel;
    expect(model).toBeInstanceOf(MeanFieldTwoLayerModel);
    expect(model.inputDim).toBe(3);
    expect(model.parameterCount).toBe(16);
    expect(model.timeScale).toBeCloseTo(0.4, 15);
    expect(model.initScale).toEqual({ a: 0.5, w: 1 });
    const model32 = meanFieldTwoLayerModel.create(options as never, context(3, 'float32'));
    const params = allocate('float32', 16);
    model32.initialize(new Rng(0), params);
    const out = allocate('float32', 1);
    model32.forward(params, { x: Float32Array.of(1, 2, 3), n: 1 }, out);
    expect(out[0]).toBeCloseTo(naive(params, [1, 2, 3], 4, 3, 0.1), 5);
  });

  it.each([{ width: 0 }, { width: 3, alpha: 0 }, { width: 3, alpha: -1 }, { width: 3, initScale: { a: -1 } }, { width: 3, initScale: { b: 1 } }, {}])(
    'rejects %j',
    (input) => {
      expect(meanFieldTwoLayerModel.options.onUndeclaredKey('reject')(input)).toBeInstanceOf(type.errors);
    },
  );
});
