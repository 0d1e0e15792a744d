import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RunSummary } from '@tdlab/core';
import type { PlannedRun, RunResult, SweepPlan } from './sweep-types.js';

/**
 * A sweep's directory (default `sweeps/<name>`):
 *
 * ```
 * <out>/
 *   plan.json            the plan: axes and every run's id, axis values and spec
 *   runs/<id>/           one run directory per run (spec.json, metrics.jsonl, summary.json, sink files)
 *   summary.csv          one row per run (summary-table.ts)
 *   summary.parquet      the same table
 *   phase-diagram.svg
 *   phase-diagram.png
 * ```
 *
 * A run is finished iff `runs/<id>/summary.json` exists. Results are stored exactly once: written
 * into `runs/.<id>.tmp-<random>/`, then renamed to `runs/<id>` in one step (atomic on one file
 * system); when that name is already a finished run, the new copy is discarded.
 */
export class SweepDirectory {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The default directory of a sweep: `sweeps/<name>` under the current directory. */
  static defaultPath(name: string): string {
    return resolve('sweeps', name);
  }

  get runsDir(): string {
    return join(this.root, 'runs');
  }

  runDir(id: string): string {
    return join(this.runsDir, id);
  }

  path(file: 'plan.json' | 'summary.csv' | 'summary.parquet' | 'phase-diagram.svg' | 'phase-diagram.png'): string {
    return join(this.root, file);
  }

  isFinished(id: string): boolean {
    return existsSync(join(this.runDir(id), 'summary.json'));
  }

  /**
   * Creates the directory, writes plan.json and returns the runs still to do (one per id): finished
   * runs are skipped; an unfinished run's directory (a partial one, from an older version or a
   * crash) and leftover temporary directories are removed first.
   */
  async prepare(plan: SweepPlan): Promise<PlannedRun[]> {
    await mkdir(this.runsDir, { recursive: true });
    for (const entry of await readdir(this.runsDir)) {
      if (entry.startsWith('.') && entry.includes('.tmp-')) await rm(join(this.runsDir, entry), { recursive: true, force: true });
    }
    const planText = `${JSON.stringify({ name: plan.name, axes: plan.axes, runs: plan.runs.map(({ id, axes, spec }) => ({ id, axes, spec })) }, null, 2)}\n`;
    await writeFile(this.path('plan.json'), planText);
    const pending: PlannedRun[] = [];
    const seen = new Set<string>();
    for (const run of plan.runs) {
      if (seen.has(run.id)) continue;
      seen.add(run.id);
      if (this.isFinished(run.id)) continue;
      await rm(this.runDir(run.id), { recursive: true, force: true });
      pending.push(run);
    }
    return pending;
  }

  /**
   * Stores a run's result once. Returns true when it stored it, false when the run was already
   * stored (by an earlier or a concurrent call): the result is then discarded.
   */
  async store(result: RunResult): Promise<boolean> {
    if (!/^[\w.-]+$/.test(result.id) || result.id.startsWith('.')) throw new Error(`not a run id: ${JSON.stringify(result.id)}`);
    if (!('summary.json' in result.files)) throw new Error(`run ${result.id}: the result has no summary.json`);
    if (this.isFinished(result.id)) return false;
    await mkdir(this.runsDir, { recursive: true });
    const temporary = join(this.runsDir, `.${result.id}.tmp-${randomBytes(6).toString('hex')}`);
    try {
      for (const [name, text] of Object.entries(result.files)) {
        const path = resolve(temporary, name);
        if (!path.startsWith(`${temporary}/`)) throw new Error(`run ${result.id}: file ${JSON.stringify(name)} is outside its run directory`);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text);
      }
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          await rename(temporary, this.runDir(result.id));
          return true;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
          // Renaming onto a finished run fails: someone stored it first. A partial directory (no
          // summary.json) is not a run: remove it and try again.
          if (this.isFinished(result.id)) return false;
          await rm(this.runDir(result.id), { recursive: true, force: true });
        }
      }
      return false;
    } finally {
      await rm(temporary, { recursive: true, force: true });
    }
  }

  /** The stored summary of a finished run (NaN and ±Infinity restored from their JSON text). */
  async readSummary(id: string): Promise<RunSummary> {
    return parseSummary(await readFile(join(this.runDir(id), 'summary.json'), 'utf8'));
  }
}

const nonFinite: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };
const textFields = new Set(['run', 'name', 'outcome', 'lossConvention']);

/** summary.json as written by the kernel (jsonNumbers: NaN and ±Infinity as strings) back to a RunSummary. */
export function parseSummary(text: string): RunSummary {
  return JSON.parse(text, (key, value) => (typeof value === 'string' && !textFields.has(key) && Object.hasOwn(nonFinite, value) ? nonFinite[value] : value)) as RunSummary;
}
