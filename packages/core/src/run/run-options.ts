import type { Sink } from '../sink/sink.js';

/** How to run one study. */
export interface RunOptions {
  /** The run directory: the resolved spec and summary go there; sinks resolve relative paths in it. */
  readonly outDir?: string;
  /** Where relative paths in the spec are resolved (default: the current directory). */
  readonly baseDir?: string;
  /** Where the spec came from, for error messages. */
  readonly source?: string;
  /** Aborting cancels the run; sinks are still flushed and closed, the outcome is `cancelled`. */
  readonly signal?: AbortSignal;
  /** Sinks to add to the spec's own (the CLI's run directory writer, say). */
  readonly extraSinks?: readonly Sink[];
}
