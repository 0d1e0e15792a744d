import { defineSchedule, type Schedule } from '@tdlab/core';
import { type } from 'arktype';

/** η_t = η_min + ½(η − η_min)(1 + cos(π·min(t, T)/T)), η_min = m·η; reads no metrics. */
export class CosineSchedule implements Schedule {
  readonly requires: readonly string[] = [];
  constructor(
    readonly lr: number,
    readonly steps: number,
    readonly minFactor: number,
  ) {}

  learningRate(step: number): number {
    const min = this.minFactor * this.lr;
    // Cosine annealing (Loshchilov & Hutter); held at η_min after T steps.
    return min + 0.5 * (this.lr - min) * (1 + Math.cos((Math.PI * Math.min(step, this.steps)) / this.steps));
  }
}

/** `schedule: { use: cosine, lr, steps: T, minFactor: m }` — cosine annealing from baseLr to m·baseLr over T steps. */
export const cosineSchedule = defineSchedule({
  id: 'cosine',
  description: 'η_t = η_min + ½(η − η_min)(1 + cos(π·min(t, T)/T)), η_min = minFactor·η (η the spec’s lr, or r/λ₀)',
  options: type({
    /** Steps of the annealing (T); the rate stays at η_min afterwards. */
    steps: 'number.integer >= 1',
    /** η_min as a fraction of η (m), so it works with a normalized lr too. */
    minFactor: '0 <= number <= 1 = 0',
  }),
  create: (options, context) => new CosineSchedule(context.baseLr, options.steps, options.minFactor),
});
