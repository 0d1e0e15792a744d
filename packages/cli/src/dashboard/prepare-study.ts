import { dirname, resolve } from 'node:path';
import { loadStudyFile, runId, StudySpecError, type Tdlab } from '@tdlab/core';
import { createKernel } from '../create-kernel.js';
import { hasSweep, withRunDirectoryMetrics } from '../run-command.js';

/** A study file made ready to run, as `tdlab run` does: its kernel, spec and run id. */
export interface PreparedStudy {
  readonly file: string;
  readonly baseDir: string;
  readonly kernel: Tdlab;
  readonly spec: unknown;
  readonly id: string;
  readonly name: string;
  readonly totalSteps: number;
}

/**
 * Loads and validates a study file for the dashboard. As in `tdlab run`, the run directory gets
 * metrics.jsonl; unlike it, `console` sinks are dropped (the dashboard shows the progress, and its
 * terminal is not the run's). A study with a `sweep:` section is refused (StudySpecError).
 */
export async function prepareStudy(path: string): Promise<PreparedStudy> {
  const file = resolve(path);
  const baseDir = dirname(file);
  const loaded = await loadStudyFile(file);
  if (hasSweep(loaded)) throw new StudySpecError([{ path: 'sweep', message: 'this study has a sweep: section: run it with tdlab sweep' }], file);
  const spec = withoutConsoleSinks(withRunDirectoryMetrics(loaded));
  const kernel = await createKernel(spec, baseDir);
  const study = kernel.validate(spec, file);
  return { file, baseDir, kernel, spec, id: runId(study.spec.name, study.spec), name: study.spec.name, totalSteps: study.spec.steps };
}

function withoutConsoleSinks(spec: unknown): unknown {
  const sinks = (spec as { sinks?: unknown } | null)?.sinks;
  if (!Array.isArray(sinks)) return spec;
  return { ...(spec as object), sinks: sinks.filter((sink) => (sink as { use?: unknown } | null)?.use !== 'console') };
}
