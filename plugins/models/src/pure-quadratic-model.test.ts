import { ContributionRegistry } from '@tdlab/core';
import { innerProduct, testModelContext } from '@tdlab/core/testing';
import { gemm, Rng, symmetricEigen } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import modelsPlugin from './index.js';
import { META_FEATURE_STREAM, pureQuadraticModel } from './pure-quadratic-contribution.js';
import { drawKeptIndices, drawPureQuadraticStructure, PureQuadraticModel } from './pure-quadratic-model.js';

/* Meltzer et al.'s quadratic model (papers.md §2): structure, NTK closed form, exact dynamics, options. */

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

function square(matrix: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  gemm(false, false, n, n, n, 1, matrix, matrix, 0, out);
  return out;
}

function times(matrix: Float64Array, v: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i] += matrix[i * n + j] * v[j];
  return out;
}

function expectOptions(input: object) {
  const options = pureQuadraticModel.options.onUndeclaredKey('reject')(input);
  if (options instanceof type.errors) throw new Error(options.summary);
  return options;
}

describe('meta-feature matrices Wᵢ = Qᵢ diag(s, −s) Qᵢᵀ (papers.md §2)', () => {
  it('with |s| = 1: each Wᵢ is symmetric with Wᵢ² = I and trace 0, so ψ(x)² = I for d = 1, x = 1', () => {
    const n = 60;
    const structure = drawPureQuadraticStructure(new Rng(1), { inputDim: 2, width: n });
    for (let i = 0; i < 2; i++) {
      const w = structure.meta.subarray(i * n * n, (i + 1) * n * n);
      const w2 = square(Float64Array.from(w), n);
      let [trace, asymmetry, error] = [0, 0, 0];
      for (let a = 0; a < n; a++) {
        trace += w[a * n + a];
        for (let b = 0; b < n; b++) {
          asymmetry = Math.max(asymmetry, Math.abs(w[a * n + b] - w[b * n + a]));
          error = Math.max(error, Math.abs(w2[a * n + b] - (a === b ? 1 : 0)));
        }
      }
      expect(asymmetry).toBe(0);
      expect(Math.abs(trace)).toBeLessThan(1e-12);
      expect(error).toBeLessThan(1e-12);
    }
  });

  it('with s ~ U[0.5, 2]: the spectrum is n/2 values in [0.5, 2] and their negatives (1e-12)', () => {
    const n = 40;
    const structure = drawPureQuadraticStructure(new Rng(2), { inputDim: 1, width: n, eigenvalueRange: [0.5, 2] });
    const values = Array.from(symmetricEigen(structure.meta, n).values).sort((x, y) => x - y);
    for (let a = 0; a < n / 2; a++) {
      expect(Math.abs(values[a] + values[n - 1 - a])).toBeLessThan(1e-12);
      expect(values[n - 1 - a]).toBeGreaterThanOrEqual(0.5 - 1e-12);
      expect(values[n - 1 - a]).toBeLessThanOrEqual(2 + 1e-12);
    }
  });

  it('is reproducible from the stream (teacher and student draw the same Wᵢ and U); another seed differs', () => {
    const options = { inputDim: 3, width: 10, features: 4 };
    const first = drawPureQuadraticStructure(new Rng(5).derive(META_FEATURE_STREAM), options);
    const again = drawPureQuadraticStructure(new Rng(5).derive(META_FEATURE_STREAM), options);
    const other = drawPureQuadraticStructure(new Rng(6).derive(META_FEATURE_STREAM), options);
    expect(again).toEqual(first);
    expect(other.meta).not.toEqual(first.meta);
    expect(first.meta.length).toBe(3 * 100);
    expect(first.featureMatrix.length).toBe(12);
  });

  it('rejects an odd width, a negative feature count and an inverted eigenvalue range', () => {
    expect(() => drawPureQuadraticStructure(new Rng(0), { inputDim: 1, width: 5 })).toThrow(/even/);
    expect(() => drawPureQuadraticStructure(new Rng(0), { inputDim: 1, width: 4, features: -1 })).toThrow(/features/);
    expect(() => drawPureQuadraticStructure(new Rng(0), { inputDim: 1, width: 4, eigenvalueRange: [2, 1] })).toThrow(/eigenvalueRange/);
  });
});

