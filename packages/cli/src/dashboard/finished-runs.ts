import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSummary } from '@tdlab/core';
import { readMetrics } from '../report/run-metrics.js';
import { EventLog } from './event-log.js';

/** A run directory found under the dashboard's `--runs DIR`, written before (or by another process). */
export interface FinishedRun {
  readonly id: string;
  readonly dir: string;
  readonly name: string;
  readonly totalSteps: number;
  readonly arms?: readonly string[];
  /** Absent when the directory has no summary.json (the run was stopped hard, or is still going). */
  readonly summary?: RunSummary;
}

/** The run directories directly under `runsDir`: each one with a spec.json. */
export async function findFinishedRuns(runsDir: string): Promise<FinishedRun[]> {
  if (!existsSync(runsDir)) return [];
  const runs: FinishedRun[] = [];
  for (const entry of await readdir(runsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(runsDir, entry.name);
    const spec = await readJson<{ name?: unknown; steps?: unknown; arms?: unknown }>(join(dir, 'spec.json'));
    if (spec === undefined) continue;
    const summary = await readJson<RunSummary>(join(dir, 'summary.json'));
    const arms = typeof spec.arms === 'object' && spec.arms !== null ? ['model', ...Object.keys(spec.arms)] : undefined;
    runs.push({
      id: entry.name,
      dir,
      name: typeof spec.name === 'string' ? spec.name : entry.name,
      totalSteps: typeof spec.steps === 'number' ? spec.steps : 0,
      ...(arms ? { arms } : {}),
      ...(summary ? { summary } : {}),
    });
  }
  return runs.sort((a, b) => a.id.localeCompare(b.id));
}

/** A finished run's event log, from its files: `info`, one `metric` per line of metrics.jsonl, `end`. */
export async function finishedRunLog(run: FinishedRun): Promise<EventLog> {
  const log = new EventLog();
  log.append('info', { run: run.summary?.run ?? run.id, name: run.name, totalSteps: run.totalSteps, ...(run.arms ? { arms: run.arms } : {}), ...(run.summary ? { lr: run.summary.lr } : {}) });
  const metricsFile = join(run.dir, 'metrics.jsonl');
  if (existsSync(metricsFile)) {
    for (const record of await readMetrics(metricsFile)) log.append('metric', record);
  }
  if (run.summary) log.append('end', run.summary);
  log.end();
  return log;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
