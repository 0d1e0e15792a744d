import { hostname } from 'node:os';
import { PluginError, StudySpecError } from '@tdlab/core';
import { UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { ExitCode } from '../exit-code.js';
import { executeRun, isRunCancelled } from './execute-run.js';
import { QueueConnectionError, checkRedis, createRedis, defaultQueueName, displayUrl, parseRedisUrl } from './queue-connection.js';
import type { QueueJobData } from './queue-executor.js';
import type { RunResult } from './sweep-types.js';

export interface WorkerCommandOptions {
  /** redis://HOST:PORT[/DB] */
  readonly queue: string;
  /** Runs at once in this process (default 1). Runs are CPU-bound: start one worker process per core rather than raising this. */
  readonly concurrency?: number;
  /** Aborted by SIGINT/SIGTERM: stop taking runs, release the ones in progress, exit. */
  readonly signal?: AbortSignal;
  readonly log: (line: string) => void;
  /** The job lock (default: TDLAB_QUEUE_LOCK_MS, else 10 s); see workerCommand. */
  readonly lockDurationMs?: number;
  /** The BullMQ queue (default tdlab-sweep, which `tdlab sweep --queue` fills). */
  readonly queueName?: string;
}

/** The default job lock: a killed worker's run is picked up again 10–20 s after it died. */
export const defaultLockDurationMs = 10_000;

/**
 * `tdlab worker --queue redis://HOST:PORT [--concurrency N]`: pulls sweep runs from the BullMQ
 * queue, runs each with executeRun and returns its RunResult (the job's return value, which the
 * submitting `tdlab sweep` stores). Logs `worker <pid>: start <run id>`, `worker <pid>: done <run id>`.
 *
 * Killed workers: a worker holds a lock on each run it runs and renews it every lockDuration/2 (the
 * training loop yields every 10 ms, so the renewal timer runs). When a worker dies the lock expires
 * after lockDuration; the stalled check of any other worker (every lockDuration ms) moves the job
 * back to wait and it runs again elsewhere, without using one of its 3 attempts. A run that kills
 * its worker more than twice (maxStalledCount 2) fails for good. The lock duration is
 * `lockDurationMs`, else the environment variable TDLAB_QUEUE_LOCK_MS, else 10 s; a shorter lock
 * recovers faster, but a worker whose event loop stalls longer than the lock loses its run to
 * another worker (its own late result is then refused by the queue; the run is stored once).
 *
 * Runs that throw are retried (3 attempts in all, see jobOptions) except when the spec itself is
 * invalid (StudySpecError, PluginError): those fail at once.
 *
 * Shutdown (SIGINT/SIGTERM, i.e. `signal`): the worker stops taking runs, cancels the runs in
 * progress and moves them back to wait (not an attempt: another worker runs them from the start),
 * closes its connections and returns 0 — stopping a worker is its normal end, not a failure.
 *
 * Exit codes: 0 after a shutdown, 2 for a malformed --queue URL, 1 when Redis is unreachable
 * (checked once at start, failing within ~3 s with a message naming the URL).
 */
export async function workerCommand(options: WorkerCommandOptions): Promise<number> {
  const { log, signal } = options;
  const fail = (line: string) => process.stderr.write(`${line}\n`);
  const lockDuration = options.lockDurationMs ?? lockFromEnvironment() ?? defaultLockDurationMs;
  const queueName = options.queueName ?? defaultQueueName;
  const concurrency = options.concurrency ?? 1;
  const me = `worker ${process.pid}`;
  try {
    parseRedisUrl(options.queue);
    await checkRedis(options.queue);
  } catch (problem) {
    if (!(problem instanceof QueueConnectionError)) throw problem;
    fail(problem.message);
    return problem.message.startsWith('cannot reach') ? ExitCode.studyFailed : ExitCode.badInput;
  }
  if (signal?.aborted) return ExitCode.ok;

  const client = createRedis(options.queue, log);
  const cancels = new Map<string, AbortController>();
  let stopping = false;
  const worker = new Worker<QueueJobData, RunResult>(
    queueName,
    async (job, token) => {
      const { run, baseDir } = job.data;
      log(`${me}: start ${run.id}${job.attemptsStarted > 1 ? ` (start #${job.attemptsStarted})` : ''}`);
      const cancel = new AbortController();
      if (stopping) cancel.abort();
      cancels.set(job.id ?? run.id, cancel);
      try {
        return await executeRun(run, baseDir, cancel.signal);
      } catch (problem) {
        if (cancel.signal.aborted || isRunCancelled(problem)) {
          // Shutting down: hand the run back to the queue for another worker.
          await job.moveToWait(token);
          log(`${me}: released ${run.id}`);
          throw new WaitingError();
        }
        const message = problem instanceof Error ? problem.message : String(problem);
        if (problem instanceof StudySpecError || problem instanceof PluginError) throw new UnrecoverableError(message);
        throw problem;
      } finally {
        cancels.delete(job.id ?? run.id);
      }
    },
    {
      connection: client,
      concurrency,
      name: `${hostname()}/${process.pid}`,
      lockDuration,
      stalledInterval: lockDuration,
      maxStalledCount: 2,
      // Results stay with the job (see jobOptions in queue-executor.ts).
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  );
  worker.on('completed', (job) => log(`${me}: done ${job.data.run.id}`));
  worker.on('failed', (job, problem) => {
    if (job !== undefined) log(`${me}: failed ${job.data.run.id} (attempt ${job.attemptsMade}): ${problem.message}`);
  });
  worker.on('error', (problem) => log(`${me}: ${problem.message}`));

  await worker.waitUntilReady();
  log(`${me}: serving queue ${queueName} at ${displayUrl(options.queue)} (concurrency ${concurrency}, lock ${lockDuration} ms)`);

  await new Promise<void>((resolve) => {
    if (signal === undefined) return; // runs until the process is killed
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  log(`${me}: shutting down`);
  stopping = true;
  const closing = worker.close(); // stops taking runs, waits for the ones in progress to end
  for (const cancel of cancels.values()) cancel.abort();
  await closing;
  await client.quit().catch(() => client.disconnect());
  log(`${me}: stopped`);
  return ExitCode.ok;
}

function lockFromEnvironment(): number | undefined {
  const value = process.env.TDLAB_QUEUE_LOCK_MS;
  if (value === undefined || value === '') return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 100) throw new Error(`TDLAB_QUEUE_LOCK_MS must be an integer number of milliseconds ≥ 100 (was "${value}")`);
  return ms;
}
