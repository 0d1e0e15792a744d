import { MeanSquaredError, type MetricRecord, type StepEvent, Tdlab } from '@tdlab/core';
import { from, lastValueFrom, type OperatorFunction, Subject, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { LinearRun, probeContext } from '../test/linear-fixture.js';
import { linearTestPlugin } from '../test/linear-plugin.js';
import { accuracy, checkLabels, evalAccuracyProbe } from './eval-accuracy-probe.js';
import { evalLossProbe } from './eval-loss-probe.js';
import probesPlugin from './index.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const record = (step: number, name: string, value: number): MetricRecord => ({ run: 'test-run', step, name, value });

// Training rows as in loss-probe.test.ts. Eval rows (1,0), (0,1), (1,1) with targets (0, 0, 1):
// at θ = (1, 2), f = (1, 2, 3) and the eval residual is (1, 2, 2), Σ r² = 9.
const spec = {
  x: [[1, 2], [0, 1]],
  y: [1, 0],
  initialParams: [1, 2],
  eval: { x: [[1, 0], [0, 1], [1, 1]], y: [0, 0, 1] },
};

/** Runs a probe over events and collects its records. */
function collect(operator: OperatorFunction<StepEvent, MetricRecord>, events: StepEvent[]): Promise<MetricRecord[]> {
  return lastValueFrom(from(events).pipe(operator, toArray()));
}

describe('eval-loss probe', () => {
  it('declares no options (every: is the core’s)', () => {
    expect(evalLossProbe.options({})).toEqual({});
  });

  it('is the study loss on the eval rows, with the loss’s own normalization', async () => {
    const conventions: [MeanSquaredError, number][] = [
      [new MeanSquaredError('sum', true), 0.5 * 9],
      [new MeanSquaredError('mean', true), (0.5 * 9) / 3],
      [new MeanSquaredError('mean', false), 9 / 3],
    ];
    for (const [loss, expected] of conventions) {
      const run = new LinearRun({ ...spec, loss });
      const records = await collect(evalLossProbe.create({}, probeContext(1)).operator, [run.event(0)]);
      expect(records).toHaveLength(1);
      expect(records[0].name).toBe('eval_loss');
      expect(records[0].value).toBeCloseTo(expected, 14);
    }
  });

  it('measures on steps 0, every, 2·every, … and on the last step, at θ_t', () => {
    const run = new LinearRun(spec, 4);
    const thetas = [[1, 2], [0, 0], [1, 2], [0, 0], [2, 2]];
    const events: Record<string, StepEvent> = {};
    'abcde'.split('').forEach((key, step) => {
      events[key] = run.event(step, { params: thetas[step], ...(step === 4 ? { outcome: 'max-steps' } : {}) });
    });
    scheduler().run(({ cold, expectObservable }) => {
      const probe = evalLossProbe.create({}, probeContext(2));
      expectObservable(cold('abcde|', events).pipe(probe.operator)).toBe('a-c-e|', {
        a: record(0, 'eval_loss', 0.5 * 9),
        c: record(2, 'eval_loss', 0.5 * 9),
        // θ = (2, 2): f = (2, 2, 4), residual (2, 2, 3).
        e: record(4, 'eval_loss', 0.5 * (4 + 4 + 9)),
      });
    });
    // The model ran on the eval rows only on the measured steps.
    expect(run.model.forwardTargets).toHaveLength(3);
  });

  it('forwards into one buffer per run, in the run precision, shared with eval-accuracy on the same step', () => {
    for (const precision of ['float64', 'float32'] as const) {
      const run = new LinearRun({ ...spec, precision, eval: { x: [[1, 0], [0, 1]], y: [1, -1] } }, 3);
      // One training state for the whole run, as the trainer has: θ moves in place between steps.
      const first = run.event(0);
      const state = first.state;
      const params = state.params;
      const source = new Subject<StepEvent>();
      const records: MetricRecord[] = [];
      const errors: unknown[] = [];
      const observer = { next: (r: MetricRecord) => records.push(r), error: (e: unknown) => errors.push(e) };
      source.pipe(evalLossProbe.create({}, probeContext(1, precision)).operator).subscribe(observer);
      source.pipe(evalAccuracyProbe.create({ labels: 'plus-minus-one' }, probeContext(1, precision)).operator).subscribe(observer);
      const thetas = [[1, 2], [2, -1], [-1, 1]];
      thetas.forEach((theta, step) => {
        params.set(theta);
        source.next({ ...first, step, ...(step === 2 ? { outcome: 'max-steps' as const } : {}), state });
      });
      source.complete();
      expect(errors).toEqual([]);
      // f = (θ₁, θ₂) against targets (1, −1): ½·Σ(f−y)² and the fraction of signs that agree.
      expect(records.map((r) => [r.step, r.name, r.value])).toEqual([
        [0, 'eval_loss', 0.5 * (0 + 9)],
        [0, 'eval_accuracy', 0.5],
        [1, 'eval_loss', 0.5 * (1 + 0)],
        [1, 'eval_accuracy', 1],
        [2, 'eval_loss', 0.5 * (4 + 4)],
        [2, 'eval_accuracy', 0],
      ]);
      // One forward pass per step for both probes, always into the same buffer of the eval size.
      const targets = run.model.forwardTargets;
      expect(targets).toHaveLength(3);
      expect(new Set(targets).size).toBe(1);
      expect(targets[0]).toBeInstanceOf(precision === 'float64' ? Float64Array : Float32Array);
      expect(targets[0].length).toBe(2);
    }
  });

  it('fails the stream with a clear error when the data set has no eval split', async () => {
    const run = new LinearRun({ x: spec.x, y: spec.y, initialParams: [1, 2] });
    const context = { ...probeContext(1), spec: { data: { use: 'sign-teacher' } } as never };
    await expect(collect(evalLossProbe.create({}, context).operator, [run.event(0)])).rejects.toThrow(
      /probe "eval-loss" needs held-out data, but the data set "sign-teacher" has no eval split.*eval: \{ n: 2000 \}/,
    );
    await expect(collect(evalAccuracyProbe.create({ labels: 'sign' }, probeContext(1)).operator, [run.event(0)])).rejects.toThrow(
      /probe "eval-accuracy" needs held-out data/,
    );
  });
});

describe('eval-accuracy probe', () => {
  it('defaults to ±1 labels and rejects unknown conventions', () => {
    expect(evalAccuracyProbe.options({})).toEqual({ labels: 'plus-minus-one' });
    expect(String((evalAccuracyProbe.options({ labels: 'binary' }) as { summary: string }).summary)).toMatch(/labels/);
  });

  it('plus-minus-one: sign(f) = y with sign(0) = +1; a NaN output never agrees', () => {
    const outputs = [0.5, -0.2, 0, Number.NaN, -3];
    const targets = [1, 1, 1, -1, -1];
    expect(accuracy(outputs, targets, 5, 'plus-minus-one')).toBe(3 / 5);
  });

  it('zero-one: predicts 1 when f ≥ ½', () => {
    expect(accuracy([0.7, 0.5, 0.49, -1], [1, 1, 0, 1], 4, 'zero-one')).toBe(3 / 4);
    expect(accuracy([Number.NaN, Number.NaN], [0, 1], 2, 'zero-one')).toBe(0);
  });

  it('sign: the sign agreement of real-valued targets', () => {
    expect(accuracy([2, -1, 0], [0.3, -5, -0.1], 3, 'sign')).toBe(2 / 3);
  });

  it('checks the targets against the convention, naming the row and the fix', () => {
    expect(() => checkLabels([1, -1, 0], 3, 'plus-minus-one')).toThrow(/y\[2\] = 0 is not -1 or 1 \(labels: plus-minus-one\); set labels: zero-one/);
    expect(() => checkLabels([0, 1, -1], 3, 'zero-one')).toThrow(/y\[2\] = -1 is not 0 or 1/);
    expect(() => checkLabels([0.3, 7], 2, 'sign')).not.toThrow();
  });

  it('measures the eval rows at θ_t, on the every: cadence', () => {
    // Eval rows (1,0), (0,1), (1,1), targets (1, −1, 1). θ = (1, 2): f = (1, 2, 3) → 2/3 right;
    // θ = (1, −2): f = (1, −2, −1) → 2/3; θ = (0.5, −0.25): f = (0.5, −0.25, 0.25) → 3/3.
    const run = new LinearRun({ ...spec, eval: { x: spec.eval.x, y: [1, -1, 1] } }, 3);
    const thetas = [[1, 2], [9, 9], [1, -2], [0.5, -0.25]];
    const events: Record<string, StepEvent> = {};
    'abcd'.split('').forEach((key, step) => {
      events[key] = run.event(step, { params: thetas[step], ...(step === 3 ? { outcome: 'converged' } : {}) });
    });
    scheduler().run(({ cold, expectObservable }) => {
      const probe = evalAccuracyProbe.create({ labels: 'plus-minus-one' }, probeContext(2));
      expectObservable(cold('abcd|', events).pipe(probe.operator)).toBe('a-cd|', {
        a: record(0, 'eval_accuracy', 2 / 3),
        c: record(2, 'eval_accuracy', 2 / 3),
        d: record(3, 'eval_accuracy', 1),
      });
    });
  });

  it('fails the stream when ±1 is asked for and the eval targets are 0/1', async () => {
    const run = new LinearRun(spec);
    await expect(collect(evalAccuracyProbe.create({ labels: 'plus-minus-one' }, probeContext(1)).operator, [run.event(0)])).rejects.toThrow(
      /eval target y\[0\] = 0 is not -1 or 1/,
    );
    const records = await collect(evalAccuracyProbe.create({ labels: 'zero-one' }, probeContext(1)).operator, [run.event(0)]);
    // f = (1, 2, 3) ≥ ½ everywhere: predictions (1, 1, 1) against (0, 0, 1).
    expect(records.map((r) => r.value)).toEqual([1 / 3]);
  });
});

describe('the eval probes in a real run of the core trainer', () => {
  const study = (data: Record<string, unknown>) => ({
    name: 'eval-probes-e2e',
    seed: 1,
    data: { use: 'test-rows', x: [[1, 2], [0, 1]], y: [1, -1], ...data },
    model: { use: 'test-linear', init: [0.5, -0.25] },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'test-gd' },
    schedule: { use: 'test-constant', lr: { normalized: 1 } },
    steps: 6,
    probes: [
      { use: 'eval-loss', every: 3 },
      { use: 'eval-accuracy', every: 2 },
    ],
  });

  it('measures eval_loss and eval_accuracy at their own cadences', async () => {
    const tdlab = new Tdlab([linearTestPlugin, probesPlugin]);
    const records = await lastValueFrom(tdlab.metrics(study({ evalX: [[1, 1], [2, 0]], evalY: [-1, 1] })).pipe(toArray()));
    const steps = (name: string) => records.filter((r) => r.name === name).map((r) => r.step);
    expect(steps('eval_loss')).toEqual([0, 3, 6]);
    expect(steps('eval_accuracy')).toEqual([0, 2, 4, 6]);
    // θ₀ = (0.5, −0.25): eval f = (0.25, 1), residual (1.25, 0): ½·mean = 0.390625; signs (+, +) vs (−, +): ½.
    expect(records[0]).toMatchObject({ step: 0, name: 'eval_loss' });
    expect(records.find((r) => r.name === 'eval_loss' && r.step === 0)?.value).toBeCloseTo(0.5 * (1.5625 / 2), 14);
    expect(records.find((r) => r.name === 'eval_accuracy' && r.step === 0)?.value).toBe(0.5);
  });

  it('stops the run with the probe’s error when the data set has no eval split', async () => {
    const tdlab = new Tdlab([linearTestPlugin, probesPlugin]);
    await expect(lastValueFrom(tdlab.metrics(study({})).pipe(toArray()))).rejects.toThrow(
      /probe "eval-loss" needs held-out data, but the data set "test-rows" has no eval split/,
    );
  });
});
