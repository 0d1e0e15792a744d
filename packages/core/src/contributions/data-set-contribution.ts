import type { Type } from 'arktype';
import type { DataSet } from '../data/data-set.js';
import type { Contribution } from './contribution.js';
import type { RunContext } from './run-context.js';

export const DataSetContribution = Symbol.for('@tdlab/core/DataSetContribution');
/** A data set a study selects with `data: { use: <id>, ... }`. */
export interface DataSetContribution<S extends Type<object> = Type<object>> extends Contribution<S, RunContext, DataSet> {}

export function defineDataSet<S extends Type<object>>(contribution: DataSetContribution<S>): DataSetContribution<S> {
  return contribution;
}
