import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ReportResult } from './run-report.js';
import { writeRunReport } from './run-report.js';
import { writeSweepReport } from './sweep-report.js';

/** The directory given is neither a run directory nor a sweep directory (exit code 2). */
export class ReportInputError extends Error {}

export interface ReportCommandOptions {
  /** A run directory (summary.json or metrics.jsonl) or a sweep directory (plan.json). */
  readonly dir: string;
  /** Where the report goes (default `<dir>/report`). */
  readonly out?: string;
  readonly log: (line: string) => void;
}

/**
 * `tdlab report <run-dir | sweep-dir> [--out DIR]`: a static, self-contained HTML page (no
 * scripts, fonts or CDN) with SVG figures inlined and each figure also written as SVG and PNG
 * beside it. A sweep directory is recognized by its plan.json, a run directory by its
 * summary.json or metrics.jsonl.
 */
export async function reportCommand(options: ReportCommandOptions): Promise<ReportResult & { kind: 'run' | 'sweep' }> {
  const dir = resolve(options.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ReportInputError(`tdlab report: ${options.dir} is not a directory`);
  const out = resolve(options.out ?? join(dir, 'report'));
  const started = performance.now();
  let result: ReportResult & { kind: 'run' | 'sweep' };
  if (existsSync(join(dir, 'plan.json'))) result = { kind: 'sweep', ...(await writeSweepReport(dir, out)) };
  else if (existsSync(join(dir, 'summary.json')) || existsSync(join(dir, 'metrics.jsonl'))) result = { kind: 'run', ...(await writeRunReport(dir, out)) };
  else throw new ReportInputError(`tdlab report: ${options.dir} is neither a run directory (summary.json, metrics.jsonl) nor a sweep directory (plan.json)`);
  const pngs = result.files.filter((file) => file.endsWith('.png')).length;
  options.log(`${result.kind} report: ${result.index} (${pngs} figure${pngs === 1 ? '' : 's'}, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}
