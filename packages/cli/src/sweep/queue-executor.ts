import { type JobsOptions, Queue, QueueEvents } from 'bullmq';
import { checkRedis, createRedis, defaultQueueName, displayUrl } from './queue-connection.js';
import { parseSummary } from './sweep-directory.js';
import type { ExecutorProgress, PlannedRun, RunResult, SweepExecutor, SweepPlan } from './sweep-types.js';

/** What a queued job carries: the run and where its relative paths resolve. */
export interface QueueJobData {
  readonly run: PlannedRun;
  readonly baseDir: string;
}

export interface QueueExecutorOptions {
  /** redis://HOST:PORT[/DB] */
  readonly url: string;
  /** The BullMQ queue; `tdlab worker` serves `tdlab-sweep`. */
  readonly queueName?: string;
  readonly log?: (line: string) => void;
  /**
   * Unused by the submitting side (the lock lives on the workers: `tdlab worker`, or
   * TDLAB_QUEUE_LOCK_MS); accepted so one options object can configure both.
   */
  readonly lockDurationMs?: number;
  /** How often the submitter re-reads the state of its unfinished jobs (a safety net under the event stream). Default 5 s. */
  readonly reconcileIntervalMs?: number;
}

/** How long finished jobs (and their results) stay in Redis: 7 days. */
export const keepFinishedJobsSeconds = 7 * 24 * 3600;

/**
 * The job options of every sweep run.
 *
 * - `jobId` = the run id: BullMQ adds a job id at most once, so a run is never enqueued twice, even
 *   when two submitters race (the second add is a no-op that returns the existing job).
 * - `attempts: 3` with exponential back-off (1 s, 2 s) for runs that throw. A worker that dies
 *   (killed, out of memory) does not count as an attempt: its lock expires, another worker's stalled
 *   check moves the job back to wait (up to the workers' maxStalledCount, 2) and it runs again.
 * - Results are kept: completed jobs (with their return value, the RunResult) and failed jobs stay
 *   in Redis for 7 days. The submitter stores each result in its sweep directory as it arrives; the
 *   copy in Redis lets a submitter that was interrupted, or a second submission of the same runs,
 *   pick the results up without running them again. After 7 days a job is removed (BullMQ evicts
 *   aged jobs when later jobs finish) and a new submission of that run runs it again (the sweep
 *   directory, not Redis, is the durable store: `tdlab sweep` skips runs it already has).
 */
export function jobOptions(run: PlannedRun): JobsOptions {
  return {
    jobId: run.id,
    attempts: 3,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: keepFinishedJobsSeconds },
    removeOnFail: { age: keepFinishedJobsSeconds },
  };
}

/**
 * Runs a sweep through a BullMQ queue on Redis, served by `tdlab worker --queue URL` processes on
 * any number of machines.
 *
 * execute():
 * 1. looks up each run's job: a run already completed (by an earlier or a concurrent submission) is
 *    not run again, its stored result is handed to `progress.finished`; a run that failed for good
 *    earlier is retried; a run waiting or running (another submitter's) is joined;
 * 2. adds a job for every other run (jobId = run id, payload { run, baseDir });
 * 3. follows the queue's event stream (QueueEvents, read from just before step 1 so no event is
 *    missed) and, every few seconds, re-reads the state of the runs still pending; each run is
 *    settled once: `progress.finished(result)` (awaited, one at a time) for a completed job,
 *    `progress.failed(run, reason)` for a job that failed its last attempt. Duplicate events and
 *    the overlap between events and re-reads are ignored;
 * 4. resolves when every run has settled.
 *
 * Abort (signal): stops waiting and resolves (after a `finished` call in progress returns). The
 * jobs stay in the queue: workers keep running them and their results stay in Redis (see
 * `jobOptions`), so the next `tdlab sweep --queue` of the same sweep collects them without running
 * them again.
 *
 * Redis unreachable: execute() rejects within ~3 s with a QueueConnectionError naming the URL.
 */
export class QueueExecutor implements SweepExecutor {
  private readonly url: string;
  private readonly queueName: string;
  private readonly log: (line: string) => void;
  private readonly reconcileIntervalMs: number;
  private readonly open = new Set<() => Promise<void>>();

  constructor(options: QueueExecutorOptions) {
    this.url = options.url;
    this.queueName = options.queueName ?? defaultQueueName;
    this.log = options.log ?? (() => {});
    this.reconcileIntervalMs = options.reconcileIntervalMs ?? 5000;
  }

