// The worker thread of the local executor (piscina): runs one planned run with executeRun.
import type { MessagePort } from 'node:worker_threads';
import { executeRun, isRunCancelled } from './execute-run.js';
import type { PlannedRun, RunResult } from './sweep-types.js';

export interface RunTask {
  readonly run: PlannedRun;
  readonly baseDir: string;
  /** Any message on this port cancels the run. */
  readonly cancel: MessagePort;
}

/** A result, or the marker of a cancelled run (a custom error's name does not survive the thread boundary). */
export type RunTaskOutcome = { readonly result: RunResult } | { readonly cancelled: true };

export default async function runTask({ run, baseDir, cancel }: RunTask): Promise<RunTaskOutcome> {
  const controller = new AbortController();
  cancel.once('message', () => controller.abort());
  try {
    return { result: await executeRun(run, baseDir, controller.signal) };
  } catch (error) {
    if (isRunCancelled(error)) return { cancelled: true };
    throw error;
  } finally {
    cancel.close();
  }
}