describe('pure-quadratic model (papers.md §2)', () => {
  const d = 3;
  const structure = drawPureQuadraticStructure(new Rng(3), { inputDim: d, width: 12, features: 6 });
  const batch = 5;
  const x = new Float64Array(batch * d).map(() => 0);
  new Rng(4).fillNormal(x);
  const inputs = { x, n: batch };

  it.each(['identity', 'tanh'] as const)(
    'closed-form NTK K_ab = ζ² θᵀψ(x_a)ψ(x_b)θ + φ(x_a)·φ(x_b) equals J Jᵀ from jvp(vjp(e_b)) (g = %s, masked student, 1e-12)',
    (activation) => {
      const model = new PureQuadraticModel({ structure, activation, metaIndices: drawKeptIndices(new Rng(1), 12, 3), featureIndices: drawKeptIndices(new Rng(2), 6, 2) });
      const ns = model.width;
      const params = new Float64Array(model.parameterCount);
      model.initialize(new Rng(5), params);
      const theta = params.subarray(0, ns);
      const theta2 = Array.from({ length: batch }, (_, k) => times(model.metaFeature(x.subarray(k * d, (k + 1) * d)), theta, ns));
      const phis = Array.from({ length: batch }, (_, k) => model.featureMap(x.subarray(k * d, (k + 1) * d)));
      const row = new Float64Array(model.parameterCount);
      const column = new Float64Array(batch);
      for (let b = 0; b < batch; b++) {
        const e = new Float64Array(batch);
        e[b] = 1;
        model.vjp(params, inputs, e, row);
        model.jvp(params, inputs, row, column);
        for (let a = 0; a < batch; a++) {
          const closed = model.zeta ** 2 * innerProduct(theta2[a], theta2[b]) + innerProduct(phis[a], phis[b]);
          expect(Math.abs(column[a] - closed)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(closed)));
        }
      }
    },
  );

  it('the Hessian of z(x_k) is ζψ(x_k) on θ and zero on θ_f; forward is (ζ/2)θᵀψθ + θ_f·φ', () => {
    const model = new PureQuadraticModel({ structure });
    const ns = model.width;
    const params = new Float64Array(model.parameterCount);
    model.initialize(new Rng(6), params);
    const v = new Float64Array(model.parameterCount);
    new Rng(7).fillNormal(v);
    const out = new Float64Array(model.parameterCount);
    const z = new Float64Array(batch);
    model.forward(params, inputs, z);
    for (let k = 0; k < batch; k++) {
      const weights = new Float64Array(batch);
      weights[k] = 1;
      model.hvp(params, inputs, weights, v, out);
      const psi = model.metaFeature(x.subarray(k * d, (k + 1) * d));
      const expected = times(psi, v, ns).map((value) => model.zeta * value);
      for (let a = 0; a < ns; a++) expect(Math.abs(out[a] - expected[a])).toBeLessThan(1e-13);
      for (let c = ns; c < model.parameterCount; c++) expect(out[c]).toBe(0);
      const theta = params.subarray(0, ns);
      const zk = (model.zeta / 2) * innerProduct(theta, times(psi, theta, ns)) + innerProduct(params.subarray(ns), model.featureMap(x.subarray(k * d, (k + 1) * d)));
      expect(relative(z[k], zk)).toBeLessThan(1e-13);
    }
  });

  it('a student keeps the principal submatrix of ψ and the columns of φ, with ζ = ((n − masks)/2)^{-1/2}', () => {
    const teacher = new PureQuadraticModel({ structure });
    const kept = drawKeptIndices(new Rng(8), 12, 4);
    const keptFeatures = drawKeptIndices(new Rng(9), 6, 3);
    expect(Array.from(kept)).toEqual([...kept].sort((a, b) => a - b));
    expect(new Set(kept).size).toBe(8);
    const student = new PureQuadraticModel({ structure, metaIndices: kept, featureIndices: keptFeatures });
    expect(teacher.zeta).toBeCloseTo(Math.sqrt(2 / 12), 15);
    expect(student.zeta).toBeCloseTo(Math.sqrt(2 / 8), 15);
    expect(student.parameterCount).toBe(8 + 3);
    expect(student.blocks).toEqual([
      { name: 'theta', offset: 0, length: 8, shape: [8] },
      { name: 'theta_f', offset: 8, length: 3, shape: [3] },
    ]);
    const point = x.subarray(0, d);
    const full = teacher.metaFeature(point);
    const sub = student.metaFeature(point);
    for (let a = 0; a < 8; a++) for (let b = 0; b < 8; b++) expect(sub[a * 8 + b]).toBeCloseTo(full[kept[a] * 12 + kept[b]], 14);
    const phi = teacher.featureMap(point);
    const subPhi = student.featureMap(point);
    for (let c = 0; c < 3; c++) expect(subPhi[c]).toBeCloseTo(phi[keptFeatures[c]], 14);
    // φ(x) = Uᵀx/(√d·√n_f) with the teacher's n_f = 6 (the authors' normalization).
    let expected = 0;
    for (let i = 0; i < d; i++) expected += point[i] * structure.featureMatrix[i * 6 + keptFeatures[0]];
    expect(subPhi[0]).toBeCloseTo(expected / Math.sqrt(d * 6), 14);
  });

  it.each([1, 1.9, 3, 3.9, 4.2])(
    'ψ² = I (d = 1, x = 1): one GD step on ½z² is the uv recursion with 1/n → ζ²: z′ = z(1 − ηλ + η²ζ²z²), λ′ = λ + ηζ²z²(ηλ − 4), λ = ζ²‖θ‖² (r = %s, 1e-9)',
    (r) => {
      const n = 200;
      const model = new PureQuadraticModel({ structure: drawPureQuadraticStructure(new Rng(10), { inputDim: 1, width: n }) });
      const single = { x: Float64Array.of(1), n: 1 };
      const params = new Float64Array(n);
      model.initialize(new Rng(11), params);
      const z2 = model.zeta ** 2;
      const ntk = () => {
        const row = new Float64Array(n);
        model.vjp(params, single, Float64Array.of(1), row);
        return innerProduct(row, row);
      };
      const output = () => {
        const out = new Float64Array(1);
        model.forward(params, single, out);
        return out[0];
      };
      const eta = r / ntk();
      for (let t = 0; t < 10 && Math.abs(output()) > 1e-6 && Math.abs(output()) < 1e6; t++) {
        const [z, lambda] = [output(), ntk()];
        expect(relative(lambda, z2 * innerProduct(params, params))).toBeLessThan(1e-12);
        const zNext = z * (1 - eta * lambda + eta * eta * z2 * z * z);
        const lambdaNext = lambda + eta * z2 * z * z * (eta * lambda - 4);
        const gradient = new Float64Array(n);
        model.vjp(params, single, Float64Array.of(z), gradient);
        for (let j = 0; j < n; j++) params[j] -= eta * gradient[j];
        expect(Math.abs(output() - zNext)).toBeLessThan(1e-9 * Math.max(Math.abs(z), Math.abs(zNext)));
        expect(relative(ntk(), lambdaNext)).toBeLessThan(1e-9);
      }
    },
  );

  it('rejects bad indices and a structure whose arrays do not match its sizes', () => {
    expect(() => new PureQuadraticModel({ structure, metaIndices: [0, 0] })).toThrow(/distinct/);
    expect(() => new PureQuadraticModel({ structure, metaIndices: [12] })).toThrow(/\[0, 12\)/);
    expect(() => new PureQuadraticModel({ structure, metaIndices: [] })).toThrow(/at least one/);
    expect(() => new PureQuadraticModel({ structure: { ...structure, width: 10 } })).toThrow(/do not match/);
    expect(() => drawKeptIndices(new Rng(0), 4, 5)).toThrow(/mask 5 of 4/);
  });
});

