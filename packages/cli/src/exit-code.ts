/** The CLI's exit codes. */
export const ExitCode = {
  /** The study ran to an outcome (converged, max-steps or diverged: divergence is a result). */
  ok: 0,
  /** The study failed while running (an error in a model, a sink, ...). */
  studyFailed: 1,
  /** Bad input: an invalid study, an unknown plugin, bad arguments. */
  badInput: 2,
  /** Interrupted (Ctrl-C): sinks were flushed and closed, the outcome is `cancelled`. */
  interrupted: 130,
} as const;
