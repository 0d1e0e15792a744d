import { defineSchedule, type Schedule } from '@tdlab/core';
import { type } from 'arktype';

/** η_t = η·γ^t; reads no metrics. */
export class ExponentialSchedule implements Schedule {
  readonly requires: readonly string[] = [];
  constructor(
    readonly lr: number,
    readonly gamma: number,
  ) {}

  learningRate(step: number): number {
    return this.lr * this.gamma ** step;
  }
}

/** `schedule: { use: exponential, lr, gamma: γ }` — η_t = baseLr·γ^t. */
export const exponentialSchedule = defineSchedule({
  id: 'exponential',
  description: 'η_t = η·γ^t (η the spec’s lr, or r/λ₀ for lr: { normalized: r })',
  options: type({
    /** Factor per step (γ); γ < 1 decays, γ > 1 grows. */
    gamma: 'number > 0',
  }),
  create: (options, context) => new ExponentialSchedule(context.baseLr, options.gamma),
});
