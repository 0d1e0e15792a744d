import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '@tdlab/tensor';
import { Container } from 'inversify';
import { connect, defer, filter, identity, map, merge, type Observable, tap } from 'rxjs';
import type { RunContext } from '../contributions/run-context.js';
import { corePlugin } from '../plugin/core-plugin.js';
import { ContributionRegistry } from '../plugin/contribution-registry.js';
import type { TdlabPlugin } from '../plugin/tdlab-plugin.js';
import type { Probe } from '../probe/probe.js';
import type { Sink } from '../sink/sink.js';
import { createPart } from '../spec/create-part.js';
import type { ProbeTrigger } from '../spec/study-spec.js';
import { MODEL_ARM, type ValidatedStudy, validateStudy } from '../spec/validate-study.js';
import type { MetricRecord } from '../stream/metric-record.js';
import type { StepEvent } from '../stream/step-event.js';
import { LatestMetrics } from './metric-board.js';
import { runId } from './run-id.js';
import type { RunOptions } from './run-options.js';
import type { RunSummary } from './run-summary.js';
import { SummaryTracker } from './summary-tracker.js';
import { MetricBoardToken, RunContextToken, ValidatedStudyToken } from './tokens.js';
import { TrainingRun } from './training-run.js';

/** One run's parts, built in the run's own child container. */
interface RunParts {
  readonly context: RunContext;
  readonly trainer: TrainingRun;
  readonly board: LatestMetrics;
  /** One instance of each probe per arm (`arm` undefined in a study without `arms:`). */
  readonly probes: readonly { readonly arm: string | undefined; readonly probe: Probe; readonly when: ProbeTrigger | undefined }[];
}

type RunItem = { readonly kind: 'record'; readonly record: MetricRecord } | { readonly kind: 'step'; readonly event: StepEvent };

/**
 * The tdlab kernel: the root inversify container, the contribution registry, and the three ways to
 * run a study — `run` (the step stream), `metrics` (the probes' records) and `execute` (everything,
 * into sinks, with a summary). Each run gets a child container of its own.
 */
export class Tdlab {
  readonly container = new Container({ defaultScope: 'Singleton' });
  readonly registry: ContributionRegistry;

  constructor(plugins: readonly TdlabPlugin[] = []) {
    this.registry = new ContributionRegistry(this.container);
    this.container.bind(ContributionRegistry).toConstantValue(this.registry);
    this.registry.register(corePlugin);
    for (const plugin of plugins) this.registry.register(plugin);
  }

  use(plugin: TdlabPlugin): this {
    this.registry.register(plugin);
    return this;
  }

  /** Validates a study (from YAML, JSON or a TS object); throws StudySpecError listing every issue. */
  validate(spec: unknown, source?: string): ValidatedStudy {
    return validateStudy(spec, this.registry, source);
  }

  /** The training stream: cold — each subscription is a fresh run; unsubscribing cancels it. */
  run(spec: unknown, options: RunOptions = {}): Observable<StepEvent> {
    return defer(() => this.prepare(this.validate(spec, options.source), options).trainer.events());
  }

  /** The probes' metric records of a fresh run (cold, like `run`). */
  metrics(spec: unknown, options: RunOptions = {}): Observable<MetricRecord> {
    return defer(() => {
      const parts = this.prepare(this.validate(spec, options.source), options);
      return this.items(parts).pipe(
        filter((item): item is Extract<RunItem, { kind: 'record' }> => item.kind === 'record'),
        map((item) => item.record),
      );
    });
  }

  /**
   * Runs a study into its sinks and resolves with its summary. Sinks are always flushed and closed:
   * on completion, on abort (outcome `cancelled`) and on error (then the promise rejects).
   */
  async execute(spec: unknown, options: RunOptions = {}): Promise<RunSummary> {
    const study = this.validate(spec, options.source);
    const parts = this.prepare(study, options);
    const { context, trainer } = parts;
    const sinks: Sink[] = [...study.sinks.map((part) => createPart<Sink>(part, context)), ...(options.extraSinks ?? [])];
    const armNames = study.hasArms ? study.arms.map((arm) => arm.name) : undefined;
    const tracker = new SummaryTracker(context.runId, study.spec.name, trainer.loss.convention, trainer.baseLr, armNames);
    if (options.outDir) {
      await mkdir(options.outDir, { recursive: true });
      await writeFile(join(options.outDir, 'spec.json'), `${JSON.stringify(study.spec, null, 2)}\n`);
    }
    const info = { run: context.runId, name: study.spec.name, totalSteps: study.spec.steps, outDir: options.outDir, ...(armNames ? { arms: armNames } : {}) };
    let failure: unknown;
    let summary: RunSummary;
    try {
      await Promise.all(sinks.map((sink) => sink.open?.(info)));
      summary = await new Promise<RunSummary>((resolve, reject) => {
        // rxjs reports an exception thrown in `next` out of band; catch it and end the run instead.
        const subscription = this.items(parts).subscribe({
          next: (item) => {
            try {
              if (item.kind === 'record') {
                for (const sink of sinks) sink.write(item.record);
              } else {
                tracker.observe(item.event);
                for (const sink of sinks) sink.progress?.(item.event);
              }
            } catch (error) {
              subscription.unsubscribe();
              reject(error);
            }
          },
          error: reject,
          complete: () => resolve(tracker.summary()),
        });
        const cancel = (): void => {
          subscription.unsubscribe();
          resolve(tracker.summary('cancelled'));
        };
        if (options.signal?.aborted) cancel();
        options.signal?.addEventListener('abort', cancel, { once: true });
      });
    } catch (error) {
      failure = error;
      summary = tracker.summary('cancelled');
    }
    // Nothing is lost: every sink is flushed and closed whatever happened above.
    const closing = await Promise.allSettled(
      sinks.map(async (sink) => {
        await sink.flush?.();
        await sink.close?.(summary);
      }),
    );
    if (options.outDir) {
      await writeFile(join(options.outDir, 'summary.json'), `${JSON.stringify(summary, jsonNumbers, 2)}\n`);
    }
    if (failure !== undefined) throw failure;
    const sinkFailure = closing.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (sinkFailure) throw sinkFailure.reason;
    return summary;
  }

