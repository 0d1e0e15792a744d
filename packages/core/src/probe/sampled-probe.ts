import { Observable } from 'rxjs';
import type { MetricRecord } from '../stream/metric-record.js';
import type { StepEvent } from '../stream/step-event.js';
import type { Probe } from './probe.js';

/** Emits one metric value (or one component of a vector metric, with `index`). */
export type EmitMetric = (name: string, value: number, index?: number) => void;

/**
 * Builds a probe that measures on steps 0, every, 2·every, … and always on the last step (the one
 * that carries the outcome), so every run ends with a final measurement.
 */
export function sampledProbe(every: number, measure: (event: StepEvent, emit: EmitMetric) => void): Probe {
  return {
    operator: (source) =>
      new Observable<MetricRecord>((subscriber) =>
        source.subscribe({
          next(event) {
            if (event.step % every !== 0 && event.outcome === undefined) return;
            // rxjs does not route an exception thrown inside a `next` handler to the subscriber (it
            // reports it asynchronously as unhandled), so a failing measurement is passed on as the
            // stream's error: the run ends with it, and the sinks are still flushed and closed.
            try {
              measure(event, (name, value, index) => {
                subscriber.next(
                  index === undefined
                    ? { run: event.run, step: event.step, name, value }
                    : { run: event.run, step: event.step, name, value, index },
                );
              });
            } catch (error) {
              subscriber.error(error);
            }
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        }),
      ),
  };
}
