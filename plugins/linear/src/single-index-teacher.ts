import { type DataSet, defineDataSet, type LabeledInputs } from '@tdlab/core';
import { allocate, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { drawInputs, drawTeacher, type InputLaw, rowDot } from './draw-inputs.js';
import { EVAL_STREAM, evalOptions } from './linear-teacher.js';

/** The highest degree a single-index teacher may have (monomial Gram–Schmidt stays accurate well past it). */
export const MAX_TEACHER_DEGREE = 8;

/**
 * E u^k for u = ⟨β, x⟩ with ‖β‖ = 1: on S^{d−1}(√d), E u^{2m} = Π_{i<m} d(2i+1)/(d+2i) (the law of
 * one coordinate of a uniform point on the sphere of radius √d); for N(0, I_d), (2m−1)!!. Odd
 * moments vanish.
 */
export function projectionMoment(law: InputLaw, d: number, k: number): number {
  if (k % 2 === 1) return 0;
  let moment = 1;
  for (let i = 0; i < k / 2; i++) moment *= law === 'sphere' ? (d * (2 * i + 1)) / (d + 2 * i) : 2 * i + 1;
  return moment;
}

/**
 * The orthonormal polynomials q_0 … q_K of the law of u = ⟨β, x⟩ (monomial coefficients, row k =
 * q_k), by Cholesky of the moment (Hankel) matrix: E q_j(u) q_k(u) = δ_jk. On the sphere these are
 * the normalized Gegenbauer polynomials, so q_k(⟨β, x⟩) is a degree-k spherical harmonic of unit
 * norm; for Gaussian inputs they are the normalized Hermite polynomials He_k/√k!.
 */
export function orthonormalPolynomials(law: InputLaw, d: number, degree: number): Float64Array[] {
  const size = degree + 1;
  const gram = new Float64Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) gram[i * size + j] = projectionMoment(law, d, i + j);
  // G = LLᵀ; the rows of L⁻¹ are the coefficients of an orthonormal basis (Gram–Schmidt on 1, u, u², …).
  const l = new Float64Array(size * size);
  for (let j = 0; j < size; j++) {
    let diagonal = gram[j * size + j];
    for (let k = 0; k < j; k++) diagonal -= l[j * size + k] ** 2;
    l[j * size + j] = Math.sqrt(diagonal);
    for (let i = j + 1; i < size; i++) {
      let sum = gram[i * size + j];
      for (let k = 0; k < j; k++) sum -= l[i * size + k] * l[j * size + k];
      l[i * size + j] = sum / l[j * size + j];
    }
  }
  const rows: Float64Array[] = [];
  for (let i = 0; i < size; i++) {
    // Row i of L⁻¹ solves rL = e_iᵀ, i.e. Lᵀrᵀ = e_i: back substitution, from j = i down to 0.
    const row = new Float64Array(size);
    for (let j = i; j >= 0; j--) {
      let sum = i === j ? 1 : 0;
      for (let k = j + 1; k <= i; k++) sum -= l[k * size + j] * row[k];
      row[j] = sum / l[j * size + j];
    }
    rows.push(row);
  }
  return rows;
}

export interface SingleIndexTeacherOptions {
  readonly n: number;
  readonly d: number;
  readonly inputs: InputLaw;
  readonly coefficients: readonly number[];
  readonly noise: number;
  readonly eval?: { readonly n: number; readonly noise: boolean };
}

export interface SingleIndexTeacherDataSet extends DataSet {
  /** β* (unit norm, float64). */
  readonly teacher: Float64Array;
  /** c_k, by degree k = 0, 1, …: ‖P_k f*‖² = c_k² exactly. */
  readonly coefficients: readonly number[];
  readonly noise: number;
  readonly evalNoise: number;
}

/**
 * ‖P_{>ℓ} f*‖² = Σ_{k>ℓ} c_k², the part of the target a kernel method that learns only degrees ≤ ℓ
 * leaves as test error (papers.md §5(ii)).
 */
