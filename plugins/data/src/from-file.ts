import { resolve } from 'node:path';
import { type DataSet, defineDataSet, type LabeledInputs } from '@tdlab/core';
import type { Precision } from '@tdlab/tensor';
import { type } from 'arktype';
import { labeledInputs } from './internal.js';
import { alignFeatures, readTable, type Table, type TableFormat, tableFormat } from './read-table.js';

export interface FromFileOptions {
  readonly path: string;
  readonly target: string;
  readonly evalPath?: string;
  readonly format?: TableFormat;
}

function toInputs(table: Table, precision: Precision): LabeledInputs {
  return labeledInputs(precision, table.x, table.y, table.n);
}

/** Reads the training (and evaluation) file, resolving relative paths against `baseDir`. */
export function readDataFiles(options: FromFileOptions, baseDir: string, precision: Precision): DataSet {
  const trainFile = resolve(baseDir, options.path);
  const train = readTable(trainFile, options.format, options.target);
  if (options.evalPath === undefined) return { inputDim: train.d, train: toInputs(train, precision) };
  const evalFile = resolve(baseDir, options.evalPath);
  const byName = tableFormat(trainFile, options.format) === 'csv' && tableFormat(evalFile, options.format) === 'csv';
  const evaluation = alignFeatures(train, readTable(evalFile, options.format, options.target), evalFile, byName);
  return { inputDim: train.d, train: toInputs(train, precision), eval: toInputs(evaluation, precision) };
}

/**
 * `data: { use: from-file, path: data/train.csv, target: y, evalPath: data/test.csv }` — a data set
 * read from a CSV (header row; the `target` column is y, every other column a feature) or JSON file
 * (`{ "x": number[][], "y": number[] }` or `[{ "x": number[], "y": number }, …]`).
 */
export const fromFile = defineDataSet({
  id: 'from-file',
  description: 'Rows read from a CSV (header; target column y, other columns features) or JSON ({x: number[][], y: number[]} or [{x, y}]) file',
  options: type({
    /** The training file, .csv or .json; a relative path is resolved against the study file's folder. */
    path: 'string > 0',
    /** CSV only: the name of the target column; every other column is a feature. Default "y". */
    target: "string > 0 = 'y'",
    /** Optional held-out file in the same format, resolved like `path`. CSV columns are matched by name. */
    'evalPath?': 'string > 0',
    /** Overrides the format otherwise taken from each file's extension (.csv or .json). */
    'format?': "'csv' | 'json'",
  }),
  create: (options, context) => readDataFiles(options, context.baseDir, context.precision),
});