  /** Builds a run's child container and resolves its trainer and probes. */
  private prepare(study: ValidatedStudy, options: RunOptions): RunParts {
    const seed = new Rng(study.spec.seed);
    const context: RunContext = {
      runId: runId(study.spec.name, study.spec),
      spec: study.spec,
      precision: study.spec.precision ?? 'float64',
      rng: (purpose) => seed.derive(purpose),
      baseDir: options.baseDir ?? process.cwd(),
      outDir: options.outDir,
    };
    const board = new LatestMetrics();
    const child = new Container({ parent: this.container, defaultScope: 'Singleton' });
    child.bind(RunContextToken).toConstantValue(context);
    child.bind(ValidatedStudyToken).toConstantValue(study);
    child.bind(MetricBoardToken).toConstantValue(board);
    child.bind(TrainingRun).toSelf();
    const trainer = child.get(TrainingRun);
    // Probes run per arm, each arm with instances of its own (a probe may keep state between steps).
    const arms = study.hasArms ? study.arms.map((arm) => arm.name) : [undefined];
    const probes = arms.flatMap((arm) =>
      study.probes.map((part) => ({
        arm,
        probe: createPart<Probe>(part, { ...context, every: part.section.every ?? 1 }),
        when: (part.section as { when?: ProbeTrigger }).when,
      })),
    );
    return { context, trainer, board, probes };
  }

  /**
   * Step events and probe records of one run, in order: within a step, the probes' records come
   * before the step itself. The board sees every record before the next learning rate is computed,
   * so schedules can listen to probes.
   *
   * In a study with `arms:`, each probe instance sees the events of its arm only, and its records
   * are tagged with that arm. The board (what schedules listen to) holds the model arm's metrics.
   */
  private items(parts: RunParts): Observable<RunItem> {
    const { trainer, board, probes } = parts;
    const required = trainer.schedule.requires;
    return trainer.events().pipe(
      connect((shared) =>
        merge(
          ...probes.map(({ arm, probe, when }) =>
            shared.pipe(
              arm === undefined ? identity : filter((event: StepEvent) => event.arm === arm),
              when === undefined ? identity : filter(triggeredBy(when, board)),
              probe.operator,
              map((record): RunItem => ({ kind: 'record', record: arm === undefined ? record : { ...record, arm: record.arm ?? arm } })),
            ),
          ),
          shared.pipe(
            tap((event) => {
              if (event.step !== 0) return;
              const missing = required.filter((name) => board.latest(name) === undefined);
              if (missing.length > 0) {
                // A schedule may name the probe that emits what it needs: let it explain first.
                void event.lr;
                throw new Error(
                  `schedule "${trainer.study.schedule?.section.use}" needs the metric(s) ${missing.join(', ')}, which no probe of this study emits at step 0: add the probe that emits it to probes:`,
                );
              }
            }),
            map((event): RunItem => ({ kind: 'step', event })),
          ),
        ),
      ),
      tap((item) => {
        if (item.kind === 'record' && (item.record.arm === undefined || item.record.arm === MODEL_ARM)) board.record(item.record);
      }),
    );
  }
}

/**
 * The gate of a probe's `when:`: passes step 0, the last step, and the steps where the metric is
 * above / below its thresholds. `loss` is the event's own loss; any other metric is the newest value
 * on the board (the model arm's, possibly from this step if its probe is listed earlier). `initial`
 * is the first value the gate saw. Without a value yet, the step is not measured.
 */
function triggeredBy(when: ProbeTrigger, board: { latest(name: string): number | undefined }): (event: StepEvent) => boolean {
  let initial: number | undefined;
  return (event) => {
    const value = when.metric === 'loss' ? event.loss : board.latest(when.metric);
    if (initial === undefined && value !== undefined) initial = value;
    if (event.step === 0 || event.outcome !== undefined) return true;
    if (value === undefined || initial === undefined) return false;
    const above = when.above === 'initial' ? initial : when.above;
    const below = when.below === 'initial' ? initial : when.below;
    return (above === undefined || value > above) && (below === undefined || value < below);
  };
}

/** JSON has no NaN or Infinity: write them as strings a reader can tell apart. */
export function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}
