import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { RunCancelledError } from './execute-run.js';
import type { RunTask, RunTaskOutcome } from './run-worker.js';
import type { ExecutorProgress, PlannedRun, RunResult, SweepExecutor, SweepPlan } from './sweep-types.js';

export interface LocalExecutorOptions {
  /** Worker threads (default: os.availableParallelism()). */
  readonly workers?: number;
}

/**
 * The default executor: a pool of worker threads (piscina), one run per thread at a time. The
 * worker file is run-worker.ts from the sources (the threads inherit the process's execArgv, e.g.
 * `--conditions=@tdlab/source --import tsx`) or run-worker.js from dist.
 *
 * Runs start in plan order, at most `workers` at once. A failing run is reported to
 * `progress.failed` and the others go on. Aborting the signal starts nothing more and cancels the
 * running runs in their threads (their sinks are closed, nothing of them is reported); `execute`
 * resolves once every thread is idle.
 */
export class LocalExecutor implements SweepExecutor {
  readonly workers: number;
  private readonly pool: Piscina<RunTask, RunTaskOutcome>;

  constructor(options: LocalExecutorOptions = {}) {
    this.workers = options.workers ?? availableParallelism();
    const fromSource = import.meta.url.endsWith('.ts');
    const filename = new URL(fromSource ? './run-worker.ts' : './run-worker.js', import.meta.url).href;
    this.pool = new Piscina({
      filename,
      minThreads: this.workers,
      maxThreads: this.workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      execArgv: fromSource ? sourceExecArgv() : undefined,
    });
  }

  async execute(plan: SweepPlan, runs: readonly PlannedRun[], progress: ExecutorProgress, signal?: AbortSignal): Promise<void> {
    let next = 0;
    // `finished` is awaited one result at a time, in arrival order.
    let reporting: Promise<void> = Promise.resolve();
    const report = (work: () => Promise<void> | void): Promise<void> => {
      reporting = reporting.then(work);
      return reporting;
    };
    const slot = async (): Promise<void> => {
      while (next < runs.length && !signal?.aborted) {
        const run = runs[next++];
        progress.started?.(run);
        try {
          const result = await this.runOne(run, plan.baseDir, signal);
          await report(() => progress.finished(result));
        } catch (error) {
          if (error instanceof RunCancelledError) continue;
          await report(() => progress.failed?.(run, error instanceof Error ? (error.stack ?? error.message) : String(error)));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.workers, runs.length) }, slot));
    await reporting;
  }

  /** Runs one run in a thread; throws RunCancelledError when the signal cancelled it. */
  private async runOne(run: PlannedRun, baseDir: string, signal?: AbortSignal): Promise<RunResult> {
    if (signal?.aborted) throw new RunCancelledError(run.id);
    const { port1, port2 } = new MessageChannel();
    const cancel = () => port1.postMessage('cancel');
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const outcome = await this.pool.run({ run, baseDir, cancel: port2 }, { transferList: [port2] });
      if ('cancelled' in outcome) throw new RunCancelledError(run.id);
      return outcome.result;
    } finally {
      signal?.removeEventListener('abort', cancel);
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/**
 * The execArgv of a worker thread that loads the TypeScript sources: the process's own (normally
 * `--conditions=@tdlab/source --import tsx`); if it lacks them (e.g. under a test runner that
 * transforms the sources itself), tsx and the source condition are added.
 */
function sourceExecArgv(): string[] {
  const argv = [...process.execArgv];
  if (!argv.some((arg) => arg.includes('@tdlab/source'))) argv.push('--conditions=@tdlab/source');
  if (!argv.some((arg) => arg.includes('tsx'))) argv.push('--import', typeof import.meta.resolve === 'function' ? import.meta.resolve('tsx') : 'tsx');
  return argv;
}
