import type { Type } from 'arktype';
import type { Schedule } from '../schedule/schedule.js';
import type { SectionSpec } from '../spec/study-spec.js';
import type { Contribution } from './contribution.js';
import type { RunContext } from './run-context.js';

export interface ScheduleContext extends RunContext {
  /** The base learning rate: the spec's absolute `lr`, or r/λ₀ for `lr: { normalized: r }`. */
  readonly baseLr: number;
  /** λ₀ when the run measured it (always for a normalized `lr`). */
  readonly lambda0: number | undefined;
  /**
   * Builds a schedule section nested in this one (declared in the contribution's `nested`), exactly
   * as its factory was handed it in the options, with this same context (`baseLr`, `lambda0`): the
   * schedule the section would build at the top level. Used by wrappers such as `linear-warmup`.
   */
  createSchedule(section: SectionSpec): Schedule;
}

export const ScheduleContribution = Symbol.for('@tdlab/core/ScheduleContribution');
/** A learning-rate schedule a study selects with `schedule: { use: <id>, lr, ... }`. */
export interface ScheduleContribution<S extends Type<object> = Type<object>> extends Contribution<S, ScheduleContext, Schedule> {}

export function defineSchedule<S extends Type<object>>(contribution: ScheduleContribution<S>): ScheduleContribution<S> {
  return contribution;
}
