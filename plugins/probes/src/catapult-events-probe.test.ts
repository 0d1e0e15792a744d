import type { MetricRecord, RunOutcome, StepEvent } from '@tdlab/core';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LinearRun, probeContext } from '../test/linear-fixture.js';
import { catapultEventsProbe, LossSpikeDetector } from './catapult-events-probe.js';

const spec = { x: [[1, 1]], y: [0], initialParams: [1, 0] };
async function events(losses: number[], outcome: RunOutcome = 'max-steps', every = 1, tolerance = 0.01, floor = 1e-8): Promise<[string, number, number][]> {
  const run = new LinearRun(spec, losses.length - 1);
  const stepEvents: StepEvent[] = losses.map((loss, step) => run.event(step, { loss, ...(step === losses.length - 1 ? { outcome } : {}) }));
  const records: MetricRecord[] = await lastValueFrom(
    from(stepEvents).pipe(catapultEventsProbe.create({ tolerance, floor }, probeContext(every)).operator, toArray()),
  );
  return records.map((r) => [r.name, r.step, r.value]);
}

describe('catapult-events probe', () => {
  it('has tolerance = 0.01 by default', () => {
    expect(catapultEventsProbe.options({})).toEqual({ tolerance: 0.01, floor: 1e-8 });
  });

  it('marks start (first step of the rise), peak (argmax) and end (first step below the pre-spike loss)', async () => {
    //                         0    1    2  3   4   5    6    7     8
    expect(await events([1, 0.8, 3, 50, 20, 30, 0.9, 0.7, 0.1])).toEqual([
      ['catapult_start', 2, 3],
      ['catapult_peak', 3, 50],
      ['catapult_end', 7, 0.7],
    ]);
  });

  it('finds several spikes, ignores rises within the tolerance, and ends no spike on a NaN', async () => {
    expect(await events([1, 1.005, 0.5, 0.6, 0.4, 0.3, 2, 0.2], 'max-steps', 1, 0.01)).toEqual([
      ['catapult_start', 3, 0.6],
      ['catapult_peak', 3, 0.6],
      ['catapult_end', 4, 0.4],
      ['catapult_start', 6, 2],
      ['catapult_peak', 6, 2],
      ['catapult_end', 7, 0.2],
    ]);
    // A run that diverges inside its spike: the peak so far is emitted at the last step, no end.
    expect(await events([1, 5, 1e6, Number.NaN], 'diverged')).toEqual([
      ['catapult_start', 1, 5],
      ['catapult_peak', 2, 1e6],
    ]);
  });

  it('ignores rises at rounding level, below floor·L₀', async () => {
    // The last step (6) closes the run inside the spike: its peak so far is emitted there.
    expect(await events([1, 1e-3, 1e-30, 7e-30, 1e-31, 5e-9, 2e-8])).toEqual([
      ['catapult_start', 6, 2e-8],
      ['catapult_peak', 6, 2e-8],
    ]);
    expect(await events([1, 1e-30, 7e-30], 'max-steps', 1, 0.01, 0)).toEqual([
      ['catapult_start', 2, 7e-30],
      ['catapult_peak', 2, 7e-30],
    ]);
  });

  it('sees only the sampled steps (every: 2) and the last', async () => {
    //                         0  1   2   3    4    5
    expect(await events([1, 50, 10, 0.5, 0.4, 0.3], 'max-steps', 2)).toEqual([
      ['catapult_start', 2, 10],
      ['catapult_peak', 2, 10],
      ['catapult_end', 4, 0.4],
    ]);
  });

  it('LossSpikeDetector reports the open spike', () => {
    const detector = new LossSpikeDetector(0);
    detector.next(0, 1);
    expect(detector.next(1, 2)).toEqual({ started: { step: 1, loss: 2 } });
    expect(detector.unfinished).toEqual({ start: { step: 1, loss: 2 }, peak: { step: 1, loss: 2 } });
  });
});
