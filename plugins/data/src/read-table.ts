import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

/** A parsed table in float64: n rows of d features (row-major) and one target per row. */
export interface Table {
  /** Feature names: the CSV header without the target column, or x0, x1, … for JSON. */
  readonly features: readonly string[];
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
}

export type TableFormat = 'csv' | 'json';

/** A plain decimal number: optional sign, digits with an optional point, optional exponent. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function fail(file: string, message: string): never {
  throw new Error(`from-file: ${file}: ${message}`);
}

/** The file's format from `format`, else from its extension (.csv or .json, any case). */
export function tableFormat(file: string, format: TableFormat | undefined): TableFormat {
  if (format) return format;
  const extension = extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.json') return 'json';
  return fail(file, `cannot tell the format from the extension "${extension}"; use a .csv or .json file, or set format: csv | json`);
}

/** Reads and parses a CSV or JSON table; `file` is the resolved path, used in every error. */
export function readTable(file: string, format: TableFormat | undefined, target: string): Table {
  const kind = tableFormat(file, format);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(file, code === 'ENOENT' ? 'no such file' : `cannot read the file (${(error as Error).message})`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return kind === 'csv' ? parseCsv(text, file, target) : parseJson(text, file);
}

/** Splits one CSV line on commas; a cell may be double-quoted, with "" for a literal quote. */
function splitCsvLine(line: string, file: string, lineNumber: number): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) fail(file, `line ${lineNumber}: a quoted cell is not closed (quoted line breaks are not supported)`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += line[i++];
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') fail(file, `line ${lineNumber}: unexpected text after a quoted cell`);
    } else {
      const end = line.indexOf(',', i);
      cell = (end < 0 ? line.slice(i) : line.slice(i, end)).trim();
      i = end < 0 ? line.length : end;
    }
    cells.push(cell);
    if (i >= line.length) return cells;
    i++; // the comma
  }
}

/**
 * CSV with a header row. The column named `target` is the target; every other column is a feature,
 * in file order. Blank lines are skipped; cells may be quoted and are trimmed. Every data cell must
 * be a finite decimal number.
 */
