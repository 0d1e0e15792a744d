import { dirname, join, resolve } from 'node:path';
import { loadStudyFile, type RunSummary, type SectionSpec, StudySpecError, runId } from '@tdlab/core';
import { createKernel } from './create-kernel.js';
import { ExitCode } from './exit-code.js';

export interface RunCommandOptions {
  readonly files: readonly string[];
  /** The run directory (one study) or the parent of the run directories (several). */
  readonly out?: string;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

export interface RunCommandResult {
  readonly exitCode: number;
  readonly summaries: RunSummary[];
  readonly runDirs: string[];
}

/**
 * `tdlab run <study...> [--out DIR]`: each study writes a run directory holding spec.json (the
 * resolved spec), metrics.jsonl (every metric record) and summary.json.
 */
export async function runCommand(options: RunCommandOptions): Promise<RunCommandResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const summaries: RunSummary[] = [];
  const runDirs: string[] = [];
  for (const file of options.files) {
    const baseDir = dirname(resolve(file));
    const loaded = await loadStudyFile(file);
    if (hasSweep(loaded)) {
      throw new StudySpecError([{ path: 'sweep', message: `this study has a sweep: section: run it with tdlab sweep ${file} (tdlab run runs a single study)` }], file);
    }
    const spec = withRunDirectoryMetrics(loaded);
    const kernel = await createKernel(spec, baseDir);
    const study = kernel.validate(spec, file);
    const id = runId(study.spec.name, study.spec);
    const outDir =
      options.out === undefined ? resolve('runs', id) : options.files.length === 1 ? resolve(options.out) : join(resolve(options.out), id);
    const summary = await kernel.execute(spec, { source: file, baseDir, outDir, signal: options.signal });
    summaries.push(summary);
    runDirs.push(outDir);
    // A sink streaming to stdout (`path: '-'`) owns it: the CLI's own line goes to stderr then.
    if (writesToStdout(spec)) process.stderr.write(`run directory: ${outDir}\n`);
    else log(`run directory: ${outDir}`);
    if (summary.outcome === 'cancelled') return { exitCode: ExitCode.interrupted, summaries, runDirs };
  }
  return { exitCode: ExitCode.ok, summaries, runDirs };
}

/** Whether a loaded study has a `sweep:` section (then it is for `tdlab sweep`). */
export function hasSweep(spec: unknown): boolean {
  return typeof spec === 'object' && spec !== null && 'sweep' in spec;
}

/** A run directory always holds metrics.jsonl: add that sink unless the study writes it already. */
export function withRunDirectoryMetrics(spec: unknown): unknown {
  if (typeof spec !== 'object' || spec === null) return spec;
  const sinks = (spec as { sinks?: unknown }).sinks;
  const list: SectionSpec[] = Array.isArray(sinks) ? sinks : [];
  const present = list.some((sink) => sink?.use === 'jsonl' && (sink.path ?? 'metrics.jsonl') === 'metrics.jsonl');
  if (sinks !== undefined && !Array.isArray(sinks)) return spec; // let validation report it
  return present ? spec : { ...spec, sinks: [...list, { use: 'jsonl', path: 'metrics.jsonl' }] };
}

/** Whether a sink of the study writes to standard output (`path: '-'`, as the arrow sink allows). */
function writesToStdout(spec: unknown): boolean {
  const sinks = (spec as { sinks?: unknown } | null)?.sinks;
  return Array.isArray(sinks) && sinks.some((sink) => (sink as { path?: unknown } | null)?.path === '-');
}
