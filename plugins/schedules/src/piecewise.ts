import { defineSchedule, type Schedule } from '@tdlab/core';
import { type } from 'arktype';

/** η_t = η·f_i, i = #{ b ∈ boundaries : b ≤ t }; reads no metrics. */
export class PiecewiseSchedule implements Schedule {
  readonly requires: readonly string[] = [];
  constructor(
    readonly lr: number,
    readonly boundaries: readonly number[],
    readonly factors: readonly number[],
  ) {}

  learningRate(step: number): number {
    let piece = 0;
    while (piece < this.boundaries.length && this.boundaries[piece] <= step) piece++;
    return this.lr * this.factors[piece];
  }
}

/**
 * `schedule: { use: piecewise, lr, boundaries: [b₁, …, b_k], factors: [f₀, …, f_k] }` — η_t =
 * baseLr·f_i on b_i ≤ t < b_{i+1} (b₀ = 0, b_{k+1} = ∞).
 */
export const piecewiseSchedule = defineSchedule({
  id: 'piecewise',
  description: 'η_t = η·factors[i] for boundaries[i−1] ≤ t < boundaries[i] (piecewise constant; η the spec’s lr, or r/λ₀)',
  options: type({
    /** Steps where a new piece starts, strictly increasing, each ≥ 1. */
    boundaries: 'number.integer >= 1 []',
    /** One factor of η per piece: one more than there are boundaries. */
    factors: '(number > 0)[]',
  }).narrow((options, ctx) => {
    if (options.factors.length !== options.boundaries.length + 1) {
      return ctx.reject({
        path: ['factors'],
        expected: `${options.boundaries.length + 1} factors (one more than boundaries)`,
        actual: `${options.factors.length}`,
      });
    }
    for (let i = 1; i < options.boundaries.length; i++) {
      if (options.boundaries[i] <= options.boundaries[i - 1]) {
        return ctx.reject({ path: ['boundaries', i], expected: `greater than ${options.boundaries[i - 1]} (strictly increasing)`, actual: `${options.boundaries[i]}` });
      }
    }
    return true;
  }),
  create: (options, context) => new PiecewiseSchedule(context.baseLr, options.boundaries, options.factors),
});
