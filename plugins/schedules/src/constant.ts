import { defineSchedule, type Schedule } from '@tdlab/core';
import { type } from 'arktype';

/** η_t = η for every step; reads no metrics. */
export class ConstantSchedule implements Schedule {
  readonly requires: readonly string[] = [];
  constructor(readonly lr: number) {}

  learningRate(): number {
    return this.lr;
  }
}

/**
 * `schedule: { use: constant, lr: 0.5 }` or `lr: { normalized: r }` — η_t = baseLr, where the core
 * resolves baseLr from `lr` (r/λ₀ for a normalized rate). The setting of every catapult experiment.
 */
export const constantSchedule = defineSchedule({
  id: 'constant',
  description: 'η_t = η (the spec’s lr, or r/λ₀ for lr: { normalized: r })',
  // No options of its own: the learning rate is the section's core `lr` field.
  options: type({}),
  create: (_options, context) => new ConstantSchedule(context.baseLr),
});
