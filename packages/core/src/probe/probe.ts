import type { OperatorFunction } from 'rxjs';
import type { MetricRecord } from '../stream/metric-record.js';
import type { StepEvent } from '../stream/step-event.js';

/**
 * A probe is an rxjs operator from step events to metric records. It runs synchronously inside the
 * step emission, so it may read the training state; it can be tested with marble diagrams on
 * hand-made events, without training anything.
 */
export interface Probe {
  readonly operator: OperatorFunction<StepEvent, MetricRecord>;
}
