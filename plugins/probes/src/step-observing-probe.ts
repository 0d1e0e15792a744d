import type { EmitMetric, MetricRecord, Probe, StepEvent } from '@tdlab/core';
import { Observable } from 'rxjs';

/**
 * Like the core's `sampledProbe`, but `observe` sees every step event (to keep a history: θ_{t−1},
 * the loss curve) while `measure` runs only on steps 0, every, 2·every, … and on the last step.
 * `observe` runs first, so on a sampled step `measure` sees a history that includes this step.
 */
export function stepObservingProbe(
  every: number,
  handlers: { readonly observe: (event: StepEvent) => void; readonly measure: (event: StepEvent, emit: EmitMetric) => void },
): Probe {
  return {
    operator: (source) =>
      new Observable<MetricRecord>((subscriber) =>
        source.subscribe({
          next(event) {
            // As in sampledProbe: an exception inside `next` is passed on as the stream's error.
            try {
              handlers.observe(event);
              if (event.step % every === 0 || event.outcome !== undefined) {
                handlers.measure(event, (name, value, index) => {
                  subscriber.next(
                    index === undefined
                      ? { run: event.run, step: event.step, name, value }
                      : { run: event.run, step: event.step, name, value, index },
                  );
                });
              }
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
