import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOutcome } from '@tdlab/core';
import { DashboardSink } from './dashboard-sink.js';
import { EventLog } from './event-log.js';
import { type FinishedRun, findFinishedRuns, finishedRunLog } from './finished-runs.js';
import { prepareStudy } from './prepare-study.js';

export type RunStatus = 'running' | 'finished' | 'cancelled' | 'failed' | 'incomplete';

/** One run as the page lists it (GET /api/runs). */
export interface RunView {
  readonly id: string;
  readonly name: string;
  readonly dir: string;
  readonly status: RunStatus;
  readonly outcome?: RunOutcome;
  readonly step: number;
  readonly totalSteps: number;
  readonly source?: string;
  readonly error?: string;
}

interface LiveRun {
  view: RunView;
  readonly log: EventLog;
  readonly controller: AbortController;
  done: Promise<void>;
}

/**
 * The runs of a dashboard: those it started (in this process, each into `<runsDir>/<id>`, with its
 * own event log) and the run directories already under `runsDir` (read from their files).
 */
export class DashboardRuns {
  private readonly live = new Map<string, LiveRun>();
  private readonly finishedLogs = new Map<string, Promise<EventLog>>();

  constructor(readonly runsDir: string) {}

  async list(): Promise<RunView[]> {
    const onDisk = (await findFinishedRuns(this.runsDir)).filter((run) => !this.live.has(run.id)).map(finishedView);
    return [...onDisk, ...[...this.live.values()].map((run) => run.view)];
  }

  /** Validates the study and starts it; resolves once it is under way (StudySpecError if invalid). */
  async start(path: string): Promise<RunView> {
    const prepared = await prepareStudy(path);
    const id = this.freeId(prepared.id);
    const dir = join(this.runsDir, id);
    const log = new EventLog();
    const controller = new AbortController();
    const run: LiveRun = {
      view: { id, name: prepared.name, dir, status: 'running', step: 0, totalSteps: prepared.totalSteps, source: prepared.file },
      log,
      controller,
      done: Promise.resolve(),
    };
    const sink = new DashboardSink(log, (event) => {
      if (event.arm === undefined || event.arm === 'model') run.view = { ...run.view, step: event.step };
    });
    this.live.set(id, run);
    run.done = prepared.kernel
      .execute(prepared.spec, { source: prepared.file, baseDir: prepared.baseDir, outDir: dir, signal: controller.signal, extraSinks: [sink] })
      .then(
        (summary) => {
          run.view = { ...run.view, status: summary.outcome === 'cancelled' ? 'cancelled' : 'finished', outcome: summary.outcome, step: summary.steps };
          // Only now is the run directory complete (summary.json is written after the sinks close).
          log.append('end', summary);
          log.end();
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          run.view = { ...run.view, status: 'failed', error: message };
          log.append('failed', { message });
          log.end();
        },
      );
    return run.view;
  }

  /** A run's event log: the live one, or one read from its run directory. */
  async events(id: string): Promise<EventLog | undefined> {
    const live = this.live.get(id);
    if (live) return live.log;
    let log = this.finishedLogs.get(id);
    if (log === undefined) {
      const run = (await findFinishedRuns(this.runsDir)).find((candidate) => candidate.id === id);
      if (run === undefined) return undefined;
      log = finishedRunLog(run);
      this.finishedLogs.set(id, log);
    }
    return log;
  }

  /** Cancels a running run (its sinks are flushed, its outcome is `cancelled`). */
  cancel(id: string): boolean {
    const run = this.live.get(id);
    if (run === undefined || run.view.status !== 'running') return false;
    run.controller.abort();
    return true;
  }

  /** Cancels every running run, waits for them to close, and cuts off every subscriber. */
  async close(): Promise<void> {
    for (const run of this.live.values()) run.controller.abort();
    await Promise.all([...this.live.values()].map((run) => run.done));
    for (const run of this.live.values()) run.log.destroy();
    for (const log of this.finishedLogs.values()) (await log).destroy();
  }

  /** The study's run id, or with `-2`, `-3`… when that run is live or its directory exists. */
  private freeId(id: string): string {
    let candidate = id;
    for (let n = 2; this.live.has(candidate) || existsSync(join(this.runsDir, candidate)); n++) candidate = `${id}-${n}`;
    return candidate;
  }
}

function finishedView(run: FinishedRun): RunView {
  const summary = run.summary;
  if (summary === undefined) return { id: run.id, name: run.name, dir: run.dir, status: 'incomplete', step: 0, totalSteps: run.totalSteps };
  const status: RunStatus = summary.outcome === 'cancelled' ? 'cancelled' : 'finished';
  return { id: run.id, name: run.name, dir: run.dir, status, outcome: summary.outcome, step: summary.steps, totalSteps: run.totalSteps };
}
