import { defineSchedule, type Schedule } from '@tdlab/core';
import { type } from 'arktype';

/** η_t = η·γ^⌊t/k⌋: the rate is multiplied by γ every k steps; reads no metrics. */
export class StepDecaySchedule implements Schedule {
  readonly requires: readonly string[] = [];
  constructor(
    readonly lr: number,
    readonly every: number,
    readonly gamma: number,
  ) {}

  learningRate(step: number): number {
    return this.lr * this.gamma ** Math.floor(step / this.every);
  }
}

/** `schedule: { use: step, lr, every: k, gamma: γ }` — η_t = baseLr·γ^⌊t/k⌋. */
export const stepSchedule = defineSchedule({
  id: 'step',
  description: 'η_t = η·γ^⌊t/every⌋ (η the spec’s lr, or r/λ₀ for lr: { normalized: r })',
  options: type({
    /** Steps between two decays (k). */
    every: 'number.integer >= 1',
    /** Factor applied every `every` steps (γ). */
    gamma: 'number > 0 = 0.1',
  }),
  create: (options, context) => new StepDecaySchedule(context.baseLr, options.every, options.gamma),
});
