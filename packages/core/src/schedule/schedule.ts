/** Read access to the newest value of each metric the probes have emitted so far in this run. */
export interface MetricBoard {
  latest(name: string): number | undefined;
}

/**
 * Learning rate as a function of the step (and, for schedules that listen to probes, of metrics).
 * The base learning rate — absolute, or r/λ₀ for a normalized spec — is given to the factory.
 */
export interface Schedule {
  /** Names of the metrics this schedule reads; the run fails clearly if no probe emits one. */
  readonly requires: readonly string[];
  learningRate(step: number, metrics: MetricBoard): number;
}
