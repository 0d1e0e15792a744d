import type { Type } from 'arktype';
import type { Probe } from '../probe/probe.js';
import type { Contribution } from './contribution.js';
import type { RunContext } from './run-context.js';

export interface ProbeContext extends RunContext {
  /** Measure every this many steps (the spec's `every:`, default 1); the last step is always measured. */
  readonly every: number;
}

export const ProbeContribution = Symbol.for('@tdlab/core/ProbeContribution');
/** A probe a study lists with `probes: [{ use: <id>, every, ... }]`. */
export interface ProbeContribution<S extends Type<object> = Type<object>> extends Contribution<S, ProbeContext, Probe> {}

export function defineProbe<S extends Type<object>>(contribution: ProbeContribution<S>): ProbeContribution<S> {
  return contribution;
}
