import { defineSchedule, nestedSectionSchema, type Schedule } from '@tdlab/core';
import type { MetricBoard } from '@tdlab/core';
import { type } from 'arktype';

/** η_t = min(1, (t+1)/W)·η'_t, η'_t the wrapped schedule's rate; requires what it requires. */
export class LinearWarmupSchedule implements Schedule {
  readonly requires: readonly string[];
  constructor(
    readonly inner: Schedule,
    readonly warmupSteps: number,
  ) {
    this.requires = inner.requires;
  }

  learningRate(step: number, metrics: MetricBoard): number {
    // (t+1)/W: the first update (t = 0) already moves; update W−1 is the first at the full rate.
    return Math.min(1, (step + 1) / this.warmupSteps) * this.inner.learningRate(step, metrics);
  }
}

/**
 * `schedule: { use: linear-warmup, lr, warmupSteps: W, schedule: { use: cosine, steps: 1000 } }` —
 * η_t = min(1, (t+1)/W)·η'_t. The wrapped section has no `lr` of its own: it gets this section's
 * baseLr (and λ₀), as if it stood at the top level with this `lr`.
 */
export const linearWarmupSchedule = defineSchedule({
  id: 'linear-warmup',
  description: 'η_t = min(1, (t+1)/W)·η′_t, η′ any other schedule (nested under schedule:) with the same lr',
  options: type({
    /** Steps of the linear ramp (W). */
    warmupSteps: 'number.integer >= 1',
    /** The schedule to warm up: any schedule section, validated by its own contribution. */
    schedule: nestedSectionSchema,
  }),
  nested: { schedule: 'schedule' },
  create: (options, context) => new LinearWarmupSchedule(context.createSchedule(options.schedule), options.warmupSteps),
});
