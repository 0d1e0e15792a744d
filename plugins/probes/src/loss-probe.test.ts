import { MeanSquaredError, type MetricRecord, type StepEvent } from '@tdlab/core';
import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { LinearRun, probeContext } from '../test/linear-fixture.js';
import { lossProbe } from './loss-probe.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const record = (step: number, name: string, value: number): MetricRecord => ({ run: 'test-run', step, name, value });

// X = [[1, 2], [0, 1]], y = (1, 0): at θ = (1, 1), f = (3, 1) and the residual is (2, 1).
const spec = { x: [[1, 2], [0, 1]], y: [1, 0], initialParams: [1, 1] };

describe('loss probe', () => {
  it('declares no options (every: is the core’s)', () => {
    expect(lossProbe.options({})).toEqual({});
  });

  it('measures on steps 0, every, 2·every, … and on the last step', () => {
    const run = new LinearRun(spec, 5);
    const losses = [5, 4, 3, 2, 1, 0.5];
    const events: Record<string, StepEvent> = {};
    'abcdef'.split('').forEach((key, step) => {
      events[key] = run.event(step, { loss: losses[step], ...(step === 5 ? { outcome: 'max-steps' } : {}) });
    });
    scheduler().run(({ cold, expectObservable }) => {
      const probe = lossProbe.create({}, probeContext(2));
      expectObservable(cold('abcdef|', events).pipe(probe.operator)).toBe('a-c-ef|', {
        a: record(0, 'loss', 5),
        c: record(2, 'loss', 3),
        e: record(4, 'loss', 1),
        f: record(5, 'loss', 0.5),
      });
    });
  });

  it('measures the last step once when it falls on the cadence', () => {
    const run = new LinearRun(spec, 6);
    const events: Record<string, StepEvent> = {};
    'abcdefg'.split('').forEach((key, step) => {
      events[key] = run.event(step, { loss: step, ...(step === 6 ? { outcome: 'max-steps' } : {}) });
    });
    scheduler().run(({ cold, expectObservable }) => {
      const probe = lossProbe.create({}, probeContext(3));
      expectObservable(cold('abcdefg|', events).pipe(probe.operator)).toBe('a--d--g|', {
        a: record(0, 'loss', 0),
        d: record(3, 'loss', 3),
        g: record(6, 'loss', 6),
      });
    });
  });

  it('reports the training loss of a known residual under each convention', async () => {
    const conventions: [MeanSquaredError, number][] = [
      [new MeanSquaredError('sum', true), 0.5 * (4 + 1)],
      [new MeanSquaredError('mean', true), (0.5 * (4 + 1)) / 2],
      [new MeanSquaredError('mean', false), (4 + 1) / 2],
    ];
    for (const [loss, expected] of conventions) {
      const run = new LinearRun({ ...spec, loss });
      const records = await lastValueFrom(from([run.event(0)]).pipe(lossProbe.create({}, probeContext(1)).operator, toArray()));
      expect(records).toHaveLength(1);
      expect(records[0].name).toBe('loss');
      expect(records[0].value).toBeCloseTo(expected, 14);
    }
  });

  it('emits only loss, even with an eval split (that is eval-loss), and reports a diverged loss as it is', async () => {
    const run = new LinearRun({ ...spec, eval: { x: [[1, 0]], y: [0] } }, 3);
    const events = [run.event(0), run.event(1, { loss: 1e30 }), run.event(2, { loss: Number.NaN, outcome: 'diverged' })];
    const records = await lastValueFrom(from(events).pipe(lossProbe.create({}, probeContext(1)).operator, toArray()));
    expect(records.map((r) => [r.step, r.name, r.value])).toEqual([
      [0, 'loss', 2.5],
      [1, 'loss', 1e30],
      [2, 'loss', Number.NaN],
    ]);
    // The loss probe never runs the model on the eval rows.
    expect(run.model.forwardTargets).toHaveLength(0);
  });
});
