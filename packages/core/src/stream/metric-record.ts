/**
 * One measurement, in the one tidy shape every sink accepts. Vector-valued metrics emit one record
 * per component with `index` set.
 */
export interface MetricRecord {
  readonly run: string;
  readonly step: number;
  readonly name: string;
  readonly value: number;
  readonly index?: number;
}