  async execute(plan: SweepPlan, runs: readonly PlannedRun[], progress: ExecutorProgress, signal?: AbortSignal): Promise<void> {
    if (runs.length === 0 || signal?.aborted) return;
    for (const run of runs) {
      if (run.id.includes(':')) throw new Error(`run id "${run.id}" cannot be a queue job id (it contains ":")`);
    }
    await checkRedis(this.url);

    const client = createRedis(this.url, this.log);
    const eventsClient = createRedis(this.url, this.log);
    // The event stream carries each result a second time (the completed event's return value):
    // keep ~1000 events, not BullMQ's 10 000; the periodic re-read covers events trimmed unread.
    const queue = new Queue<QueueJobData, RunResult>(this.queueName, { connection: client, streams: { events: { maxLen: 1000 } } });
    let events: QueueEvents | undefined;
    const reportError = (problem: Error) => this.log(`queue ${this.queueName}: ${problem.message}`);
    queue.on('error', reportError);
    const shutdown = async () => {
      await events?.close().catch(() => {});
      await queue.close().catch(() => {});
      eventsClient.disconnect();
      await client.quit().catch(() => client.disconnect());
    };
    this.open.add(shutdown);

    const pending = new Map(runs.map((run) => [run.id, run]));
    let remaining = pending.size;
    let stopped = false;
    let resolveDone!: () => void;
    let rejectDone!: (problem: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    // Deliveries run one after another: `finished` stores a result before the next is reported.
    let deliveries: Promise<void> = Promise.resolve();
    const settle = (id: string, outcome: { result: unknown } | { error: string }) => {
      const run = pending.get(id);
      if (run === undefined || stopped) return; // not ours, or settled already
      pending.delete(id);
      deliveries = deliveries
        .then(async () => {
          if ('result' in outcome) {
            const result = outcome.result as RunResult | null | undefined;
            if (result === null || typeof result !== 'object' || result.id !== id) {
              progress.failed?.(run, `the queue returned no result for ${id}`);
            } else {
              await progress.finished(restoreSummary(result));
            }
          } else {
            progress.failed?.(run, outcome.error);
          }
          remaining -= 1;
          if (remaining === 0) resolveDone();
        })
        .catch((problem: unknown) => {
          stopped = true;
          rejectDone(problem);
        });
    };

    /** Settles the run from its job's stored state, if the job has finished. */
    const reconcile = async (id: string): Promise<void> => {
      if (!pending.has(id)) return;
      const job = await queue.getJob(id);
      if (job === undefined) {
        // Removed behind our back (queue obliterated/cleaned): enqueue it again.
        const run = pending.get(id);
        if (run !== undefined) await queue.add(run.id, { run, baseDir: plan.baseDir }, jobOptions(run));
        return;
      }
      const state = await job.getState();
      if (state === 'completed') settle(id, { result: job.returnvalue });
      else if (state === 'failed') settle(id, { error: job.failedReason || 'failed' });
    };

    const onAbort = () => {
      if (stopped) return;
      stopped = true;
      this.log(`queue ${this.queueName}: stopped waiting; ${pending.size} run(s) stay in the queue at ${displayUrl(this.url)}`);
      void deliveries.then(resolveDone);
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      signal?.addEventListener('abort', onAbort, { once: true });
      // Read the event stream from its current end, before looking at or adding any job.
      const last = await client.xrevrange(queue.keys.events, '+', '-', 'COUNT', 1);
      events = new QueueEvents(this.queueName, { connection: eventsClient, lastEventId: last[0]?.[0] ?? '0-0' });
      events.on('error', reportError);
      events.on('completed', ({ jobId, returnvalue }) => settle(jobId, { result: returnvalue }));
      events.on('failed', ({ jobId }) => {
        // Only the last attempt's failure is final (retries emit other events), but check the state.
        if (pending.has(jobId)) reconcile(jobId).catch(reportError);
      });
      events.on('active', ({ jobId }) => {
        const run = pending.get(jobId);
        if (run === undefined || progress.started === undefined) return;
        queue
          .getJob(jobId)
          .then((job) => {
            if (pending.has(jobId)) progress.started?.(run, job?.processedBy);
          })
          .catch(reportError);
      });

      // 1. Look up each run's job; 2. add the missing ones.
      const fresh: PlannedRun[] = [];
      let stored = 0;
      let retried = 0;
      let joined = 0;
      await Promise.all(
        runs.map(async (run) => {
          const job = await queue.getJob(run.id);
          if (job === undefined) return void fresh.push(run);
          const state = await job.getState();
          if (state === 'completed') {
            stored += 1;
            settle(run.id, { result: job.returnvalue });
          } else if (state === 'failed') {
            retried += 1;
            await job.retry('failed').catch(() => {}); // someone else retried it first: fine
          } else if (state === 'unknown') {
            fresh.push(run);
          } else {
            joined += 1;
          }
        }),
      );
      if (fresh.length > 0) {
        await queue.addBulk(fresh.map((run) => ({ name: run.id, data: { run, baseDir: plan.baseDir }, opts: jobOptions(run) })));
      }
      this.log(
        `queue ${this.queueName} at ${displayUrl(this.url)}: ${fresh.length} run(s) submitted` +
          (stored > 0 ? `, ${stored} already completed (stored results, not run again)` : '') +
          (retried > 0 ? `, ${retried} failed before and retried` : '') +
          (joined > 0 ? `, ${joined} already queued or running` : ''),
      );

      // 3. Events settle runs as they finish; a periodic re-read catches anything the stream missed
      // (including completions between the look-up and the add).
      const reconcileAll = async () => {
        for (const id of [...pending.keys()]) {
          if (stopped) return;
          await reconcile(id);
        }
      };
      await reconcileAll();
      const tick = () => {
        timer = setTimeout(() => {
          reconcileAll()
            .catch(reportError)
            .finally(() => {
              if (!stopped && remaining > 0) tick();
            });
        }, this.reconcileIntervalMs);
      };
      tick();
      if (signal?.aborted) onAbort();
      await done;
    } finally {
      stopped = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.open.delete(shutdown);
      await shutdown();
    }
  }

  /** Closes the connections of an execute() still in progress (it then rejects or resolves as it can). */
  async close(): Promise<void> {
    await Promise.all([...this.open].map((shutdown) => shutdown()));
    this.open.clear();
  }
}

/**
 * The result as the worker returned it, with the summary read back from its summary.json: the job's
 * return value crossed Redis as JSON, which turns NaN and ±Infinity (a diverged run's loss) into
 * null; summary.json keeps them as text.
 */
function restoreSummary(result: RunResult): RunResult {
  const text = result.files?.['summary.json'];
  if (typeof text !== 'string') return result;
  try {
    return { ...result, summary: parseSummary(text) };
  } catch {
    return result;
  }
}
