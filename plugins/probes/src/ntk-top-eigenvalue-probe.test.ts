import { type } from 'arktype';
import { MeanSquaredError, type MetricRecord, type StepEvent } from '@tdlab/core';
import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { LinearRun, probeContext, symmetricEigenvalues } from '../test/linear-fixture.js';
import { ntkTopEigenvalueProbe } from './ntk-top-eigenvalue-probe.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const record = (step: number, name: string, value: number, index?: number): MetricRecord =>
  index === undefined ? { run: 'test-run', step, name, value } : { run: 'test-run', step, name, value, index };

// X = [[1, 2], [0, 1]]: K = X Xᵀ = [[5, 2], [2, 1]], eigenvalues 3 ± 2√2.
const twoPoints = { x: [[1, 2], [0, 1]], y: [0, 0], initialParams: [0.5, -0.25] };
// Orthogonal rows of norms 1, 2, 3: K = diag(1, 4, 9).
const threePoints = { x: [[1, 0, 0], [0, 2, 0], [0, 0, 3]], y: [0, 0, 0], initialParams: [1, 1, 1] };

async function measure(run: LinearRun, k: number, events: StepEvent[]): Promise<MetricRecord[]> {
  const probe = ntkTopEigenvalueProbe.create(ntkTopEigenvalueProbe.options.assert({ k }), probeContext(1));
  return lastValueFrom(from(events).pipe(probe.operator, toArray()));
}

describe('closed-form eigenvalues of the test fixture', () => {
  it('agree with known spectra', () => {
    const [a, b] = symmetricEigenvalues([[5, 2], [2, 1]]);
    expect(a).toBeCloseTo(3 + 2 * Math.SQRT2, 13);
    expect(b).toBeCloseTo(3 - 2 * Math.SQRT2, 13);
    const tridiagonal = symmetricEigenvalues([[2, 1, 0], [1, 2, 1], [0, 1, 2]]);
    [2 + Math.SQRT2, 2, 2 - Math.SQRT2].forEach((expected, i) => expect(tridiagonal[i]).toBeCloseTo(expected, 12));
    expect(symmetricEigenvalues([[1, 0, 0], [0, 9, 0], [0, 0, 4]])).toEqual([9, 4, 1]);
  });
});

describe('ntk-top-eigenvalue probe', () => {
  it('has k = 1 by default and rejects a k that is not a positive integer', () => {
    expect(ntkTopEigenvalueProbe.options({})).toEqual({ k: 1 });
    expect(ntkTopEigenvalueProbe.options({ k: 0 })).toBeInstanceOf(type.errors);
    expect(ntkTopEigenvalueProbe.options({ k: 1.5 })).toBeInstanceOf(type.errors);
  });

  it('measures (and asks for the kernel) only on steps 0, every, … and the last step', () => {
    const run = new LinearRun(twoPoints, 7);
    const events: Record<string, StepEvent> = {};
    'abcdefgh'.split('').forEach((key, step) => {
      events[key] = run.event(step, step === 7 ? { outcome: 'converged' } : {});
    });
    const lambda = symmetricEigenvalues([[5, 2], [2, 1]])[0];
    scheduler().run(({ cold, expectObservable }) => {
      const probe = ntkTopEigenvalueProbe.create({ k: 1 }, probeContext(3));
      expectObservable(cold('abcdefgh|', events).pipe(probe.operator)).toBe('a--d--gh|', {
        a: record(0, 'ntk_lambda', lambda),
        d: record(3, 'ntk_lambda', lambda),
        g: record(6, 'ntk_lambda', lambda),
        h: record(7, 'ntk_lambda', lambda),
      });
    });
    expect(run.eigenCalls).toEqual([0, 3, 6, 7]);
  });

  it('reports λ = 3 + 2√2 for K = [[5, 2], [2, 1]] under ½·Σ, and the loss-matched K/n under ½·mean', async () => {
    const sum = await measure(new LinearRun(twoPoints), 1, [new LinearRun(twoPoints).event(0)]);
    expect(sum).toHaveLength(1);
    expect(sum[0].value).toBeCloseTo(3 + 2 * Math.SQRT2, 13);
    const meanRun = new LinearRun({ ...twoPoints, loss: new MeanSquaredError('mean', true) });
    const mean = await measure(meanRun, 1, [meanRun.event(0)]);
    expect(mean[0].value).toBeCloseTo((3 + 2 * Math.SQRT2) / 2, 13);
  });

  it('adds the top k eigenvalues, descending, with index 0..k−1', () => {
    const run = new LinearRun(threePoints, 2);
    const events = { a: run.event(0), b: run.event(1), c: run.event(2, { outcome: 'max-steps' }) };
    scheduler().run(({ cold, expectObservable }) => {
      const probe = ntkTopEigenvalueProbe.create({ k: 3 }, probeContext(2));
      // Four records per measured step take 6 frames, so the events are 6 frames apart.
      expectObservable(cold('a-----b-----c-----|', events).pipe(probe.operator)).toBe('(wxyz)------(WXYZ)|', {
        w: record(0, 'ntk_lambda', 9),
        x: record(0, 'ntk_eigenvalues', 9, 0),
        y: record(0, 'ntk_eigenvalues', 4, 1),
        z: record(0, 'ntk_eigenvalues', 1, 2),
        W: record(2, 'ntk_lambda', 9),
        X: record(2, 'ntk_eigenvalues', 9, 0),
        Y: record(2, 'ntk_eigenvalues', 4, 1),
        Z: record(2, 'ntk_eigenvalues', 1, 2),
      });
    });
  });

  it('reports no more eigenvalues than the kernel has (k > n)', async () => {
    const run = new LinearRun(threePoints);
    const records = await measure(run, 5, [run.event(0)]);
    expect(records.map((r) => [r.name, r.index, r.value])).toEqual([
      ['ntk_lambda', undefined, 9],
      ['ntk_eigenvalues', 0, 9],
      ['ntk_eigenvalues', 1, 4],
      ['ntk_eigenvalues', 2, 1],
    ]);
  });

  it('skips steps whose loss is not finite, without computing the kernel', async () => {
    const run = new LinearRun(twoPoints, 3);
    const events = [run.event(0), run.event(1, { loss: Number.POSITIVE_INFINITY }), run.event(2, { loss: Number.NaN, outcome: 'diverged' })];
    const records = await measure(run, 2, events);
    expect(records.map((r) => r.step)).toEqual([0, 0, 0]);
    expect(run.eigenCalls).toEqual([0]);
  });
});
