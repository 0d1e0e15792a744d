import { defineDataSet, type LabeledInputs } from '@tdlab/core';
import { allocate, type FloatArray, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import type { TeacherDataSet } from './gaussian-teacher.js';
import { EVAL_STREAM, evalOptions, gaussianInputs, rowDot, signLabel } from './internal.js';

export type SignTeacherDirection = 'first' | 'random';

/** `gaussian`: x ~ N(0, I_d). `sphere`: x uniform on the sphere of radius √d (so ‖x‖² = d, E‖x‖² of the Gaussian). */
export type SignTeacherInputs = 'gaussian' | 'sphere';

export interface SignTeacherOptions {
  readonly n: number;
  readonly d: number;
  readonly direction: SignTeacherDirection;
  /** Input distribution; default `gaussian`. */
  readonly inputs?: SignTeacherInputs;
  /** Symmetrize the training set under x → −x (n must be even); default false. */
  readonly antipodal?: boolean;
  readonly eval?: { readonly n: number };
}

const NAME = 'sign-teacher';

/** The error for an odd n with `antipodal: true`, naming the field and the value. */
function oddAntipodalMessage(n: number): string {
  return `${NAME}: antipodal: true pairs every row x with −x, so n must be even, got n = ${n}`;
}

/**
 * Draws a sign-teacher data set. w* ~ N(0, I_d) is always drawn first (d normals), even for
 * `direction: first`, so both directions see the same inputs; then the training inputs (n·d
 * normals, row by row; with `inputs: sphere` each row g is stored as √d·g/‖g‖). The evaluation
 * inputs come from `rng.derive('eval')`. The returned `teacher` is the direction actually used: e₁
 * for `first`, w* for `random`.
 *
 * `antipodal: true` (n even): only the first n/2 rows are drawn (n/2·d normals); row n/2 + i is
 * −x_i with label −y_i. Why: the mean-field theory of Pellegrini & Biroli (papers.md §3) is exact
 * for a data set closed under x → −x. With the ReLU pair identity θ(w·x) + θ(−w·x) = 1, the force
 * on a unit, ⟨u y θ(w·x) x⟩, summed over a pair (x, y), (−x, −y) is y x (θ(w·x) + θ(−w·x)) = y x,
 * independent of w (as long as both members are unsatisfied). The labels stay sign(teacher·x): the
 * dot product of −x is exactly the negated one (up to the measure-zero tie sign(0) = +1). The
 * evaluation set is never symmetrized. The default (gaussian, not antipodal) draws exactly as before.
 */
export function drawSignTeacher(options: SignTeacherOptions, rng: Rng, precision: Precision): TeacherDataSet {
  const { d } = options;
  const sphere = options.inputs === 'sphere';
  const antipodal = options.antipodal === true;
  if (antipodal && options.n % 2 !== 0) throw new RangeError(oddAntipodalMessage(options.n));
  const drawn = new Float64Array(d);
  rng.fillNormal(drawn);
  const teacher = options.direction === 'random' ? drawn : new Float64Array(d);
  if (options.direction === 'first') teacher[0] = 1;
  const label = (x: FloatArray, i: number): number => signLabel(options.direction === 'first' ? x[i * d] : rowDot(x, i, d, teacher));
  const radius = Math.sqrt(d);
  const row = sphere ? new Float64Array(d) : undefined;
  /** Fills rows [0, rows) of x from `stream`. */
  const draw = (stream: Rng, x: FloatArray, rows: number): void => {
    if (!row) {
      stream.fillNormal(rows * d === x.length ? x : x.subarray(0, rows * d));
      return;
    }
    for (let i = 0; i < rows; i++) {
      stream.fillNormal(row);
      let sumSquares = 0;
      for (let j = 0; j < d; j++) sumSquares += row[j] * row[j];
      const scale = radius / Math.sqrt(sumSquares);
      for (let j = 0; j < d; j++) x[i * d + j] = row[j] * scale;
    }
  };
  const sample = (stream: Rng, n: number, symmetric: boolean): LabeledInputs => {
    if (!sphere && !symmetric) {
      // The original path, bit for bit.
      const x = gaussianInputs(stream, precision, n, d);
      const y = allocate(precision, n);
      for (let i = 0; i < n; i++) y[i] = label(x, i);
      return { x, y, n };
    }
    const x = allocate(precision, n * d);
    const y = allocate(precision, n);
    const rows = symmetric ? n / 2 : n;
    draw(stream, x, rows);
    // Computed from the stored (possibly float32-rounded) inputs, in float64.
    for (let i = 0; i < rows; i++) y[i] = label(x, i);
    for (let i = rows; i < n; i++) {
      const source = (i - rows) * d;
      for (let j = 0; j < d; j++) x[i * d + j] = -x[source + j];
      y[i] = -y[i - rows];
    }
    return { x, y, n };
  };
  const train = sample(rng, options.n, antipodal);
  const evalSet = options.eval ? sample(rng.derive(EVAL_STREAM), options.eval.n, false) : undefined;
  return { inputDim: d, train, ...(evalSet ? { eval: evalSet } : {}), teacher };
}

/**
 * `data: { use: sign-teacher, n, d, direction: first, inputs: gaussian, antipodal: false, eval: { n } }`
 * — ±1 classification on x ~ N(0, I_d) (or, with `inputs: sphere`, x uniform on the sphere of
 * radius √d): y = sign(x₁), or y = sign(w*·x) with w* ~ N(0, I_d). `antipodal: true` symmetrizes
 * the training set under (x, y) → (−x, −y) (n even), the setting in which Pellegrini & Biroli's
 * mean-field theory is exact (papers.md §3; see drawSignTeacher). Meltzer et al.'s target 2
 * (papers.md §6) is n = 16, d = 10, direction first.
 */
export const signTeacher = defineDataSet({
  id: 'sign-teacher',
  description:
    'Classification x ~ N(0, I_d) or Unif(S^{d−1}(√d)), y = sign(x₁) or sign(w*·x) with w* ~ N(0, I_d); labels ±1; optionally antipodal (x, −x) pairs (papers.md §3, §6)',
  options: type({
    /** Number of training rows (even with antipodal: true). */
    n: 'number.integer > 0',
    /** Input dimension. */
    d: 'number.integer > 0',
    /** `first`: y = sign(x₁); `random`: y = sign(w*·x), w* ~ N(0, I_d). sign(0) = +1. Default `first`. */
    direction: "'first' | 'random' = 'first'",
    /** `gaussian`: x ~ N(0, I_d); `sphere`: x uniform on the sphere of radius √d. Default `gaussian`. */
    inputs: "'gaussian' | 'sphere' = 'gaussian'",
    /** Rows n/2 … n−1 of the training set are the negatives (−x, −y) of rows 0 … n/2−1; needs an even n. Default false. */
    antipodal: 'boolean = false',
    /** Optional held-out set with the same teacher: `{ n }` rows (never symmetrized). */
    'eval?': evalOptions,
  }).narrow((value, ctx) =>
    !value.antipodal || value.n % 2 === 0
      ? true
      : ctx.reject({ path: ['n'], expected: 'an even n with antipodal: true (x and −x pairs)', actual: `${value.n}` }),
  ),
  create: (options, context) => drawSignTeacher(options, context.rng('data'), context.precision),
});
