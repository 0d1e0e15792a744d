import type { LabeledInputs } from '@tdlab/core';
import { allocate, type FloatArray, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';

/**
 * `eval: { n }` — a held-out set of n rows from the same distribution (and the same teacher). It is
 * drawn from `rng('data').derive('eval')`, so asking for it never changes the training set.
 * Unknown keys are rejected here too (the study validator is strict only at the top level).
 */
export const evalOptions = type({
  '+': 'reject',
  /** Number of held-out rows. */
  n: 'number.integer > 0',
});

/** The label of the stream an evaluation set is drawn from, derived from the data stream. */
export const EVAL_STREAM = 'eval';

/** n rows of d features with x ~ N(0, I_d), row-major, in the run's precision (drawn in float64). */
export function gaussianInputs(rng: Rng, precision: Precision, n: number, d: number): FloatArray {
  const x = allocate(precision, n * d);
  rng.fillNormal(x);
  return x;
}

/** β·x_i for row i of x (d features), accumulated in float64. */
export function rowDot(x: FloatArray, i: number, d: number, beta: ArrayLike<number>): number {
  let sum = 0;
  const offset = i * d;
  for (let j = 0; j < d; j++) sum += beta[j] * x[offset + j];
  return sum;
}

/** sign with sign(0) = +1, so every label is ±1. */
export function signLabel(value: number): number {
  return value < 0 ? -1 : 1;
}

/** Copies float64 rows and targets into arrays of the run's precision. */
export function labeledInputs(precision: Precision, x: ArrayLike<number>, y: ArrayLike<number>, n: number): LabeledInputs {
  const xs = allocate(precision, x.length);
  xs.set(x);
  const ys = allocate(precision, n);
  ys.set(y);
  return { x: xs, y: ys, n };
}
