import { type DataSet, defineDataSet, type LabeledInputs } from '@tdlab/core';
import { allocate, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { EVAL_STREAM, evalOptions, gaussianInputs, rowDot } from './internal.js';

export type GaussianTeacherKind = 'linear' | 'relu-unit';

export interface GaussianTeacherOptions {
  readonly n: number;
  readonly d: number;
  readonly noise: number;
  readonly teacher: GaussianTeacherKind;
  readonly eval?: { readonly n: number };
}

/** A data set drawn from a known teacher, which is returned with it. */
export interface TeacherDataSet extends DataSet {
  /** The teacher's weight vector (β for gaussian-teacher, w* for sign-teacher), length inputDim, float64. */
  readonly teacher: Float64Array;
}

/**
 * Draws a gaussian-teacher data set. The order of draws from `rng` is fixed: β (d normals), then
 * the training inputs (n·d normals, row by row), then the training noise (n normals, only when
 * noise > 0). The evaluation set comes from `rng.derive('eval')`: inputs, then noise.
 */
export function drawGaussianTeacher(options: GaussianTeacherOptions, rng: Rng, precision: Precision): TeacherDataSet {
  const { d } = options;
  const beta = new Float64Array(d);
  rng.fillNormal(beta);
  const scale = 1 / Math.sqrt(d);
  const label =
    options.teacher === 'linear'
      ? (z: number): number => z * scale
      : (z: number): number => Math.max(0, z * scale) * Math.SQRT2;
  const sample = (stream: Rng, n: number): LabeledInputs => {
    const x = gaussianInputs(stream, precision, n, d);
    const y = allocate(precision, n);
    // Computed from the stored (possibly float32-rounded) inputs, in float64.
    for (let i = 0; i < n; i++) y[i] = label(rowDot(x, i, d, beta));
    if (options.noise > 0) for (let i = 0; i < n; i++) y[i] += options.noise * stream.normal();
    return { x, y, n };
  };
  const train = sample(rng, options.n);
  const evalSet = options.eval ? sample(rng.derive(EVAL_STREAM), options.eval.n) : undefined;
  return { inputDim: d, train, ...(evalSet ? { eval: evalSet } : {}), teacher: beta };
}

/**
 * `data: { use: gaussian-teacher, n, d, noise: 0, teacher: linear, eval: { n } }` — regression on
 * x ~ N(0, I_d) with y = β·x/√d (+ noise), β ~ N(0, I_d); `relu-unit` uses y = √2·ReLU(β·x/√d).
 */
export const gaussianTeacher = defineDataSet({
  id: 'gaussian-teacher',
  description: 'Regression x ~ N(0, I_d), y = β·x/√d (or √2·ReLU(β·x/√d)) + noise·N(0, 1), β ~ N(0, I_d)',
  options: type({
    /** Number of training rows. */
    n: 'number.integer > 0',
    /** Input dimension. */
    d: 'number.integer > 0',
    /** Standard deviation of the Gaussian label noise added to every target (train and eval). Default 0. */
    noise: 'number >= 0 = 0',
    /**
     * The teacher: `linear`, y = β·x/√d; `relu-unit`, y = √2·ReLU(β·x/√d). Both have E[y²] ≈ ‖β‖²/d ≈ 1
     * before noise. Default `linear`.
     */
    teacher: "'linear' | 'relu-unit' = 'linear'",
    /** Optional held-out set from the same teacher: `{ n }` rows. */
    'eval?': evalOptions,
  }),
  create: (options, context) => drawGaussianTeacher(options, context.rng('data'), context.precision),
});
