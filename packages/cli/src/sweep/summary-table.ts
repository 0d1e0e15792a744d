import type { RunSummary } from '@tdlab/core';
import { parquetWriteBuffer } from 'hyparquet-writer';

/** One run of the sweep with its axis values and summary: a row of the summary table. */
export interface SummaryRow {
  readonly id: string;
  readonly axes: Readonly<Record<string, number | string | boolean>>;
  readonly summary: RunSummary;
}

/** The summary fields of the table, after `id` and the axis columns. */
export const summaryColumns = [
  'outcome',
  'steps',
  'initialLoss',
  'peakLoss',
  'peakStep',
  'finalLoss',
  'lambda0',
  'finalLambda',
  'lr',
  'normalizedLr',
  'finalNormalizedLr',
  'weightNormRatio',
  'wallSeconds',
] as const satisfies readonly (keyof RunSummary)[];

const integerColumns = new Set<string>(['steps', 'peakStep']);

type Cell = number | string | boolean | null;

/** The table: `id`, one column per axis (named by its path), then the summary columns. */
export function summaryTable(rows: readonly SummaryRow[], axes: readonly string[]): { columns: string[]; cells: Cell[][] } {
  const columns = ['id', ...axes, ...summaryColumns];
  const cells = rows.map((row) => [row.id, ...axes.map((axis) => row.axes[axis] ?? null), ...summaryColumns.map((column) => row.summary[column] ?? null)]);
  return { columns, cells };
}

/**
 * The table as CSV (RFC 4180: CRLF line ends, a header line, fields with a comma, quote or line
 * break in double quotes with quotes doubled). NaN and ±Infinity are written as `NaN`,
 * `Infinity` and `-Infinity`; a missing value as an empty field.
 */
export function summaryCsv(rows: readonly SummaryRow[], axes: readonly string[]): string {
  const { columns, cells } = summaryTable(rows, axes);
  return [columns, ...cells].map((line) => line.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: Cell): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? numberText(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return String(value);
}

/**
 * The table as Parquet (hyparquet-writer): `id`, `outcome` and text axes as UTF-8 strings,
 * `steps` and `peakStep` as INT32, boolean axes as BOOLEAN, the other numbers as DOUBLE (NaN and
 * ±Infinity kept as IEEE values). A numeric axis whose values are all integers is INT32.
 */
export function summaryParquet(rows: readonly SummaryRow[], axes: readonly string[]): Uint8Array {
  const { columns, cells } = summaryTable(rows, axes);
  const columnData = columns.map((name, index) => {
    const data = cells.map((row) => row[index]);
    const type = columnType(name, data, axes.includes(name));
    // A mixed-type axis column is text: one type per Parquet column.
    return { name, data: type === 'STRING' ? data.map((value) => (value === null ? null : String(value))) : data, type };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData }));
}

function columnType(name: string, data: readonly Cell[], isAxis: boolean): 'STRING' | 'INT32' | 'DOUBLE' | 'BOOLEAN' {
  if (name === 'id' || name === 'outcome') return 'STRING';
  if (integerColumns.has(name)) return 'INT32';
  if (!isAxis) return 'DOUBLE';
  const present = data.filter((value) => value !== null);
  if (present.length > 0 && present.every((value) => typeof value === 'boolean')) return 'BOOLEAN';
  if (present.every((value) => typeof value === 'number')) {
    return present.every((value) => Number.isInteger(value) && Math.abs(value as number) < 2 ** 31) ? 'INT32' : 'DOUBLE';
  }
  return 'STRING';
}

