/**
 * One measurement, in the one tidy shape every sink accepts. Vector-valued metrics emit one record
 * per component with `index` set.
 */
export interface MetricRecord {
  readonly run: string;
  /** The arm measured, in a study with `arms:` (set by the kernel from the event the probe measured). */
  readonly arm?: string;
  readonly step: number;
  readonly name: string;
  readonly value: number;
  readonly index?: number;
}
