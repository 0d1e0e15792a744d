import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { defineSink, type MetricRecord, type RunInfo, type RunSummary, type Sink, type StudySpec } from '@tdlab/core';
import { type } from 'arktype';
import { runHParams, sessionStatus } from './hparams.js';
import { fileVersionEvent, scalarEvent, sessionEndEvent, sessionStartEvent } from './tensorboard-protos.js';
import { TfRecordWriter } from './tfrecord-writer.js';

export interface TensorBoardSinkOptions {
  /** The log directory: each run of it (each arm, in a study with `arms:`) gets an event file. */
  readonly dir: string;
  /** Whether to write the run's hyperparameters and outcome for the hparams plugin. */
  readonly hparams: boolean;
  /** The resolved spec, whose scalar options are the hyperparameters. */
  readonly spec?: StudySpec;
  /** Seconds since the epoch (injectable for tests). */
  readonly now?: () => number;
}

/**
 * TensorBoard event files: `events.out.tfevents.<unix seconds>.<hostname>` in `dir`, or in
 * `dir/<arm>` for each arm of a study with `arms:`, so TensorBoard shows the arms as runs. Each
 * file starts with `file_version: "brain.Event:2"`, then holds one scalar event per metric record
 * (tag = the metric name, `name/index` for a component of a vector metric; NaN and ±Infinity are
 * kept), the hparams plugin's session start (the spec's scalar options) first and its session end
 * (the outcome) last. Records are framed as TFRecords and buffered in memory; they are written
 * when 4096 have accumulated, on flush() and on close().
 */
export class TensorBoardSink implements Sink {
  private readonly writers = new Map<string, TfRecordWriter>();
  private readonly now: () => number;
  private lastWallTime = 0;
  private arms: readonly string[] | undefined;
  private closed = false;

  constructor(private readonly options: TensorBoardSinkOptions) {
    this.now = options.now ?? (() => Date.now() / 1000);
  }

  async open(info?: RunInfo): Promise<void> {
    this.arms = info?.arms;
    const runs = this.arms ?? [undefined];
    await Promise.all(runs.map((arm) => this.writer(arm).open()));
  }

  write(record: MetricRecord): void {
    if (this.closed) throw new Error(`${this.options.dir}: write after close`);
    const tag = record.index === undefined ? record.name : `${record.name}/${record.index}`;
    // In a study with arms every record names its arm; one that does not goes with the model's.
    const arm = record.arm ?? this.arms?.[0];
    this.writer(arm).append(scalarEvent(this.wallTime(), record.step, tag, record.value));
  }

  async flush(): Promise<void> {
    await Promise.all([...this.writers.values()].map((writer) => writer.flush()));
  }

  async close(summary?: RunSummary): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (summary && this.options.hparams) {
      for (const [arm, writer] of this.writers) {
        const outcome = (arm === '' ? undefined : summary.arms?.[arm]?.outcome) ?? summary.outcome;
        writer.append(sessionEndEvent(this.wallTime(), sessionStatus(outcome)));
      }
    }
    const closing = await Promise.allSettled([...this.writers.values()].map((writer) => writer.close()));
    const failed = closing.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The writer of an arm's run (`''`: the run without arms), created with its first events. */
  private writer(arm: string | undefined): TfRecordWriter {
    const key = arm ?? '';
    let writer = this.writers.get(key);
    if (writer === undefined) {
      const dir = arm === undefined ? this.options.dir : join(this.options.dir, arm);
      const wallTime = this.wallTime();
      writer = new TfRecordWriter(join(dir, `events.out.tfevents.${Math.floor(wallTime)}.${hostname()}`));
      writer.append(fileVersionEvent(wallTime));
      if (this.options.hparams) writer.append(sessionStartEvent(wallTime, runHParams(this.options.spec ?? ({} as StudySpec), arm)));
      this.writers.set(key, writer);
    }
    return writer;
  }

  /** The clock, never going back, so every file's wall times are non-decreasing. */
  private wallTime(): number {
    this.lastWallTime = Math.max(this.lastWallTime, this.now());
    return this.lastWallTime;
  }
}

/**
 * `sinks: [{ use: tensorboard }]` writes `<run dir>/tensorboard/events.out.tfevents.*`; view with
 * `tensorboard --logdir runs/`. A relative `dir` is resolved in the run directory.
 */
export const tensorboardSink = defineSink({
  id: 'tensorboard',
  description: 'TensorBoard event files: scalars by step and wall time, hparams and outcome (one run per arm)',
  options: type({ dir: "string > 0 = 'tensorboard'", hparams: 'boolean = true' }),
  create: ({ dir, hparams }, context) =>
    new TensorBoardSink({ dir: resolve(context.outDir ?? process.cwd(), dir), hparams, spec: context.spec }),
});
