import { defineDataSet, type LabeledInputs } from '@tdlab/core';
import { allocate, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import type { TeacherDataSet } from './gaussian-teacher.js';
import { gegenbauerAll, harmonicDimension } from './gegenbauer.js';
import { EVAL_STREAM, evalOptions } from './internal.js';

export interface SphereOptions {
  readonly n: number;
  readonly d: number;
  readonly degree: number;
  readonly coefficients?: readonly number[];
  readonly noise: number;
  readonly eval?: { readonly n: number };
}

/** A sphere data set: the teacher direction w* (unit norm) and the coefficients a_0 … a_ℓ. */
export interface SphereDataSet extends TeacherDataSet {
  /** a_k for k = 0 … ℓ: ‖P_k f*‖² = a_k² in L²(Unif(S^{d−1}(√d))), and ‖P_k f*‖² = 0 for k > ℓ. */
  readonly coefficients: Float64Array;
}

/** The default coefficients: a_0 = 0 and a_k = 1 for 1 ≤ k ≤ ℓ, so ‖P_k f*‖² = 1 for each of those degrees. */
export function defaultSphereCoefficients(degree: number): Float64Array {
  const a = new Float64Array(degree + 1).fill(1);
  a[0] = 0;
  return a;
}

/**
 * Draws a sphere data set. The order of draws from `rng` is fixed: w* (d normals, then scaled to
 * unit norm), then the training inputs (n·d normals, row by row; each row g is stored as √d·g/‖g‖),
 * then the training noise (n normals, only when noise > 0). The evaluation set comes from
 * `rng.derive('eval')`: inputs, then noise.
 */
export function drawSphere(options: SphereOptions, rng: Rng, precision: Precision): SphereDataSet {
  const { d, degree } = options;
  const coefficients = options.coefficients ? Float64Array.from(options.coefficients) : defaultSphereCoefficients(degree);
  if (coefficients.length !== degree + 1) {
    throw new RangeError(`sphere: coefficients has ${coefficients.length} entries, but degree ${degree} needs ${degree + 1}`);
  }
  const teacher = new Float64Array(d);
  rng.fillNormal(teacher);
  let teacherSquares = 0;
  for (let j = 0; j < d; j++) teacherSquares += teacher[j] * teacher[j];
  const teacherNorm = Math.sqrt(teacherSquares);
  for (let j = 0; j < d; j++) teacher[j] /= teacherNorm;
  const label = teacherOnSphere(d, coefficients, teacher);
  const radius = Math.sqrt(d);
  const row = new Float64Array(d);
  const sample = (stream: Rng, n: number): LabeledInputs => {
    const x = allocate(precision, n * d);
    const y = allocate(precision, n);
    for (let i = 0; i < n; i++) {
      stream.fillNormal(row);
      // No overflow-safe norm needed: the entries are standard normals.
      let sumSquares = 0;
      for (let j = 0; j < d; j++) sumSquares += row[j] * row[j];
      const scale = radius / Math.sqrt(sumSquares);
      for (let j = 0; j < d; j++) x[i * d + j] = row[j] * scale;
    }
    // Computed from the stored (possibly float32-rounded) inputs, in float64.
    for (let i = 0; i < n; i++) y[i] = label(x, i * d);
    if (options.noise > 0) for (let i = 0; i < n; i++) y[i] += options.noise * stream.normal();
    return { x, y, n };
  };
  const train = sample(rng, options.n);
  const evalSet = options.eval ? sample(rng.derive(EVAL_STREAM), options.eval.n) : undefined;
  return { inputDim: d, train, ...(evalSet ? { eval: evalSet } : {}), teacher, coefficients };
}

/**
 * f*(x) for the row of `x` starting at `offset`, with the teacher direction `w` (unit norm):
 * Σ_k a_k·√B(d, k)·P_k^{(d)}(⟨w, x⟩/√d).
 */
export function teacherOnSphere(
  d: number,
  coefficients: ArrayLike<number>,
  w: ArrayLike<number>,
): (x: ArrayLike<number>, offset?: number) => number {
  const degrees = coefficients.length;
  const weights = new Float64Array(degrees);
  for (let k = 0; k < degrees; k++) weights[k] = coefficients[k] * Math.sqrt(harmonicDimension(d, k));
  const polynomials = new Float64Array(degrees);
  const inverseRadius = 1 / Math.sqrt(d);
  return (x, offset = 0) => {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += w[j] * x[offset + j];
    gegenbauerAll(d, dot * inverseRadius, polynomials);
    let sum = 0;
    for (let k = 0; k < degrees; k++) sum += weights[k] * polynomials[k];
    return sum;
  };
}

const options = type({
  /** Number of training rows. */
  n: 'number.integer > 0',
  /** Input dimension, at least 2. */
  d: 'number.integer >= 2',
  /** ℓ, the highest degree of the teacher. Default 1. */
  degree: 'number.integer >= 0 = 1',
  /** a_0 … a_ℓ (degree + 1 numbers): ‖P_k f*‖² = a_k². Default a_0 = 0, a_k = 1 for k ≥ 1. */
  'coefficients?': 'number[]',
  /** Standard deviation of the Gaussian label noise added to every target (train and eval). Default 0. */
  noise: 'number >= 0 = 0',
  /** Optional held-out set from the same distribution and teacher: `{ n }` rows. */
  'eval?': evalOptions,
}).narrow((value, ctx) =>
  value.coefficients === undefined || value.coefficients.length === value.degree + 1
    ? true
    : ctx.reject({
        path: ['coefficients'],
        expected: `degree + 1 = ${value.degree + 1} numbers (a_0 … a_${value.degree})`,
        actual: `${value.coefficients.length}`,
      }),
);

/**
 * `data: { use: sphere, n, d, degree: 1, coefficients, noise: 0, eval: { n } }` — x uniform on the
 * sphere of radius √d, y = f*(x) + noise·N(0, 1) with a single-index teacher of degree ℓ whose
 * energy in each degree k is a_k² (papers.md §5(ii), §6 Misiakiewicz–Montanari target 5).
 */
export const sphere = defineDataSet({
  id: 'sphere',
  description:
    'x ~ Unif(S^{d−1}(√d)), y = Σ_{k≤ℓ} a_k·√B(d,k)·P_k^{(d)}(⟨w*, x⟩/√d) + noise·N(0, 1), w* uniform unit; ‖P_k f*‖² = a_k² (papers.md §5)',
  options,
  create: (values, context) => drawSphere(values, context.rng('data'), context.precision),
});
