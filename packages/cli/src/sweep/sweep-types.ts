import type { RunSummary } from '@tdlab/core';

/**
 * The contracts between the parts of `tdlab sweep`: the plan (the sweep's runs, expanded from the
 * `sweep:` section), the executors that run them (local worker pool, BullMQ queue) and the sweep
 * directory that stores each result exactly once.
 */

/** One run of a sweep: its resolved spec (no `sweep:` key) and the axis values that produced it. */
export interface PlannedRun {
  /** runId(spec.name, spec) of the resolved spec: a re-run of the sweep finds it again. */
  readonly id: string;
  /** The study spec of this run, ready for Tdlab (JSON-serializable: it crosses threads and machines). */
  readonly spec: Record<string, unknown>;
  /** Axis path (e.g. "schedule.lr.normalized") → the value this run has on it. */
  readonly axes: Readonly<Record<string, number | string | boolean>>;
}

export interface SweepPlan {
  readonly name: string;
  /** Where relative paths in the specs resolve (the sweep file's folder). */
  readonly baseDir: string;
  /** The axis paths, in declaration order (grid axes, then zipped, then random). */
  readonly axes: readonly string[];
  readonly runs: readonly PlannedRun[];
}

/**
 * What executing one run produces, wherever it ran: the files of its run directory (spec.json,
 * metrics.jsonl, summary.json, … as text) and its summary. Executors send this back to the
 * submitting side, which alone writes it into the sweep directory.
 */
export interface RunResult {
  readonly id: string;
  readonly summary: RunSummary;
  readonly files: Readonly<Record<string, string>>;
}

export interface ExecutorProgress {
  /** A run started (on worker `worker`, when the executor knows it). */
  started?(run: PlannedRun, worker?: string): void;
  /** A run's result arrived; the sweep stores it (once) before the next is reported. */
  finished(result: RunResult): Promise<void> | void;
  /** A run failed for good (after the executor's retries): the error text. */
  failed?(run: PlannedRun, error: string): void;
}

/** Runs a list of planned runs and hands each result to `progress.finished`. */
export interface SweepExecutor {
  execute(plan: SweepPlan, runs: readonly PlannedRun[], progress: ExecutorProgress, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}
