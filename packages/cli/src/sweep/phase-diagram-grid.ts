import type { RunSummary } from '@tdlab/core';
import { classifyPhase, phases, type Phase } from './phase-diagram-phase.js';

/** A value a run has on a sweep axis. */
export type AxisValue = number | string | boolean;

/** One finished run of a sweep: its axis values and its summary. */
export interface PhaseDiagramRow {
  readonly axes: Readonly<Record<string, AxisValue>>;
  readonly summary: RunSummary;
}

export interface PhaseDiagramOptions {
  /** The axis path along the columns (e.g. "schedule.lr.normalized"). */
  readonly x: string;
  /** The axis path along the rows (e.g. "model.width"); one row for all runs when absent. */
  readonly y?: string;
}

/**
 * The runs that share one (x, y) position, whatever their other axes (seeds, …). The cell's phase
 * is the majority phase; a tie goes to the more severe phase (diverged > catapult > lazy), so a
 * cell where half the seeds diverge reads as diverged. `mixed` marks cells whose runs disagree.
 */
export interface PhaseCell {
  readonly x: AxisValue;
  /** Undefined in a diagram without a y axis. */
  readonly y: AxisValue | undefined;
  readonly runs: number;
  readonly counts: Readonly<Record<Phase, number>>;
  /** The majority phase; undefined for a cell with no run (zipped or random axes leave holes). */
  readonly phase: Phase | undefined;
  /** The phases present, majority first, then by count, ties most severe first. */
  readonly present: readonly Phase[];
  readonly mixed: boolean;
  /** Median of peakLoss/initialLoss over the cell's runs (a NaN ratio counts as +∞; NaN if empty). */
  readonly medianPeakRatio: number;
  /** Median of the final η·λ over the cell's runs (NaN values count as +∞; NaN if empty). */
  readonly medianFinalNormalizedLr: number;
}

export interface PhaseGrid {
  readonly x: string;
  readonly y: string | undefined;
  /** Column values: ascending when all numbers, false before true, else in order of first appearance. */
  readonly xValues: readonly AxisValue[];
  /** Row values, ordered like xValues; a single undefined without a y axis. */
  readonly yValues: readonly (AxisValue | undefined)[];
  /** cells[i][j]: row yValues[i] (lowest first), column xValues[j]. */
  readonly cells: readonly (readonly PhaseCell[])[];
  readonly runs: number;
}

/** Groups the runs by (x, y) and aggregates each cell. Throws when a run lacks one of the axes. */
export function buildPhaseGrid(rows: readonly PhaseDiagramRow[], options: PhaseDiagramOptions): PhaseGrid {
  const axisOf = (row: PhaseDiagramRow, axis: string): AxisValue => {
    const value = row.axes[axis];
    if (value === undefined) {
      const known = Object.keys(row.axes).join(', ') || 'none';
      throw new Error(`phase diagram: run ${row.summary.run} has no value on axis "${axis}" (its axes: ${known})`);
    }
    return value;
  };
  const xValues = orderValues(rows.map((row) => axisOf(row, options.x)));
  const yValues: (AxisValue | undefined)[] =
    options.y === undefined ? [undefined] : orderValues(rows.map((row) => axisOf(row, options.y as string)));

  const xIndex = new Map(xValues.map((value, j) => [valueKey(value), j]));
  const yIndex = new Map(yValues.map((value, i) => [valueKey(value), i]));
  const groups = yValues.map(() => xValues.map(() => [] as ReturnType<typeof classifyPhase>[]));
  for (const row of rows) {
    const i = yIndex.get(valueKey(options.y === undefined ? undefined : axisOf(row, options.y))) as number;
    const j = xIndex.get(valueKey(axisOf(row, options.x))) as number;
    groups[i][j].push(classifyPhase(row.summary));
  }

  const cells = groups.map((line, i) =>
    line.map((runs, j): PhaseCell => {
      const counts = { lazy: 0, catapult: 0, diverged: 0 } satisfies Record<Phase, number>;
      for (const run of runs) counts[run.phase] += 1;
      const present = [...phases]
        .reverse()
        .filter((phase) => counts[phase] > 0)
        .sort((a, b) => counts[b] - counts[a]);
      return {
        x: xValues[j],
        y: yValues[i],
        runs: runs.length,
        counts,
        phase: present[0],
        present,
        mixed: present.length > 1,
        medianPeakRatio: median(runs.map((run) => run.peakRatio)),
        medianFinalNormalizedLr: median(runs.map((run) => run.finalNormalizedLr)),
      };
    }),
  );
  return { x: options.x, y: options.y, xValues, yValues, cells, runs: rows.length };
}

/** The distinct values: ascending if all numbers, false before true if all booleans, else as first seen. */
function orderValues(values: readonly AxisValue[]): AxisValue[] {
  const distinct = new Map<string, AxisValue>();
  for (const value of values) if (!distinct.has(valueKey(value))) distinct.set(valueKey(value), value);
  const list = [...distinct.values()];
  if (list.every((value) => typeof value === 'number')) return list.sort((a, b) => (a as number) - (b as number));
  if (list.every((value) => typeof value === 'boolean')) return list.sort((a, b) => Number(a) - Number(b));
  return list;
}

/** Distinguishes 1 from "1" and true from "true". */
function valueKey(value: AxisValue | undefined): string {
  return `${typeof value}:${String(value)}`;
}

/** The median, with NaN counted as +∞ (a diverged run's ratio); NaN for no values. */
function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.map((v) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v)).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
