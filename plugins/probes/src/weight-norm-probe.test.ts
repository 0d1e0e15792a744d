import type { MetricRecord, StepEvent } from '@tdlab/core';
import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { LinearRun, probeContext } from '../test/linear-fixture.js';
import { weightNormProbe } from './weight-norm-probe.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const record = (step: number, name: string, value: number): MetricRecord => ({ run: 'test-run', step, name, value });

// θ₀ = (3, 4 | 2): block "w" has ‖w₀‖² = 25, block "b" has ‖b₀‖² = 4, ‖θ₀‖² = 29.
const blocks = [
  { name: 'w', offset: 0, length: 2, shape: [2] },
  { name: 'b', offset: 2, length: 1, shape: [1] },
];
const spec = { x: [[1, 0, 0]], y: [0], initialParams: [3, 4, 2], blocks };

async function measure(run: LinearRun, perBlock: boolean, events: StepEvent[]): Promise<MetricRecord[]> {
  return lastValueFrom(from(events).pipe(weightNormProbe.create({ perBlock }, probeContext(1)).operator, toArray()));
}

describe('weight-norm probe', () => {
  it('has perBlock = false by default', () => {
    expect(weightNormProbe.options({})).toEqual({ perBlock: false });
  });

  it('reports s² for θ_t = s·θ₀, on the every: cadence', () => {
    const run = new LinearRun(spec, 4);
    const scales = [1, 2, 0.5, 3, 0.1];
    const events: Record<string, StepEvent> = {};
    'abcde'.split('').forEach((key, step) => {
      events[key] = run.event(step, {
        params: [3, 4, 2].map((v) => v * scales[step]),
        ...(step === 4 ? { outcome: 'converged' } : {}),
      });
    });
    scheduler().run(({ cold, expectObservable }) => {
      const probe = weightNormProbe.create({ perBlock: false }, probeContext(2));
      expectObservable(cold('abcde|', events).pipe(probe.operator)).toBe('a-c-e|', {
        a: record(0, 'weight_norm_ratio', 1),
        c: record(2, 'weight_norm_ratio', expect.closeTo(0.25, 14) as unknown as number),
        e: record(4, 'weight_norm_ratio', expect.closeTo(0.01, 14) as unknown as number),
      });
    });
  });

  it('is exactly 1 at initialization and s² in closed form for several scales', async () => {
    const run = new LinearRun(spec);
    const scales = [1, 0.3, 1.7, 1e-3, 1e3];
    const records = await measure(
      run,
      false,
      scales.map((s, step) => run.event(step, { params: [3 * s, 4 * s, 2 * s] })),
    );
    expect(records[0].value).toBe(1);
    records.forEach((r, i) => expect(r.value / scales[i] ** 2).toBeCloseTo(1, 13));
  });

  it('with perBlock, adds weight_norm_ratio/<block> for each parameter block', async () => {
    const run = new LinearRun(spec);
    // θ_t = (6, 8 | −1): ‖w‖² = 100 (×4), ‖b‖² = 1 (×¼), ‖θ‖² = 101.
    const records = await measure(run, true, [run.event(0), run.event(1, { params: [6, 8, -1] })]);
    expect(records.map((r) => [r.step, r.name])).toEqual([
      [0, 'weight_norm_ratio'],
      [0, 'weight_norm_ratio/w'],
      [0, 'weight_norm_ratio/b'],
      [1, 'weight_norm_ratio'],
      [1, 'weight_norm_ratio/w'],
      [1, 'weight_norm_ratio/b'],
    ]);
    expect(records.slice(0, 3).map((r) => r.value)).toEqual([1, 1, 1]);
    expect(records[3].value).toBeCloseTo(101 / 29, 13);
    expect(records[4].value).toBeCloseTo(4, 13);
    expect(records[5].value).toBeCloseTo(0.25, 13);
  });

  it('does not overflow when ‖θ‖² alone would (a diverging run), and reports NaN parameters as NaN', async () => {
    // ‖θ₀‖² ≈ 2.9e321 is beyond float64, but the ratio of θ_t = 2·θ₀ is 4.
    const run = new LinearRun({ ...spec, initialParams: [3e160, 4e160, 2e160] });
    const records = await measure(run, true, [run.event(0), run.event(1, { params: [6e160, 8e160, 4e160] })]);
    expect(records.map((r) => r.value)).toEqual([1, 1, 1, expect.closeTo(4, 12), expect.closeTo(4, 12), expect.closeTo(4, 12)]);
    const nan = await measure(run, false, [run.event(0, { params: [Number.NaN, 0, 0], outcome: 'diverged' })]);
    expect(nan[0].value).toBeNaN();
  });

  it('reports NaN for a block initialized at zero while it is zero, Infinity after', async () => {
    const run = new LinearRun({ ...spec, initialParams: [3, 4, 0] });
    const records = await measure(run, true, [run.event(0), run.event(1, { params: [3, 4, 0.5] })]);
    const bias = records.filter((r) => r.name === 'weight_norm_ratio/b').map((r) => r.value);
    expect(bias[0]).toBeNaN();
    expect(bias[1]).toBe(Number.POSITIVE_INFINITY);
  });

  it('works on float32 parameters', async () => {
    const run = new LinearRun({ ...spec, precision: 'float32' });
    const records = await measure(run, true, [run.event(0, { params: [1.5, 2, 1] })]);
    expect(records.map((r) => r.value)).toEqual([0.25, 0.25, 0.25]);
  });
});
