import { writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { loadStudyFile } from '@tdlab/core';
import { createKernel } from '../create-kernel.js';
import { ExitCode } from '../exit-code.js';
import { diagramAxes, planSweep } from './expand-sweep.js';
import { LocalExecutor } from './local-executor.js';
import { renderPhaseDiagram } from './phase-diagram.js';
import { QueueExecutor } from './queue-executor.js';
import { SweepDirectory } from './sweep-directory.js';
import { SweepProgress } from './sweep-progress.js';
import { type SummaryRow, summaryCsv, summaryParquet } from './summary-table.js';
import type { PlannedRun, SweepExecutor } from './sweep-types.js';

export interface SweepCommandOptions {
  readonly file: string;
  /** The sweep directory (default `sweeps/<name>`). */
  readonly out?: string;
  /** Worker threads of the local executor (default: as many as cores). */
  readonly workers?: number;
  /** redis://HOST:PORT: run on a BullMQ queue served by `tdlab worker` instead of the local pool. */
  readonly queue?: string;
  readonly signal?: AbortSignal;
  readonly log: (line: string) => void;
  /** Another executor (tests, embedding); `workers` and `queue` are then ignored. Not closed here. */
  readonly executor?: SweepExecutor;
}

/**
 * `tdlab sweep <study.yaml> [--out DIR] [--workers N] [--queue redis://…]`: loads the study, plans
 * its `sweep:` (every run validated before anything runs), skips the runs finished by an earlier
 * invocation, executes the others (local worker pool, or the queue), stores each result once,
 * then writes summary.csv, summary.parquet and the phase diagram (printed, and as SVG and PNG).
 *
 * Exit code: 0 every run finished (divergence is an outcome), 1 some run failed (the others are
 * kept), 2 bad input (thrown StudySpecError / PluginError, reported by main), 130 interrupted:
 * running runs are cancelled and not stored, finished ones are kept — run again to resume.
 */
export async function sweepCommand(options: SweepCommandOptions): Promise<number> {
  const { log, signal } = options;
  const baseDir = dirname(resolve(options.file));
  const raw = await loadStudyFile(options.file);
  const { sweep: _sweep, ...base } = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const kernel = await createKernel(base, baseDir);
  const plan = planSweep(raw, baseDir, (spec) => kernel.validate(spec, options.file), options.file);
  const diagram = diagramAxes(raw);
  const directory = new SweepDirectory(options.out ?? SweepDirectory.defaultPath(plan.name));
  const pending = await directory.prepare(plan);
  const unique = new Set(plan.runs.map((run) => run.id)).size;
  const skipped = unique - pending.length;
  log(
    `sweep ${plan.name}: ${plan.runs.length} runs${unique < plan.runs.length ? ` (${unique} distinct)` : ''} over ${plan.axes.join(', ')}; ` +
      `${skipped} finished before, ${pending.length} to run → ${displayPath(directory.root)}`,
  );

  const failures: { run: PlannedRun; error: string }[] = [];
  if (pending.length > 0 && !signal?.aborted) {
    const executor: SweepExecutor =
      options.executor ?? (options.queue ? new QueueExecutor({ url: options.queue, log }) : new LocalExecutor({ workers: options.workers }));
    if (executor instanceof LocalExecutor) log(`local executor: ${executor.workers} worker thread${executor.workers === 1 ? '' : 's'}`);
    const progress = new SweepProgress({ total: unique, skipped, log, tty: process.stdout.isTTY ? process.stdout : undefined });
    const planned = new Map(plan.runs.map((run) => [run.id, run]));
    try {
      await executor.execute(
        plan,
        pending,
        {
          started: (run) => progress.runStarted(run),
          finished: async (result) => {
            const stored = await directory.store(result);
            progress.runFinished(result, axesLabel(planned.get(result.id)), stored);
          },
          failed: (run, error) => {
            failures.push({ run, error });
            progress.runFailed(run, axesLabel(run), error);
          },
        },
        signal,
      );
    } finally {
      progress.clear();
      if (executor !== options.executor) await executor.close?.();
    }
  }

  if (signal?.aborted) {
    log(`interrupted: ${new Set(plan.runs.filter((run) => directory.isFinished(run.id)).map((run) => run.id)).size} of ${unique} runs finished and kept in ${displayPath(directory.root)}; run the same command again to resume`);
    return ExitCode.interrupted;
  }

  const rows = await summaryRows(directory, plan.runs);
  await writeFile(directory.path('summary.csv'), summaryCsv(rows, plan.axes));
  await writeFile(directory.path('summary.parquet'), summaryParquet(rows, plan.axes));
  if (rows.length > 0) {
    const rendered = renderPhaseDiagram(
      rows.map(({ axes, summary }) => ({ axes, summary })),
      diagram,
    );
    log(rendered.text);
    await writeFile(directory.path('phase-diagram.svg'), rendered.svg);
    await writeFile(directory.path('phase-diagram.png'), rendered.png);
  }
  log(`summary: ${displayPath(directory.path('summary.csv'))}, ${displayPath(directory.path('summary.parquet'))}`);
  if (rows.length > 0) log(`phase diagram: ${displayPath(directory.path('phase-diagram.svg'))}, ${displayPath(directory.path('phase-diagram.png'))}`);
  if (failures.length > 0) {
    log(`${failures.length} run${failures.length === 1 ? '' : 's'} failed (not stored; run again to retry them):`);
    for (const { run, error } of failures) log(`  ${axesLabel(run)} (${run.id}): ${error.split('\n')[0]}`);
    return ExitCode.studyFailed;
  }
  return ExitCode.ok;
}

/** One row per distinct finished run, in plan order, its summary read from the stored summary.json. */
async function summaryRows(directory: SweepDirectory, runs: readonly PlannedRun[]): Promise<SummaryRow[]> {
  const rows: SummaryRow[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    if (seen.has(run.id) || !directory.isFinished(run.id)) continue;
    seen.add(run.id);
    rows.push({ id: run.id, axes: run.axes, summary: await directory.readSummary(run.id) });
  }
  return rows;
}

function axesLabel(run: PlannedRun | undefined): string {
  if (!run) return '';
  return Object.entries(run.axes)
    .map(([path, value]) => `${path}=${value}`)
    .join(' ');
}

function displayPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') || fromHere === '' ? path : fromHere;
}
