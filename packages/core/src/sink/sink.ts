import type { MetricRecord } from '../stream/metric-record.js';
import type { RunSummary } from '../run/run-summary.js';
import type { StepEvent } from '../stream/step-event.js';

/** What a sink knows about the run when it opens. */
export interface RunInfo {
  readonly run: string;
  readonly name: string;
  readonly totalSteps: number;
  /** The run directory, when the run writes one. */
  readonly outDir: string | undefined;
  /** The arms' names, the model first, when the study declares `arms:` (records then carry `arm`). */
  readonly arms?: readonly string[];
}

/**
 * Where metric records go. A lifecycle of optional, awaitable hooks (after vitest's Reporter):
 * the runner always calls flush and close — on completion, on error and on Ctrl-C.
 */
export interface Sink {
  /** Before the first record: open files, print headers. */
  open?(info: RunInfo): void | Promise<void>;
  /** One metric record; may buffer. */
  write(record: MetricRecord): void;
  /** Every step event, for sinks that show progress (called after the step's records). */
  progress?(event: StepEvent): void;
  /** Push buffered records to their destination. */
  flush?(): void | Promise<void>;
  /** After the last record; the summary carries the outcome. */
  close?(summary: RunSummary): void | Promise<void>;
}
