import { MeanSquaredError, type MetricRecord, type StepEvent } from '@tdlab/core';
import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { LinearRun, probeContext } from '../test/linear-fixture.js';
import { normalizedLrProbe } from './normalized-lr-probe.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const record = (step: number, value: number): MetricRecord => ({ run: 'test-run', step, name: 'normalized_lr', value });

// Orthogonal rows of norms 1 and 2: K = diag(1, 4), λ = 4 under ½·Σ(f−y)².
const diagonal = { x: [[1, 0], [0, 2]], y: [0, 0], initialParams: [1, 1] };
// K = [[5, 2], [2, 1]], λ = 3 + 2√2.
const coupled = { x: [[1, 2], [0, 1]], y: [0, 0], initialParams: [1, 1] };

async function measure(events: StepEvent[]): Promise<MetricRecord[]> {
  return lastValueFrom(from(events).pipe(normalizedLrProbe.create({}, probeContext(1)).operator, toArray()));
}

describe('normalized-lr probe', () => {
  it('declares no options', () => {
    expect(normalizedLrProbe.options({})).toEqual({});
  });

  it('reports η_t·λ_t with this step’s learning rate, on the every: cadence', () => {
    const run = new LinearRun(diagonal, 5);
    const lrs = [0.75, 0.5, 0.25, 0.125, 0.0625, 0.5];
    const events: Record<string, StepEvent> = {};
    'abcdef'.split('').forEach((key, step) => {
      events[key] = run.event(step, { lr: lrs[step], ...(step === 5 ? { outcome: 'max-steps' } : {}) });
    });
    scheduler().run(({ cold, expectObservable }) => {
      const probe = normalizedLrProbe.create({}, probeContext(2));
      expectObservable(cold('abcdef|', events).pipe(probe.operator)).toBe('a-c-ef|', {
        a: record(0, 3),
        c: record(2, 1),
        e: record(4, 0.25),
        f: record(5, 2),
      });
    });
    expect(run.eigenCalls).toEqual([0, 2, 4, 5]);
  });

  it('equals lr·λ for a known kernel, with the λ of the loss-matched kernel', async () => {
    const lambda = 3 + 2 * Math.SQRT2;
    const lr = 3 / lambda; // r = 3: the catapult window 2 < r < 4
    const sum = new LinearRun(coupled);
    expect((await measure([sum.event(0, { lr })]))[0].value).toBeCloseTo(3, 13);
    // ½·mean halves the kernel (n = 2), so the same η gives r = 1.5 (papers.md §0).
    const mean = new LinearRun({ ...coupled, loss: new MeanSquaredError('mean', true) });
    expect((await measure([mean.event(0, { lr })]))[0].value).toBeCloseTo(1.5, 13);
    // torch's MSELoss (mean, no ½) uses 2K/n = K here.
    const torch = new LinearRun({ ...coupled, loss: new MeanSquaredError('mean', false) });
    expect((await measure([torch.event(0, { lr })]))[0].value).toBeCloseTo(3, 13);
  });

  it('skips steps whose loss is not finite', async () => {
    const run = new LinearRun(diagonal, 2);
    const records = await measure([run.event(0), run.event(1, { loss: Number.NaN }), run.event(2, { loss: Number.POSITIVE_INFINITY, outcome: 'diverged' })]);
    expect(records.map((r) => r.step)).toEqual([0]);
    expect(run.eigenCalls).toEqual([0]);
  });
});
