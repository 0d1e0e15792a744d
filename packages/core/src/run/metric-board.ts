import type { MetricBoard } from '../schedule/schedule.js';
import type { MetricRecord } from '../stream/metric-record.js';

/** The newest scalar value of every metric of a run, fed by the probe streams. */
export class LatestMetrics implements MetricBoard {
  private readonly values = new Map<string, number>();

  record(record: MetricRecord): void {
    if (record.index === undefined) this.values.set(record.name, record.value);
  }

  latest(name: string): number | undefined {
    return this.values.get(name);
  }
}
