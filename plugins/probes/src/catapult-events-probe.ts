import { defineProbe, type MetricRecord } from '@tdlab/core';
import { type } from 'arktype';
import { Observable } from 'rxjs';

/** One loss spike: where it started (the first step of the rise), its peak, and its end if it ended. */
export interface LossSpike {
  readonly start: { readonly step: number; readonly loss: number };
  readonly peak: { readonly step: number; readonly loss: number };
  readonly end?: { readonly step: number; readonly loss: number };
}

/**
 * Finds loss spikes in a loss curve fed one sampled step at a time. Outside a spike, a step whose
 * loss exceeds the previous sampled loss by more than the factor 1 + tolerance starts one; its
 * pre-spike value is that previous loss. The spike's peak is its largest loss, and it ends at the
 * first step whose loss is back below the pre-spike value. A non-finite loss never ends a spike.
 * A rise to a loss at most floor·L₀ (L₀ the first loss fed) starts nothing: once a run has
 * converged, its loss wanders at rounding level (1e-32 and below) by large relative factors.
 */
export class LossSpikeDetector {
  private previous: number | undefined;
  private initial: number | undefined;
  private open: { start: { step: number; loss: number }; peak: { step: number; loss: number }; before: number } | undefined;

  constructor(
    private readonly tolerance: number,
    private readonly floor = 0,
  ) {}

  /** Feeds the loss of the next sampled step; returns what happened at it. */
  next(step: number, loss: number): { started?: LossSpike['start']; ended?: Required<LossSpike> } {
    const previous = this.previous;
    this.previous = loss;
    this.initial ??= loss;
    if (this.open === undefined) {
      if (previous !== undefined && loss > previous * (1 + this.tolerance) && !(loss <= this.floor * this.initial)) {
        const start = { step, loss };
        this.open = { start, peak: start, before: previous };
        return { started: start };
      }
      return {};
    }
    // A NaN loss is not a peak (NaN > x is false); +Infinity is.
    if (loss > this.open.peak.loss) this.open.peak = { step, loss };
    if (loss < this.open.before) {
      const ended = { start: this.open.start, peak: this.open.peak, end: { step, loss } };
      this.open = undefined;
      return { ended };
    }
    return {};
  }

  /** The spike still open (started, not ended), if any. */
  get unfinished(): LossSpike | undefined {
    return this.open && { start: this.open.start, peak: this.open.peak };
  }
}

/**
 * `probes: [{ use: catapult-events, tolerance: 0.01, floor: 1e-8 }]` — one record per event of each loss spike:
 * `catapult_start`, `catapult_peak`, `catapult_end`, each with `step` = the step the event happened
 * at and `value` = the loss there (see LossSpikeDetector for the definitions). The detector sees the
 * sampled steps (`every:`), so every: 1 gives steps exactly. A peak is known only once its spike
 * ends: `catapult_peak` is emitted with `catapult_end` (its `step` is earlier than the record's
 * neighbours'). A spike still open at the last step emits its peak so far there, and no end.
 */
export const catapultEventsProbe = defineProbe({
  id: 'catapult-events',
  description: 'Steps where a loss spike starts, peaks and ends (catapult_start, catapult_peak, catapult_end; value = the loss there)',
  options: type({ tolerance: 'number >= 0 = 0.01', floor: 'number >= 0 = 0.00000001' }),
  create: ({ tolerance, floor }, context) => ({
    operator: (source) =>
      new Observable<MetricRecord>((subscriber) => {
        const detector = new LossSpikeDetector(tolerance, floor);
        return source.subscribe({
          next(event) {
            if (event.step % context.every !== 0 && event.outcome === undefined) return;
            const emit = (name: string, at: { readonly step: number; readonly loss: number }): void =>
              subscriber.next({ run: event.run, step: at.step, name, value: at.loss });
            const { started, ended } = detector.next(event.step, event.loss);
            if (started) emit('catapult_start', started);
            if (ended) {
              emit('catapult_peak', ended.peak);
              emit('catapult_end', ended.end);
            }
            const unfinished = detector.unfinished;
            if (event.outcome !== undefined && unfinished) emit('catapult_peak', unfinished.peak);
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
      }),
  }),
});
