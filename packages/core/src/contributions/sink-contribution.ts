import type { Type } from 'arktype';
import type { Sink } from '../sink/sink.js';
import type { Contribution } from './contribution.js';
import type { RunContext } from './run-context.js';

export const SinkContribution = Symbol.for('@tdlab/core/SinkContribution');
/** A sink a study lists with `sinks: [{ use: <id>, ... }]`. */
export interface SinkContribution<S extends Type<object> = Type<object>> extends Contribution<S, RunContext, Sink> {}

export function defineSink<S extends Type<object>>(contribution: SinkContribution<S>): SinkContribution<S> {
  return contribution;
}
