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

  it('adds eval_loss on the eval split, forwarding into one buffer allocated once', () => {
    // Eval rows (1,0), (0,1), (1,1) with targets (0, 0, 1): at θ = (1, 2), f = (1, 2, 3), residual (1, 2, 2).
    const run = new LinearRun({ ...spec, eval: { x: [[1, 0], [0, 1], [1, 1]], y: [0, 0, 1] } }, 4);
    const thetas = [[1, 2], [0, 0], [1, 2], [0, 0], [2, 2]];
    const events: Record<string, StepEvent> = {};
    'abcde'.split('').forEach((key, step) => {
      events[key] = run.event(step, { params: thetas[step], loss: 10 - step, ...(step === 4 ? { outcome: 'max-steps' } : {}) });
    });
    scheduler().run(({ cold, expectObservable }) => {
      const probe = lossProbe.create({}, probeContext(2));
      // Two records per measured step: each group takes 4 frames, so the events are 4 frames apart.
      expectObservable(cold('a---b---c---d---e---|', events).pipe(probe.operator)).toBe('(ab)----(cd)----(ef)|', {
        a: record(0, 'loss', 10),
        b: record(0, 'eval_loss', 0.5 * (1 + 4 + 4)),
        c: record(2, 'loss', 8),
        d: record(2, 'eval_loss', 0.5 * (1 + 4 + 4)),
        e: record(4, 'loss', 6),
        // θ = (2, 2): f = (2, 2, 4), residual (2, 2, 3).
        f: record(4, 'eval_loss', 0.5 * (4 + 4 + 9)),
      });
    });
    // Forwarded only on the measured steps, always into the same buffer of the eval size.
    const targets = run.model.forwardTargets;
    expect(targets).toHaveLength(3);
    expect(new Set(targets).size).toBe(1);
    expect(targets[0]).toBeInstanceOf(Float64Array);
    expect(targets[0].length).toBe(3);
  });

  it('allocates the eval buffer in the run precision', async () => {
    const run = new LinearRun({ ...spec, precision: 'float32', eval: { x: [[1, 0]], y: [0] } });
    await lastValueFrom(from([run.event(0)]).pipe(lossProbe.create({}, probeContext(1, 'float32')).operator, toArray()));
    expect(run.model.forwardTargets[0]).toBeInstanceOf(Float32Array);
  });

  it('emits only loss without an eval split, and reports a diverged loss as it is', async () => {
    const run = new LinearRun(spec, 3);
    const events = [run.event(0), run.event(1, { loss: 1e30 }), run.event(2, { loss: Number.NaN, outcome: 'diverged' })];
    const records = await lastValueFrom(from(events).pipe(lossProbe.create({}, probeContext(1)).operator, toArray()));
    expect(records.map((r) => [r.step, r.name, r.value])).toEqual([
      [0, 'loss', 2.5],
      [1, 'loss', 1e30],
      [2, 'loss', Number.NaN],
    ]);
  });
});
