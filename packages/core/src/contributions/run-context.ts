import type { Precision, Rng } from '@tdlab/tensor';
import type { StudySpec } from '../spec/study-spec.js';

/** What every factory is given about the run it builds a part for. */
export interface RunContext {
  readonly runId: string;
  readonly spec: StudySpec;
  readonly precision: Precision;
  /**
   * An independent random stream for a named purpose ("data", "model", "optimizer", ...), derived
   * from the study seed. Parts draw from their own stream, so adding one never shifts another.
   */
  rng(purpose: string): Rng;
  /** Where relative paths in the spec (data files, initial parameters) are resolved: the study file's folder. */
  readonly baseDir: string;
  /** The run directory, when the run writes one; sinks resolve relative paths against it. */
  readonly outDir: string | undefined;
}