export function highDegreeNorm(coefficients: readonly number[], degree: number): number {
  let sum = 0;
  for (let k = degree + 1; k < coefficients.length; k++) sum += coefficients[k] ** 2;
  return sum;
}

/**
 * Draws a single-index-teacher set. Order from `rng`: β* (d normals), the training inputs (n·d),
 * the training noise (n, only when noise > 0); the evaluation set from `rng.derive('eval')`.
 */
export function drawSingleIndexTeacher(options: SingleIndexTeacherOptions, rng: Rng, precision: Precision): SingleIndexTeacherDataSet {
  const { d, coefficients } = options;
  const degree = coefficients.length - 1;
  if (degree > MAX_TEACHER_DEGREE) throw new RangeError(`single-index-teacher: at most ${MAX_TEACHER_DEGREE + 1} coefficients (degree ${MAX_TEACHER_DEGREE}), got ${coefficients.length}`);
  const teacher = drawTeacher(rng, d, 1, 'random');
  // f*(x) = Σ_k c_k q_k(u) as one polynomial in u = ⟨β*, x⟩.
  const polynomial = new Float64Array(degree + 1);
  orthonormalPolynomials(options.inputs, d, degree).forEach((row, k) => {
    for (let j = 0; j <= k; j++) polynomial[j] += coefficients[k] * row[j];
  });
  const identity = new Float64Array(d).fill(1);
  const sample = (stream: Rng, n: number, noise: number): LabeledInputs => {
    const x = drawInputs(stream, options.inputs, identity, n, precision);
    const y = allocate(precision, n);
    for (let i = 0; i < n; i++) {
      const u = rowDot(x, i, d, teacher);
      let value = 0;
      for (let j = degree; j >= 0; j--) value = value * u + polynomial[j];
      y[i] = value;
    }
    if (noise > 0) for (let i = 0; i < n; i++) y[i] += noise * stream.normal();
    return { x, y, n };
  };
  const train = sample(rng, options.n, options.noise);
  const evalNoise = options.eval?.noise ? options.noise : 0;
  const evalSet = options.eval ? sample(rng.derive(EVAL_STREAM), options.eval.n, evalNoise) : undefined;
  return { inputDim: d, train, ...(evalSet ? { eval: evalSet } : {}), teacher, coefficients: [...coefficients], noise: options.noise, evalNoise };
}

/**
 * `data: { use: single-index-teacher, n, d, coefficients: [0, 1, 1, 1], inputs: sphere }` —
 * y = Σ_k c_k q_k(⟨β*, x⟩) + σε with ‖β*‖ = 1 and q_k the orthonormal polynomials of degree k (a
 * unit-norm degree-k spherical harmonic on S^{d−1}(√d)), so ‖P_k f*‖² = c_k²: the targets of the
 * polynomial regime of kernel ridge regression (papers.md §5(ii), §6 M–M target 5).
 */
export const singleIndexTeacher = defineDataSet({
  id: 'single-index-teacher',
  description: 'Regression y = Σ_k c_k q_k(⟨β*, x⟩) + σε, q_k orthonormal of degree k (spherical harmonics on S^{d−1}(√d)), ‖P_k f*‖² = c_k² (papers.md §5(ii))',
  options: type({
    n: 'number.integer > 0',
    d: 'number.integer > 0',
    /** Uniform on S^{d−1}(√d) (`sphere`, default) or N(0, I_d) (`gaussian`, q_k = He_k/√k!). */
    inputs: "'sphere' | 'gaussian' = 'sphere'",
    /** c_0, c_1, …, by degree (1 to 9 of them). */
    coefficients: type('number[]').atLeastLength(1).atMostLength(MAX_TEACHER_DEGREE + 1),
    /** σ of the training label noise. Default 0. */
    noise: 'number >= 0 = 0',
    'eval?': evalOptions,
  }),
  create: (options, context) => drawSingleIndexTeacher(options, context.rng('data'), context.precision),
});
