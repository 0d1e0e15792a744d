import type { RunContext } from '@tdlab/core';
import { type Precision, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { drawSignTeacher, signTeacher, type TeacherDataSet } from './index.js';

/*
 * sign-teacher's `inputs: sphere` and `antipodal: true` options (papers.md §3, Pellegrini–Biroli:
 * the mean-field theory is exact for a data set closed under x → −x).
 */

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

function build(input: object, ctx: RunContext = context()): TeacherDataSet {
  const options = signTeacher.options.onUndeclaredKey('reject')(input);
  if (options instanceof type.errors) throw new Error(options.summary);
  return signTeacher.create(options as never, ctx) as TeacherDataSet;
}

function errorOf(input: object): string {
  const result = signTeacher.options.onUndeclaredKey('reject')(input);
  return result instanceof type.errors ? result.summary : 'accepted';
}

const bytes = (a: Float32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const bitwiseEqual = (a: Float32Array | Float64Array, b: Float32Array | Float64Array) => a.constructor === b.constructor && bytes(a).equals(bytes(b));

function dot(teacher: ArrayLike<number>, x: ArrayLike<number>, row: number, d: number): number {
  let sum = 0;
  for (let j = 0; j < d; j++) sum += teacher[j] * x[row * d + j];
  return sum;
}

describe('sign-teacher options', () => {
  it('defaults to gaussian inputs, not antipodal', () => {
    expect(signTeacher.options({ n: 4, d: 2 })).toEqual({ n: 4, d: 2, direction: 'first', inputs: 'gaussian', antipodal: false });
  });

  it('the default is unchanged bit for bit: explicit defaults equal the original draw (w*, then n·d normals) in both precisions', () => {
    for (const precision of ['float64', 'float32'] as const) {
      for (const direction of ['first', 'random'] as const) {
        const plain = build({ n: 16, d: 10, direction, eval: { n: 8 } }, context(3, precision));
        const explicit = build({ n: 16, d: 10, direction, inputs: 'gaussian', antipodal: false, eval: { n: 8 } }, context(3, precision));
        // The original recipe, written out: w* (d normals), then the training inputs.
        const rng = context(3, precision).rng('data');
        const teacher = new Float64Array(10);
        rng.fillNormal(teacher);
        const x = precision === 'float64' ? new Float64Array(160) : new Float32Array(160);
        rng.fillNormal(x);
        for (const data of [plain, explicit]) {
          expect(bitwiseEqual(data.train.x, x)).toBe(true);
          for (let i = 0; i < 16; i++) expect(data.train.y[i]).toBe((direction === 'first' ? x[i * 10] : dot(teacher, x, i, 10)) < 0 ? -1 : 1);
        }
        expect(bitwiseEqual(explicit.train.y, plain.train.y)).toBe(true);
        expect(bitwiseEqual(explicit.eval!.x, plain.eval!.x)).toBe(true);
        expect(bitwiseEqual(explicit.eval!.y, plain.eval!.y)).toBe(true);
      }
    }
  });

  it('rejects an unknown inputs value and a non-boolean antipodal', () => {
    expect(errorOf({ n: 4, d: 2, inputs: 'cube' })).toContain('inputs');
    expect(errorOf({ n: 4, d: 2, antipodal: 'yes' })).toContain('antipodal');
  });

  it('antipodal with an odd n is rejected, naming n and its value (by the options and by drawSignTeacher)', () => {
    const summary = errorOf({ n: 15, d: 3, antipodal: true });
    expect(summary).toContain('n');
    expect(summary).toContain('even');
    expect(summary).toContain('15');
    expect(errorOf({ n: 15, d: 3 })).toBe('accepted');
    expect(() => drawSignTeacher({ n: 15, d: 3, direction: 'first', antipodal: true }, new Rng(0), 'float64')).toThrow(/antipodal.*n = 15/);
  });
});

describe('sign-teacher inputs: sphere', () => {
  it.each(['float64', 'float32'] as const)('every row has ‖x‖ = √d (%s), and the labels are sign(teacher·x)', (precision) => {
    const d = 7;
    const n = 500;
    const data = build({ n, d, direction: 'random', inputs: 'sphere', eval: { n: 100 } }, context(1, precision));
    const tolerance = precision === 'float64' ? 1e-12 : 1e-6;
    for (const set of [data.train, data.eval!]) {
      for (let i = 0; i < set.n; i++) {
        let squares = 0;
        for (let j = 0; j < d; j++) squares += set.x[i * d + j] ** 2;
        expect(Math.abs(Math.sqrt(squares) / Math.sqrt(d) - 1)).toBeLessThan(tolerance);
        expect(set.y[i]).toBe(dot(data.teacher, set.x, i, d) < 0 ? -1 : 1);
      }
    }
  });

  it('is uniform in direction: the first coordinate has mean 0 and E[x₁²] = 1 (n = 20000)', () => {
    const d = 5;
    const n = 20000;
    const data = build({ n, d, inputs: 'sphere' });
    let sum = 0;
    let squares = 0;
    let mislabelled = 0;
    for (let i = 0; i < n; i++) {
      sum += data.train.x[i * d];
      squares += data.train.x[i * d] ** 2;
      if (data.train.y[i] !== (data.train.x[i * d] < 0 ? -1 : 1)) mislabelled++;
    }
    expect(mislabelled).toBe(0);
    // x₁² = d·B with B ~ Beta(1/2, (d−1)/2): Var x₁² = d²·Var B = 2d(d−1)/(d+2) ≈ 5.7 for d = 5.
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(squares / n - 1)).toBeLessThan((5 * Math.sqrt((2 * d * (d - 1)) / (d + 2))) / Math.sqrt(n));
  });

  it('draws the same normals as the gaussian set: each sphere row is √d·g/‖g‖ of the gaussian row g', () => {
    const d = 4;
    const gaussian = build({ n: 30, d, direction: 'random' }, context(2));
    const sphere = build({ n: 30, d, direction: 'random', inputs: 'sphere' }, context(2));
    expect([...sphere.teacher]).toEqual([...gaussian.teacher]);
    for (let i = 0; i < 30; i++) {
      let squares = 0;
      for (let j = 0; j < d; j++) squares += gaussian.train.x[i * d + j] ** 2;
      for (let j = 0; j < d; j++) expect(sphere.train.x[i * d + j]).toBeCloseTo((gaussian.train.x[i * d + j] * Math.sqrt(d)) / Math.sqrt(squares), 13);
    }
  });
});

describe('sign-teacher antipodal: true', () => {
  it.each([
    ['gaussian', 'first', 'float64'],
    ['gaussian', 'random', 'float64'],
    ['sphere', 'random', 'float64'],
    ['sphere', 'first', 'float32'],
  ] as const)('rows n/2 … are the exact negatives (x, y) → (−x, −y) of rows 0 … n/2 (%s, %s, %s)', (inputs, direction, precision) => {
    const n = 40;
    const d = 6;
    const data = build({ n, d, direction, inputs, antipodal: true }, context(4, precision));
    const half = n / 2;
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < d; j++) expect(Object.is(data.train.x[(half + i) * d + j], -data.train.x[i * d + j])).toBe(true);
      expect(data.train.y[half + i]).toBe(-data.train.y[i]);
    }
    // The labels are still sign(teacher·x), for both members of each pair.
    for (let i = 0; i < n; i++) expect(data.train.y[i]).toBe(dot(data.teacher, data.train.x, i, d) < 0 ? -1 : 1);
    // Closed under x → −x, so the inputs cancel pair by pair (Σ x = 0, summed over pairs) and half the labels are +1.
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let i = 0; i < half; i++) sum += data.train.x[i * d + j] + data.train.x[(half + i) * d + j];
      expect(sum).toBe(0);
    }
    expect(Array.from(data.train.y).reduce((s, y) => s + y, 0)).toBe(0);
  });

  it('the first half is the first n/2 rows of the plain draw (n/2·d normals), and the eval set is never symmetrized', () => {
    const plain = build({ n: 20, d: 3, direction: 'random', eval: { n: 10 } });
    const antipodal = build({ n: 20, d: 3, direction: 'random', antipodal: true, eval: { n: 10 } });
    expect([...antipodal.train.x.subarray(0, 30)]).toEqual([...plain.train.x.subarray(0, 30)]);
    expect([...antipodal.train.x.subarray(30)]).not.toEqual([...plain.train.x.subarray(30)]);
    expect(bitwiseEqual(antipodal.eval!.x, plain.eval!.x)).toBe(true);
    expect(bitwiseEqual(antipodal.eval!.y, plain.eval!.y)).toBe(true);
    // Eval rows 5 … 9 are not the negatives of rows 0 … 4.
    let negated = true;
    for (let k = 0; k < 15; k++) negated &&= antipodal.eval!.x[15 + k] === -antipodal.eval!.x[k];
    expect(negated).toBe(false);
  });

  it('makes the force on a unit independent of w: Σ y x θ(w·x) over the set is ½ Σ y x for every w (the ReLU pair identity)', () => {
    const n = 200;
    const d = 5;
    const data = build({ n, d, direction: 'random', inputs: 'sphere', antipodal: true });
    const half = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) half[j] += 0.5 * data.train.y[i] * data.train.x[i * d + j];
    const rng = new Rng(9);
    for (let trial = 0; trial < 5; trial++) {
      const w = new Float64Array(d);
      rng.fillNormal(w);
      const force = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        if (!(dot(w, data.train.x, i, d) > 0)) continue;
        for (let j = 0; j < d; j++) force[j] += data.train.y[i] * data.train.x[i * d + j];
      }
      for (let j = 0; j < d; j++) expect(force[j]).toBeCloseTo(half[j], 10);
    }
  });
});
