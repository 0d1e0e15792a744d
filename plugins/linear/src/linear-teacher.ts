import { type DataSet, defineDataSet, type LabeledInputs } from '@tdlab/core';
import { allocate, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { drawInputs, drawTeacher, type InputLaw, rowDot } from './draw-inputs.js';

/** The stream an evaluation set is drawn from, derived from the data stream (as in @tdlab/plugin-data). */
export const EVAL_STREAM = 'eval';

/** Σ_jj = scale·j^{−decay}, j = 1 … d (papers.md §6 M–M target 2: scale 3, decay 1). */
export interface PowerLawCovariance {
  readonly scale: number;
  readonly decay: number;
}

export interface LinearTeacherOptions {
  readonly n: number;
  readonly d: number;
  readonly inputs: InputLaw;
  readonly covariance: 'identity' | PowerLawCovariance;
  readonly teacherNorm: number;
  readonly teacher: 'random' | 'first';
  readonly noise: number;
  readonly eval?: { readonly n: number; readonly noise: boolean };
}

/**
 * A data set that states its population: y = ⟨β*, x⟩ + ε with E xxᵀ = diag(covariance), so the
 * theory probes (ridge-theory) and the exact excess risk ‖β − β*‖²_Σ can be computed from it.
 */
export interface LinearTeacherDataSet extends DataSet {
  /** β* (float64, length d). */
  readonly teacher: Float64Array;
  /** The diagonal of Σ (float64, length d). */
  readonly covariance: Float64Array;
  /** σ of the training labels. */
  readonly noise: number;
  /** σ of the held-out labels: 0 by default, so a test error on them is the excess risk. */
  readonly evalNoise: number;
  readonly inputLaw: InputLaw;
}

export function isLinearTeacherDataSet(data: DataSet): data is LinearTeacherDataSet {
  const candidate = data as Partial<LinearTeacherDataSet>;
  return candidate.teacher instanceof Float64Array && candidate.covariance instanceof Float64Array && typeof candidate.noise === 'number';
}

/** The diagonal of Σ. */
export function covarianceDiagonal(d: number, covariance: 'identity' | PowerLawCovariance): Float64Array {
  const diagonal = new Float64Array(d);
  if (covariance === 'identity') return diagonal.fill(1);
  for (let j = 0; j < d; j++) diagonal[j] = covariance.scale * (j + 1) ** -covariance.decay;
  return diagonal;
}

/**
 * Draws a linear-teacher set. Order from `rng`: β* (d normals, also for `teacher: first`), the
 * training inputs (n·d normals), the training noise (n normals, only when noise > 0). The
 * evaluation set comes from `rng.derive('eval')`: inputs, then noise (only when eval.noise).
 */
export function drawLinearTeacher(options: LinearTeacherOptions, rng: Rng, precision: Precision): LinearTeacherDataSet {
  const { d } = options;
  const covariance = covarianceDiagonal(d, options.covariance);
  const teacher = drawTeacher(rng, d, options.teacherNorm, options.teacher);
  const sample = (stream: Rng, n: number, noise: number): LabeledInputs => {
    const x = drawInputs(stream, options.inputs, covariance, n, precision);
    const y = allocate(precision, n);
    // From the stored (possibly float32-rounded) inputs, in float64.
    for (let i = 0; i < n; i++) y[i] = rowDot(x, i, d, teacher);
    if (noise > 0) for (let i = 0; i < n; i++) y[i] += noise * stream.normal();
    return { x, y, n };
  };
  const train = sample(rng, options.n, options.noise);
  const evalNoise = options.eval?.noise ? options.noise : 0;
  const evalSet = options.eval ? sample(rng.derive(EVAL_STREAM), options.eval.n, evalNoise) : undefined;
  return {
    inputDim: d,
    train,
    ...(evalSet ? { eval: evalSet } : {}),
    teacher,
    covariance,
    noise: options.noise,
    evalNoise,
    inputLaw: options.inputs,
  };
}

/** `eval: { n, noise: false }` — a held-out set; its labels are noiseless unless `noise: true`. */
export const evalOptions = type({
  '+': 'reject',
  /** Number of held-out rows. */
  n: 'number.integer > 0',
  /** Add the training label noise to the held-out labels too. Default false: the test error is then the excess risk. */
  noise: 'boolean = false',
});

const powerLaw = type({
  '+': 'reject',
  /** Σ_11. */
  scale: 'number > 0 = 1',
  /** Σ_jj = scale·j^{−decay}. */
  decay: 'number >= 0 = 1',
});

/**
 * `data: { use: linear-teacher, n, d, noise, covariance, inputs, eval: { n } }` — the regression
 * problems of papers.md §5(i) and §6 (M–M targets 1–2): y = ⟨β*, x⟩ + σε, ‖β*‖ = teacherNorm,
 * x = Σ^{1/2}z with z ~ N(0, I_d) or Unif(S^{d−1}(√d)).
 */
export const linearTeacher = defineDataSet({
  id: 'linear-teacher',
  description: 'Regression y = ⟨β*, x⟩ + σε, ‖β*‖ = r, x = Σ^{1/2}z, z ~ N(0, I) or Unif(S^{d−1}(√d)), Σ = I or diag(scale·j^{−decay}) (papers.md §5(i))',
  options: type({
    /** Number of training rows. */
    n: 'number.integer > 0',
    /** Input dimension. */
    d: 'number.integer > 0',
    /** z ~ N(0, I_d) (`gaussian`, default) or uniform on S^{d−1}(√d) (`sphere`). */
    inputs: "'gaussian' | 'sphere' = 'gaussian'",
    /** Σ: `identity` (default) or `{ scale, decay }`, Σ_jj = scale·j^{−decay}. */
    covariance: type("'identity'").or(powerLaw).describe("'identity' or { scale, decay }").default('identity'),
    /** r = ‖β*‖. Default 1. */
    teacherNorm: 'number >= 0 = 1',
    /** β* uniform on the sphere of radius r (`random`, default) or r·e₁ (`first`). */
    teacher: "'random' | 'first' = 'random'",
    /** σ, the standard deviation of the training label noise. Default 0. */
    noise: 'number >= 0 = 0',
    /** Optional held-out set `{ n, noise: false }`. */
    'eval?': evalOptions,
  }),
  create: (options, context) => drawLinearTeacher(options, context.rng('data'), context.precision),
});
