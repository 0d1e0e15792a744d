import { defineSchedule, type Schedule } from '@tdlab/core';
import { type } from 'arktype';

/** η_t = η/√(1 + t/τ); reads no metrics. */
export class InverseSqrtSchedule implements Schedule {
  readonly requires: readonly string[] = [];
  constructor(
    readonly lr: number,
    readonly timescale: number,
  ) {}

  learningRate(step: number): number {
    return this.lr / Math.sqrt(1 + step / this.timescale);
  }
}

/** `schedule: { use: inverse-sqrt, lr, timescale: τ }` — η_t = baseLr/√(1 + t/τ). */
export const inverseSqrtSchedule = defineSchedule({
  id: 'inverse-sqrt',
  description: 'η_t = η/√(1 + t/τ) (η the spec’s lr, or r/λ₀ for lr: { normalized: r })',
  options: type({
    /** Steps over which the rate falls by √2 from η (τ). */
    timescale: 'number > 0 = 1',
  }),
  create: (options, context) => new InverseSqrtSchedule(context.baseLr, options.timescale),
});
