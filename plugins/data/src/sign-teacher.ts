import { defineDataSet, type LabeledInputs } from '@tdlab/core';
import { allocate, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import type { TeacherDataSet } from './gaussian-teacher.js';
import { EVAL_STREAM, evalOptions, gaussianInputs, rowDot, signLabel } from './internal.js';

export type SignTeacherDirection = 'first' | 'random';

export interface SignTeacherOptions {
  readonly n: number;
  readonly d: number;
  readonly direction: SignTeacherDirection;
  readonly eval?: { readonly n: number };
}

/**
 * Draws a sign-teacher data set. w* ~ N(0, I_d) is always drawn first (d normals), even for
 * `direction: first`, so both directions see the same inputs; then the training inputs (n·d
 * normals). The evaluation inputs come from `rng.derive('eval')`. The returned `teacher` is the
 * direction actually used: e₁ for `first`, w* for `random`.
 */
export function drawSignTeacher(options: SignTeacherOptions, rng: Rng, precision: Precision): TeacherDataSet {
  const { d } = options;
  const drawn = new Float64Array(d);
  rng.fillNormal(drawn);
  const teacher = options.direction === 'random' ? drawn : new Float64Array(d);
  if (options.direction === 'first') teacher[0] = 1;
  const sample = (stream: Rng, n: number): LabeledInputs => {
    const x = gaussianInputs(stream, precision, n, d);
    const y = allocate(precision, n);
    for (let i = 0; i < n; i++) y[i] = signLabel(options.direction === 'first' ? x[i * d] : rowDot(x, i, d, teacher));
    return { x, y, n };
  };
  const train = sample(rng, options.n);
  const evalSet = options.eval ? sample(rng.derive(EVAL_STREAM), options.eval.n) : undefined;
  return { inputDim: d, train, ...(evalSet ? { eval: evalSet } : {}), teacher };
}

/**
 * `data: { use: sign-teacher, n, d, direction: first, eval: { n } }` — ±1 classification on
 * x ~ N(0, I_d): y = sign(x₁), or y = sign(w*·x) with w* ~ N(0, I_d). Meltzer et al.'s target 2
 * (papers.md §6) is n = 16, d = 10, direction first.
 */
export const signTeacher = defineDataSet({
  id: 'sign-teacher',
  description: 'Classification x ~ N(0, I_d), y = sign(x₁) or sign(w*·x) with w* ~ N(0, I_d); labels ±1 (papers.md §6, Meltzer 2)',
  options: type({
    /** Number of training rows. */
    n: 'number.integer > 0',
    /** Input dimension. */
    d: 'number.integer > 0',
    /** `first`: y = sign(x₁); `random`: y = sign(w*·x), w* ~ N(0, I_d). sign(0) = +1. Default `first`. */
    direction: "'first' | 'random' = 'first'",
    /** Optional held-out set with the same teacher: `{ n }` rows. */
    'eval?': evalOptions,
  }),
  create: (options, context) => drawSignTeacher(options, context.rng('data'), context.precision),
});