describe('pure-quadratic options (papers.md §2)', () => {
  it('is registered by the models plugin', () => {
    const registry = new ContributionRegistry();
    registry.register(modelsPlugin);
    expect(registry.find('model', 'pure-quadratic')?.contribution).toBe(pureQuadraticModel);
  });

  it('fills the defaults: no mask, no features, |s| = 1, g = identity', () => {
    expect(expectOptions({ width: 10 })).toEqual({
      width: 10,
      masks: 0,
      features: 0,
      maskedFeatures: 0,
      eigenvalueRange: [1, 1],
      activation: 'identity',
      leakySlope: 0.01,
    });
  });

  it.each([
    [{ width: 11 }, 'width must be even'],
    [{ width: 0 }, 'width must be at least 2'],
    [{ width: 10, masks: 10 }, 'masks must be below width (10)'],
    [{ width: 10, features: 2, maskedFeatures: 3 }, 'maskedFeatures must be at most features (2)'],
    [{ width: 10, eigenvalueRange: [2, 1] }, 'eigenvalueRange must be [low, high] with low ≤ high'],
    [{ width: 10, eigenvalueRange: [1] }, 'eigenvalueRange must be exactly length 2'],
    [{ width: 10, activation: 'gelu' }, 'activation must be'],
    [{ width: 10, hidden: 3 }, 'hidden must be removed'],
  ])('rejects %j with a message naming the key', (input, message) => {
    const result = pureQuadraticModel.options.onUndeclaredKey('reject')(input);
    expect(result).toBeInstanceOf(type.errors);
    expect((result as type.errors).summary).toContain(message);
  });

  it('create: ψ and φ come from rng("meta-features"), the mask from rng("model").derive("mask")', () => {
    const options = expectOptions({ width: 10, masks: 3, features: 4, maskedFeatures: 1 });
    const student = pureQuadraticModel.create(options, testModelContext(2, { seed: 7 })) as PureQuadraticModel;
    const structure = drawPureQuadraticStructure(new Rng(7).derive(META_FEATURE_STREAM), { inputDim: 2, width: 10, features: 4 });
    const masks = new Rng(7).derive('model').derive('mask');
    const metaIndices = drawKeptIndices(masks, 10, 3);
    expect(student.metaIndices).toEqual(metaIndices);
    expect(student.featureIndices).toEqual(drawKeptIndices(masks, 4, 1));
    const reference = new PureQuadraticModel({ structure, metaIndices, featureIndices: student.featureIndices });
    expect(student.metaFeature([0.5, -2])).toEqual(reference.metaFeature([0.5, -2]));
    expect(student.featureMap([0.5, -2])).toEqual(reference.featureMap([0.5, -2]));
    expect(student.parameterCount).toBe(7 + 3);
    expect(student.zeta).toBeCloseTo(Math.sqrt(2 / 7), 15);
  });
});