export function parseCsv(text: string, file: string, target: string): Table {
  const lines = text.split(/\r\n|\n|\r/);
  let index = 0;
  while (index < lines.length && lines[index].trim() === '') index++;
  if (index >= lines.length) fail(file, 'the file is empty; expected a header row and at least one data row');
  const headerLine = index + 1;
  const header = splitCsvLine(lines[index], file, headerLine);
  const targetColumns = header.flatMap((name, column) => (name === target ? [column] : []));
  if (targetColumns.length === 0) {
    const separatorHint = header.length === 1 && /[;\t]/.test(header[0]) ? ' (columns must be separated by commas)' : '';
    fail(
      file,
      `line ${headerLine}: the header has no column named "${target}" (columns: ${header.map((name) => `"${name}"`).join(', ')})${separatorHint}; ` +
        'set the `target` option to the name of the target column',
    );
  }
  if (targetColumns.length > 1) fail(file, `line ${headerLine}: the header has ${targetColumns.length} columns named "${target}"`);
  const targetColumn = targetColumns[0];
  const features = header.filter((_, column) => column !== targetColumn);
  if (features.length === 0) fail(file, `line ${headerLine}: the header has only the target column "${target}"; at least one feature column is needed`);

  const d = features.length;
  const xs: number[] = [];
  const ys: number[] = [];
  let row = 0;
  for (index++; index < lines.length; index++) {
    if (lines[index].trim() === '') continue;
    row++;
    const lineNumber = index + 1;
    const where = `line ${lineNumber} (data row ${row})`;
    const cells = splitCsvLine(lines[index], file, lineNumber);
    if (cells.length !== header.length) {
      fail(file, `${where} has ${cells.length} cell${cells.length === 1 ? '' : 's'}, but the header has ${header.length} columns`);
    }
    cells.forEach((cell, column) => {
      const name = header[column];
      if (cell === '') fail(file, `${where}: column "${name}" is empty`);
      const value = DECIMAL.test(cell) ? Number(cell) : Number.NaN;
      if (!Number.isFinite(value)) fail(file, `${where}: column "${name}" is "${cell}", which is not a finite number`);
      if (column === targetColumn) ys.push(value);
      else xs.push(value);
    });
  }
  if (row === 0) fail(file, 'the file has a header but no data rows');
  return { features, x: Float64Array.from(xs), y: Float64Array.from(ys), n: row, d };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * JSON as `{ "x": number[][], "y": number[] }` or `[{ "x": number[], "y": number }, …]`. A row's x
 * may also be a bare number (one feature). Rows are numbered from 0, like the JSON arrays.
 */
export function parseJson(text: string, file: string): Table {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return fail(file, `not valid JSON (${(error as Error).message})`);
  }
  const shapes = 'expected {"x": number[][], "y": number[]} or an array of {"x": number[], "y": number}';
  let rows: { x: unknown; y: unknown; where: string }[];
  if (Array.isArray(data)) {
    rows = data.map((item: unknown, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) fail(file, `row ${i} is not an object with "x" and "y"; ${shapes}`);
      const record = item as Record<string, unknown>;
      if (!('x' in record) || !('y' in record)) fail(file, `row ${i} has no ${'x' in record ? '"y"' : '"x"'}; ${shapes}`);
      return { x: record.x, y: record.y, where: `row ${i} ([${i}])` };
    });
  } else if (typeof data === 'object' && data !== null && 'x' in data && 'y' in data) {
    const { x, y } = data as { x: unknown; y: unknown };
    if (!Array.isArray(x)) fail(file, `"x" is not an array; ${shapes}`);
    if (!Array.isArray(y)) fail(file, `"y" is not an array; ${shapes}`);
    if (x.length !== y.length) fail(file, `"x" has ${x.length} rows but "y" has ${y.length}`);
    rows = x.map((row: unknown, i) => ({ x: row, y: y[i], where: `row ${i} (x[${i}], y[${i}])` }));
  } else {
    return fail(file, shapes);
  }
  if (rows.length === 0) fail(file, 'the file has no rows');

  let d = -1;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const { x, y, where } of rows) {
    const features = isFiniteNumber(x) ? [x] : x;
    if (!Array.isArray(features)) fail(file, `${where}: x is ${JSON.stringify(x)}, not an array of numbers`);
    if (features.length === 0) fail(file, `${where}: x is empty`);
    if (d < 0) d = features.length;
    else if (features.length !== d) fail(file, `${where}: x has ${features.length} entries, but row 0 has ${d}`);
    features.forEach((value: unknown, j) => {
      if (!isFiniteNumber(value)) fail(file, `${where}: x[${j}] is ${JSON.stringify(value)}, not a finite number`);
      xs.push(value);
    });
    if (!isFiniteNumber(y)) fail(file, `${where}: y is ${JSON.stringify(y) ?? 'missing'}, not a finite number`);
    ys.push(y);
  }
  const features = Array.from({ length: d }, (_, j) => `x${j}`);
  return { features, x: Float64Array.from(xs), y: Float64Array.from(ys), n: rows.length, d };
}

/**
 * Reorders an evaluation table's features to the training table's order. CSV columns are matched
 * by name (they may come in another order); otherwise only the feature count must agree.
 */
export function alignFeatures(train: Table, evaluation: Table, evalFile: string, byName: boolean): Table {
  if (!byName) {
    if (evaluation.d !== train.d) fail(evalFile, `rows have ${evaluation.d} features, but the training file's have ${train.d}`);
    return evaluation;
  }
  const missing = train.features.filter((name) => !evaluation.features.includes(name));
  const extra = evaluation.features.filter((name) => !train.features.includes(name));
  if (missing.length > 0 || extra.length > 0 || evaluation.d !== train.d) {
    const parts = [
      missing.length > 0 ? `missing ${missing.map((name) => `"${name}"`).join(', ')}` : '',
      extra.length > 0 ? `unexpected ${extra.map((name) => `"${name}"`).join(', ')}` : '',
    ].filter(Boolean);
    fail(evalFile, `the feature columns differ from the training file's (${parts.join('; ') || 'duplicate names'})`);
  }
  const order = train.features.map((name) => evaluation.features.indexOf(name));
  if (order.every((column, j) => column === j)) return evaluation;
  const x = new Float64Array(evaluation.x.length);
  for (let i = 0; i < evaluation.n; i++) {
    for (let j = 0; j < train.d; j++) x[i * train.d + j] = evaluation.x[i * train.d + order[j]];
  }
  return { ...evaluation, features: train.features, x };
}
