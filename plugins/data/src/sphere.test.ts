import type { RunContext } from '@tdlab/core';
import { type Precision, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { gegenbauer, harmonicDimension } from './gegenbauer.js';
import { type SphereDataSet, sphere } from './sphere.js';

function context(seed = 0, precision: Precision = 'float64'): RunContext {
  return {
    runId: 'test',
    spec: {} as RunContext['spec'],
    precision,
    rng: (purpose: string) => new Rng(seed).derive(purpose),
    baseDir: '.',
    outDir: undefined,
  };
}

/** Validates like the study validator (strict, defaults applied), then draws. */
function build(input: object, ctx: RunContext = context()): SphereDataSet {
  const options = sphere.options.onUndeclaredKey('reject')(input);
  if (options instanceof type.errors) throw new Error(options.summary);
  return sphere.create(options, ctx) as SphereDataSet;
}

function bitwiseEqual(a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean {
  return (
    a.constructor === b.constructor &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  );
}

/**
 * φ_k(x) = √B(d, k)·P_k^{(d)}(s) for k ≤ 3 in closed form, independent of the recurrence:
 * P_0 = 1, P_1 = s, P_2 = (d s² − 1)/(d − 1), P_3 = ((d + 2) s³ − 3 s)/(d − 1);
 * B(d, 0) = 1, B(d, 1) = d, B(d, 2) = (d + 2)(d − 1)/2, B(d, 3) = d(d + 4)(d − 1)/6.
 */
function phiClosedForm(d: number, k: number, s: number): number {
  switch (k) {
    case 0:
      return 1;
    case 1:
      return Math.sqrt(d) * s;
    case 2:
      return Math.sqrt(((d + 2) * (d - 1)) / 2) * ((d * s * s - 1) / (d - 1));
    case 3:
      return Math.sqrt((d * (d + 4) * (d - 1)) / 6) * (((d + 2) * s ** 3 - 3 * s) / (d - 1));
    default:
      throw new Error('k ≤ 3 only');
  }
}

/** (1/n)·Σ f(vᵢ). */
function mean(values: ArrayLike<number>, f: (value: number) => number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += f(values[i]);
  return sum / values.length;
}

/** s_i = ⟨w*, x_i⟩/√d for every row. */
function cosines(data: SphereDataSet, split: 'train' | 'eval' = 'train'): Float64Array {
  const { x, n } = data[split]!;
  const d = data.inputDim;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += data.teacher[j] * x[i * d + j];
    s[i] = dot / Math.sqrt(d);
  }
  return s;
}

describe('gegenbauer (zonal harmonics on S^{d−1}(√d))', () => {
  it('B(d, k): d = 3 gives 2k + 1, d = 2 gives 2, and the closed forms for k ≤ 3', () => {
    for (let k = 0; k < 8; k++) expect(harmonicDimension(3, k)).toBeCloseTo(2 * k + 1, 10);
    for (let k = 1; k < 8; k++) expect(harmonicDimension(2, k)).toBeCloseTo(2, 12);
    for (const d of [4, 10, 100]) {
      expect(harmonicDimension(d, 1)).toBe(d);
      expect(harmonicDimension(d, 2)).toBeCloseTo(((d + 2) * (d - 1)) / 2, 8);
      expect(harmonicDimension(d, 3)).toBeCloseTo((d * (d + 4) * (d - 1)) / 6, 6);
      // B(d, k) = C(d+k−1, k) − C(d+k−3, k−2), here for k = 4.
      const c = (a: number, b: number) => Array.from({ length: b }, (_, i) => (a - i) / (i + 1)).reduce((p, v) => p * v, 1);
      expect(harmonicDimension(d, 4) / (c(d + 3, 4) - c(d + 1, 2))).toBeCloseTo(1, 12);
    }
  });

  it('P_k(1) = 1, Legendre for d = 3, Chebyshev for d = 2, and the closed forms for k ≤ 3', () => {
    for (const d of [2, 3, 7, 50]) for (let k = 0; k < 10; k++) expect(gegenbauer(d, k, 1)).toBeCloseTo(1, 12);
    for (const s of [-0.9, -0.3, 0, 0.25, 0.8]) {
      expect(gegenbauer(3, 4, s)).toBeCloseTo((35 * s ** 4 - 30 * s ** 2 + 3) / 8, 13);
      expect(gegenbauer(2, 5, s)).toBeCloseTo(Math.cos(5 * Math.acos(s)), 12);
      for (const d of [3, 5, 20]) {
        for (let k = 0; k <= 3; k++) expect(Math.sqrt(harmonicDimension(d, k)) * gegenbauer(d, k, s)).toBeCloseTo(phiClosedForm(d, k, s), 11);
      }
    }
  });

  it('as d → ∞, √B(d, k)·P_k(z/√d) tends to the normalized Hermite polynomial He_k(z)/√k!', () => {
    const d = 1e6;
    const hermite = [(z: number) => 1, (z: number) => z, (z: number) => (z * z - 1) / Math.SQRT2, (z: number) => (z ** 3 - 3 * z) / Math.sqrt(6)];
    for (const z of [-2, -0.5, 0.7, 1.9]) {
      for (let k = 0; k <= 3; k++) expect(Math.sqrt(harmonicDimension(d, k)) * gegenbauer(d, k, z / Math.sqrt(d))).toBeCloseTo(hermite[k](z), 4);
    }
  });
});

describe('sphere', () => {
  it('fills the defaults degree 1, noise 0, and rejects bad options naming the key', () => {
    expect(sphere.options({ n: 2, d: 3 })).toEqual({ n: 2, d: 3, degree: 1, noise: 0 });
    for (const [input, key] of [
      [{ n: 3, d: 1 }, 'd'],
      [{ n: 0, d: 3 }, 'n'],
      [{ n: 3, d: 3, degree: -1 }, 'degree'],
      [{ n: 3, d: 3, degree: 2, coefficients: [1, 2] }, 'coefficients'],
      [{ n: 3, d: 3, noise: -1 }, 'noise'],
      [{ n: 3, d: 3, eval: { n: 2, size: 1 } }, 'eval.size'],
      [{ n: 3, d: 3, radius: 2 }, 'radius'],
    ] as const) {
      const result = sphere.options.onUndeclaredKey('reject')(input);
      expect(result).toBeInstanceOf(type.errors);
      expect((result as type.errors).summary).toContain(key);
    }
    expect((sphere.options({ n: 3, d: 3, degree: 2, coefficients: [1, 2] }) as type.errors).summary).toContain('degree + 1 = 3 numbers');
  });

  it('puts every input on the sphere of radius √d, train and eval, and w* on the unit sphere', () => {
    for (const d of [2, 5, 40]) {
      const data = build({ n: 200, d, degree: 2, eval: { n: 100 } });
      expect(data.inputDim).toBe(d);
      expect(data.train.x).toHaveLength(200 * d);
      expect(data.eval!.x).toHaveLength(100 * d);
      for (const split of [data.train, data.eval!]) {
        for (let i = 0; i < split.n; i++) {
          let sum = 0;
          for (let j = 0; j < d; j++) sum += split.x[i * d + j] ** 2;
          expect(Math.abs(Math.sqrt(sum) / Math.sqrt(d) - 1)).toBeLessThan(1e-14);
        }
      }
      expect(Math.hypot(...data.teacher)).toBeCloseTo(1, 14);
    }
  });

  it('is uniform on the sphere: E x = 0, E xxᵀ = I (the cosine moments E s² = 1/d, E s⁴ = 3/(d(d+2)))', () => {
    const d = 6;
    const n = 40000;
    const data = build({ n, d });
    const mean = new Float64Array(d);
    const second = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < d; a++) {
        mean[a] += data.train.x[i * d + a] / n;
        for (let b = 0; b < d; b++) second[a * d + b] += (data.train.x[i * d + a] * data.train.x[i * d + b]) / n;
      }
    }
    // Each entry has variance ≤ E x_a⁴ ≈ 3·d/(d+2) ≈ 2.25: s.d. of a mean of n is ≤ 0.0075; allow 6 s.d.
    for (let a = 0; a < d; a++) {
      expect(Math.abs(mean[a])).toBeLessThan(0.045);
      for (let b = 0; b < d; b++) expect(Math.abs(second[a * d + b] - (a === b ? 1 : 0))).toBeLessThan(0.045);
    }
    const s = cosines(data);
    const m2 = s.reduce((sum, v) => sum + v * v, 0) / n;
    const m4 = s.reduce((sum, v) => sum + v ** 4, 0) / n;
    expect(Math.abs(m2 * d - 1)).toBeLessThan(0.03);
    expect(Math.abs(m4 / (3 / (d * (d + 2))) - 1)).toBeLessThan(0.06);
  });

  it('y = Σ a_k·√B(d, k)·P_k(⟨w*, x⟩/√d) exactly, from the stored inputs', () => {
    const coefficients = [0.3, -1, 0.5, 2];
    const data = build({ n: 50, d: 9, degree: 3, coefficients });
    expect([...data.coefficients]).toEqual(coefficients);
    const s = cosines(data);
    for (let i = 0; i < 50; i++) {
      const expected = coefficients.reduce((sum, a, k) => sum + a * phiClosedForm(9, k, s[i]), 0);
      expect(data.train.y[i]).toBeCloseTo(expected, 11);
    }
  });

  it('has the stated energy in each degree: ‖P_k f*‖² = a_k², by Monte Carlo', () => {
    const d = 8;
    const n = 60000;
    const coefficients = [0.5, 1, -0.7, 0.4];
    const data = build({ n, d, degree: 3, coefficients });
    const s = cosines(data);
    // ⟨f*, φ_k⟩ estimates a_k (the φ_k are orthonormal), and E f*² = Σ a_k².
    for (let k = 0; k <= 3; k++) {
      let projection = 0;
      for (let i = 0; i < n; i++) projection += (data.train.y[i] * phiClosedForm(d, k, s[i])) / n;
      // f*·φ_k has variance ≲ 10 here: the s.d. of the mean is ≲ 0.013; allow 4 s.d.
      expect(Math.abs(projection - coefficients[k])).toBeLessThan(0.05);
      expect(Math.abs(projection ** 2 - coefficients[k] ** 2)).toBeLessThan(0.1);
    }
    const energy = mean(data.train.y, (y) => y * y);
    const stated = coefficients.reduce((sum, a) => sum + a * a, 0);
    expect(Math.abs(energy / stated - 1)).toBeLessThan(0.04);
    // The default teacher: a_0 = 0 and a_k = 1 for 1 ≤ k ≤ ℓ, so E f*² = ℓ and E f* = 0.
    const plain = build({ n, d, degree: 3 });
    expect([...plain.coefficients]).toEqual([0, 1, 1, 1]);
    expect(Math.abs(mean(plain.train.y, (y) => y * y) / 3 - 1)).toBeLessThan(0.04);
    expect(Math.abs(mean(plain.train.y, (y) => y))).toBeLessThan(0.03);
  });

  it('the φ_k are orthonormal under the sampled distribution (Gram matrix ≈ I, d = 12, k ≤ 3)', () => {
    const d = 12;
    const n = 60000;
    const s = cosines(build({ n, d }));
    for (let j = 0; j <= 3; j++) {
      for (let k = j; k <= 3; k++) {
        let gram = 0;
        for (let i = 0; i < n; i++) gram += (phiClosedForm(d, j, s[i]) * phiClosedForm(d, k, s[i])) / n;
        expect(Math.abs(gram - (j === k ? 1 : 0))).toBeLessThan(0.06);
      }
    }
  });

  it('noise adds noise·N(0, 1) to the targets and leaves the inputs alone', () => {
    const clean = build({ n: 4000, d: 5, degree: 2 });
    const noisy = build({ n: 4000, d: 5, degree: 2, noise: 0.5 });
    expect(bitwiseEqual(noisy.train.x, clean.train.x)).toBe(true);
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < 4000; i++) {
      const r = noisy.train.y[i] - clean.train.y[i];
      sum += r;
      squares += r * r;
    }
    expect(Math.abs(sum / 4000)).toBeLessThan(0.04);
    expect(Math.abs(Math.sqrt(squares / 4000) - 0.5)).toBeLessThan(0.03);
  });

  it('eval: same teacher, independent stream; adding it leaves the training set unchanged; reproducible from the seed', () => {
    const plain = build({ n: 30, d: 4, degree: 2, noise: 0.1 }, context(5));
    const withEval = build({ n: 30, d: 4, degree: 2, noise: 0.1, eval: { n: 500 } }, context(5));
    const again = build({ n: 30, d: 4, degree: 2, noise: 0.1, eval: { n: 500 } }, context(5));
    const other = build({ n: 30, d: 4, degree: 2, noise: 0.1, eval: { n: 500 } }, context(6));
    expect(bitwiseEqual(withEval.train.x, plain.train.x)).toBe(true);
    expect(bitwiseEqual(withEval.train.y, plain.train.y)).toBe(true);
    expect([...withEval.teacher]).toEqual([...plain.teacher]);
    expect(bitwiseEqual(again.eval!.x, withEval.eval!.x)).toBe(true);
    expect(bitwiseEqual(again.eval!.y, withEval.eval!.y)).toBe(true);
    expect(bitwiseEqual(other.eval!.x, withEval.eval!.x)).toBe(false);
    // The eval targets follow the same teacher: residuals are the noise only.
    const noiseless = build({ n: 30, d: 4, degree: 2, eval: { n: 500 } }, context(5));
    expect(bitwiseEqual(noiseless.eval!.x, withEval.eval!.x)).toBe(true);
    const s = cosines(noiseless, 'eval');
    for (let i = 0; i < 500; i++) expect(noiseless.eval!.y[i]).toBeCloseTo(phiClosedForm(4, 1, s[i]) + phiClosedForm(4, 2, s[i]), 11);
  });

  it('float32 runs store float32 arrays, rounded from the float64 draws', () => {
    const f64 = build({ n: 8, d: 3 }, context(2));
    const f32 = build({ n: 8, d: 3 }, context(2, 'float32'));
    expect(f32.train.x).toBeInstanceOf(Float32Array);
    expect(f32.train.y).toBeInstanceOf(Float32Array);
    expect([...f32.train.x]).toEqual([...Float32Array.from(f64.train.x)]);
  });
});
