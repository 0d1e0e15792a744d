import type { MetricRecord, RunInfo, Sink, StepEvent } from '@tdlab/core';
import type { EventLog } from './event-log.js';

/**
 * The sink the dashboard attaches to each run it starts (`extraSinks`): it writes the run into the
 * run's event log — `info` at open, `metric` per metric record, `step` per step event (at most one
 * every `stepMilliseconds`, plus the last one, which carries the outcome). It does not end the log:
 * the sinks close before the core writes summary.json, so the dashboard appends `end` (and ends the
 * log) only once the run has returned, when the run directory is complete.
 */
export class DashboardSink implements Sink {
  private lastStepAt = 0;
  private pending: StepEvent | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly onStep: (event: StepEvent) => void = () => {},
    private readonly stepMilliseconds = 100,
  ) {}

  open(info: RunInfo): void {
    this.log.append('info', { run: info.run, name: info.name, totalSteps: info.totalSteps, ...(info.arms ? { arms: info.arms } : {}) });
  }

  write(record: MetricRecord): void {
    const { run, step, arm, name, index, value } = record;
    this.log.append('metric', { run, step, ...(arm === undefined ? {} : { arm }), name, ...(index === undefined ? {} : { index }), value });
  }

  progress(event: StepEvent): void {
    this.onStep(event);
    const now = Date.now();
    if (event.outcome === undefined && now - this.lastStepAt < this.stepMilliseconds) {
      this.pending = event;
      return;
    }
    this.lastStepAt = now;
    this.pending = undefined;
    this.send(event);
  }

  close(): void {
    if (this.pending !== undefined) this.send(this.pending);
    this.pending = undefined;
  }

  private send(event: StepEvent): void {
    const { run, arm, step, totalSteps, lr, loss, outcome } = event;
    this.log.append('step', { run, ...(arm === undefined ? {} : { arm }), step, totalSteps, lr, loss, ...(outcome === undefined ? {} : { outcome }) });
  }
}
