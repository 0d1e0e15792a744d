/** One problem with a study spec: where, what was found, what was expected. */
export interface SpecIssue {
  /** Dotted path into the spec, e.g. "model.width" or "probes[1].every". */
  readonly path: string;
  /** What is wrong, with the value, e.g. "must be positive (was -3)". */
  readonly message: string;
}
