import { resolve } from 'node:path';
import { type DataSet, defineDataSet, type LabeledInputs } from '@tdlab/core';
import type { Precision, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { EVAL_STREAM, labeledInputs } from './internal.js';
import { alignFeatures, readTable, type Table, type TableFormat, tableFormat } from './read-table.js';
import { range, sampleWithoutReplacement } from './subset.js';

/** `eval:` for from-file, exactly one of: a held-out file, a number of rows or a fraction of rows held out of the training file. */
export interface FromFileEval {
  readonly path?: string;
  readonly n?: number;
  readonly fraction?: number;
}

export interface FromFileOptions {
  readonly path: string;
  readonly target: string;
  /** Shorthand for `eval: { path }`. */
  readonly evalPath?: string;
  readonly eval?: FromFileEval;
  readonly format?: TableFormat;
}

function toInputs(table: Table, precision: Precision): LabeledInputs {
  return labeledInputs(precision, table.x, table.y, table.n);
}

/** The rows of `table` at `rows` (ascending), as a table. */
function pickRows(table: Table, rows: Int32Array): Table {
  const { d } = table;
  const x = new Float64Array(rows.length * d);
  const y = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    x.set(table.x.subarray(row * d, row * d + d), i * d);
    y[i] = table.y[row];
  });
  return { features: table.features, x, y, n: rows.length, d };
}

/**
 * Holds out m rows of the training table: m = eval.n, or round(fraction·N). The held-out rows are
 * the first m of a random permutation drawn from `rng` (a Fisher–Yates shuffle stopped after m
 * swaps); both parts keep the file's row order. Every part must keep at least one row.
 */
function splitRows(table: Table, evaluation: FromFileEval, rng: Rng, file: string): { train: Table; eval: Table } {
  const total = table.n;
  const m = evaluation.n ?? Math.round((evaluation.fraction ?? 0) * total);
  if (!(m >= 1 && m <= total - 1)) {
    const asked = evaluation.n !== undefined ? `eval.n = ${evaluation.n}` : `eval.fraction = ${evaluation.fraction} (${m} rows)`;
    throw new Error(`from-file: ${file}: ${asked} leaves no rows for ${m >= 1 ? 'training' : 'eval'}; the file has ${total} rows`);
  }
  const held = sampleWithoutReplacement(rng, range(total), m).sort();
  const isHeld = new Uint8Array(total);
  for (const row of held) isHeld[row] = 1;
  const kept = new Int32Array(total - m);
  let next = 0;
  for (let row = 0; row < total; row++) if (!isHeld[row]) kept[next++] = row;
  return { train: pickRows(table, kept), eval: pickRows(table, held) };
}

/**
 * Reads the training (and evaluation) file, resolving relative paths against `baseDir`. A split
 * (`eval: { n }` or `{ fraction }`) draws from `rng`, the data stream's `eval` stream.
 */
export function readDataFiles(options: FromFileOptions, baseDir: string, precision: Precision, rng?: Rng): DataSet {
  const trainFile = resolve(baseDir, options.path);
  const train = readTable(trainFile, options.format, options.target);
  const evaluation: FromFileEval | undefined = options.eval ?? (options.evalPath === undefined ? undefined : { path: options.evalPath });
  if (evaluation === undefined) return { inputDim: train.d, train: toInputs(train, precision) };
  if (evaluation.path === undefined) {
    if (rng === undefined) throw new Error(`from-file: ${trainFile}: a split (eval.n or eval.fraction) needs a random stream`);
    const parts = splitRows(train, evaluation, rng, trainFile);
    return { inputDim: train.d, train: toInputs(parts.train, precision), eval: toInputs(parts.eval, precision) };
  }
  const evalFile = resolve(baseDir, evaluation.path);
  const byName = tableFormat(trainFile, options.format) === 'csv' && tableFormat(evalFile, options.format) === 'csv';
  const held = alignFeatures(train, readTable(evalFile, options.format, options.target), evalFile, byName);
  return { inputDim: train.d, train: toInputs(train, precision), eval: toInputs(held, precision) };
}

/**
 * `eval:` — exactly one of `path` (a held-out file in the same format, resolved like `path`), `n`
 * (hold out n rows of the training file) or `fraction` (hold out round(fraction·N) of its N rows).
 */
const fileEval = type({
  '+': 'reject',
  /** A held-out file in the same format; CSV columns are matched by name. */
  'path?': 'string > 0',
  /** Hold out this many rows of the training file, chosen from the seed. */
  'n?': 'number.integer > 0',
  /** Hold out round(fraction·N) of the training file's N rows, chosen from the seed. */
  'fraction?': '0 < number < 1',
}).narrow((value, ctx) =>
  [value.path, value.n, value.fraction].filter((entry) => entry !== undefined).length === 1
    ? true
    : ctx.mustBe('exactly one of path, n or fraction'),
);

/**
 * `data: { use: from-file, path: data/train.csv, target: y, eval: { path: data/test.csv } }` — a
 * data set read from a CSV (header row; the `target` column is y, every other column a feature) or
 * JSON file (`{ "x": number[][], "y": number[] }` or `[{ "x": number[], "y": number }, …]`). The eval
 * split is a second file, or rows held out of the first (`eval: { n }` / `eval: { fraction }`).
 */
export const fromFile = defineDataSet({
  id: 'from-file',
  description: 'Rows read from a CSV (header; target column y, other columns features) or JSON ({x: number[][], y: number[]} or [{x, y}]) file',
  options: type({
    /** The training file, .csv or .json; a relative path is resolved against the study file's folder. */
    path: 'string > 0',
    /** CSV only: the name of the target column; every other column is a feature. Default "y". */
    target: "string > 0 = 'y'",
    /** Shorthand for `eval: { path }`: a held-out file in the same format. CSV columns are matched by name. */
    'evalPath?': 'string > 0',
    /** Optional eval split: `{ path }` (a second file), `{ n }` or `{ fraction }` (rows held out of this file). */
    'eval?': fileEval,
    /** Overrides the format otherwise taken from each file's extension (.csv or .json). */
    'format?': "'csv' | 'json'",
  }).narrow((value, ctx) =>
    value.eval !== undefined && value.evalPath !== undefined
      ? ctx.reject({ path: ['evalPath'], expected: 'absent when eval is given (evalPath is a shorthand for eval: { path })', actual: JSON.stringify(value.evalPath) })
      : true,
  ),
  create: (options, context) =>
    readDataFiles(options, context.baseDir, context.precision, context.rng('data').derive(EVAL_STREAM)),
});
