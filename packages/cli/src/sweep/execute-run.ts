import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { SectionSpec, Tdlab } from '@tdlab/core';
import { createKernel } from '../create-kernel.js';
import { withRunDirectoryMetrics } from '../run-command.js';
import type { PlannedRun, RunResult } from './sweep-types.js';

/**
 * Thrown by executeRun when its signal aborted the run: a cancelled run is not a result and must
 * not be stored (a re-run of the sweep runs it again). Tell it apart with `isRunCancelled`, which
 * also works on errors that crossed a thread or process boundary (by name).
 */
export class RunCancelledError extends Error {
  override readonly name = 'RunCancelledError';

  constructor(readonly runId: string) {
    super(`run ${runId} was cancelled`);
  }
}

/** Whether an error (possibly serialized across a worker thread or a queue) is a cancelled run. */
export function isRunCancelled(error: unknown): boolean {
  return error instanceof RunCancelledError || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'RunCancelledError');
}

/**
 * Runs one planned run, as `tdlab run` would, into a fresh temporary directory (spec.json,
 * metrics.jsonl, summary.json and whatever files the spec's sinks write), reads every file back as
 * text, removes the directory and returns them with the summary. The kernel has the first-party
 * plugins and the ones the spec names in `plugins:` (resolved from `baseDir`).
 *
 * `console` sinks are dropped: in a sweep many runs share one terminal, which shows the sweep's own
 * progress instead. They write no files, so the run directory is the same as `tdlab run`'s.
 *
 * Cancelled (signal aborted before or during the run): throws RunCancelledError, never a result.
 */
export async function executeRun(run: PlannedRun, baseDir: string, signal?: AbortSignal): Promise<RunResult> {
  if (signal?.aborted) throw new RunCancelledError(run.id);
  const spec = withRunDirectoryMetrics(withoutConsoleSinks(run.spec));
  const kernel = await cachedKernel(spec, baseDir);
  const outDir = await mkdtemp(join(tmpdir(), 'tdlab-run-'));
  try {
    const summary = await kernel.execute(spec, { source: `${run.id}`, baseDir, outDir, signal });
    if (summary.outcome === 'cancelled' || signal?.aborted) throw new RunCancelledError(run.id);
    return { id: run.id, summary, files: await readTree(outDir) };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/**
 * One kernel per (baseDir, plugins) in this thread: building one registers every plugin (~10 ms),
 * and a kernel runs any number of studies, each in a child container of its own.
 */
const kernels = new Map<string, Promise<Tdlab>>();

function cachedKernel(spec: unknown, baseDir: string): Promise<Tdlab> {
  const key = `${baseDir}\0${JSON.stringify((spec as { plugins?: unknown }).plugins ?? [])}`;
  let kernel = kernels.get(key);
  if (!kernel) {
    kernel = createKernel(spec, baseDir);
    kernels.set(key, kernel);
    kernel.catch(() => kernels.delete(key));
  }
  return kernel;
}

function withoutConsoleSinks(spec: Record<string, unknown>): Record<string, unknown> {
  const sinks = spec.sinks;
  if (!Array.isArray(sinks)) return spec;
  return { ...spec, sinks: (sinks as SectionSpec[]).filter((sink) => sink?.use !== 'console') };
}

/** Every file under `dir` as text, keyed by its path relative to `dir` with `/` separators. */
async function readTree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path).split(sep).join('/')] = await readFile(path, 'utf8');
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
