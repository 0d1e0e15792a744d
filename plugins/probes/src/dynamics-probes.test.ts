import { type MetricRecord, type StepEvent, Tdlab } from '@tdlab/core';
import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { LinearRun, probeContext } from '../test/linear-fixture.js';
import { linearTestPlugin } from '../test/linear-plugin.js';
import { distanceFromInitProbe } from './distance-from-init-probe.js';
import { gradientNormProbe } from './gradient-norm-probe.js';
import probesPlugin from './index.js';
import { updateCosineProbe } from './update-cosine-probe.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const close = (value: number, digits = 13) => expect.closeTo(value, digits) as unknown as number;

// θ = (w₁, w₂ | b): block "w" of two, block "b" of one.
const blocks = [
  { name: 'w', offset: 0, length: 2, shape: [2] },
  { name: 'b', offset: 2, length: 1, shape: [1] },
];
const spec = { x: [[1, 0, 0]], y: [0], initialParams: [3, 4, 2], blocks };

type ProbeUnderTest = typeof updateCosineProbe | typeof distanceFromInitProbe | typeof gradientNormProbe;
async function measure(probe: ProbeUnderTest, events: StepEvent[], perBlock = true, every = 1): Promise<MetricRecord[]> {
  return lastValueFrom(from(events).pipe(probe.create({ perBlock }, probeContext(every)).operator, toArray()));
}
const values = (records: MetricRecord[], name: string) => records.filter((r) => r.name === name).map((r) => [r.step, r.value]);
const cos = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b));

describe('update-cosine probe (papers.md §4 stand-in)', () => {
  it('is c_t = cos∠(θ_t − θ_{t−1}, θ_t − θ₀): nothing at step 0, exactly 1 at step 1, a hand value at step 2', async () => {
    const run = new LinearRun(spec);
    const theta = [
      [3, 4, 2],
      [2, 4, 2.5],
      [2, 3, 3.5],
    ];
    const records = await measure(updateCosineProbe, theta.map((params, step) => run.event(step, { params })));
    // Δθ₂ = (0, −1, 1), θ₂ − θ₀ = (−1, −1, 1.5): ⟨·,·⟩ = 2.5, ‖·‖ = √2 and √4.25.
    expect(values(records, 'update_cosine')).toEqual([
      [1, close(1)],
      [2, close(2.5 / (Math.SQRT2 * Math.sqrt(4.25)))],
    ]);
    // Block w: Δ = (0, −1), cumulative (−1, −1): 1/(1·√2). Block b: Δ = 1, cumulative 1.5: 1.
    expect(values(records, 'update_cosine/w')).toEqual([
      [1, close(1)],
      [2, close(Math.SQRT1_2)],
    ]);
    expect(values(records, 'update_cosine/b')).toEqual([
      [1, close(1)],
      [2, close(1)],
    ]);
  });

  it('stays in [−1, 1] on a random walk and reports −1 for a full reversal, NaN for no update', async () => {
    const run = new LinearRun(spec, 200);
    let state = 12345;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const theta = [[3, 4, 2]];
    for (let t = 1; t < 200; t++) theta.push(theta[t - 1].map((v) => v + random() * 10 ** (random() * 3)));
    const records = await measure(updateCosineProbe, theta.map((params, step) => run.event(step, { params })));
    expect(records).toHaveLength(199 * 3);
    for (const r of records) {
      expect(r.value).toBeGreaterThanOrEqual(-1);
      expect(r.value).toBeLessThanOrEqual(1);
    }
    // θ₀ → θ₀ + d → θ₀ + d/2: the step back is opposite to the cumulative update. Then no move: NaN.
    const back = await measure(
      updateCosineProbe,
      [[3, 4, 2], [5, 6, 4], [4, 5, 3], [4, 5, 3]].map((params, step) => run.event(step, { params })),
      false,
    );
    expect(back.map((r) => r.value)).toEqual([close(1), close(-1), Number.NaN]);
  });

  it('keeps θ_{t−1} between sampled steps (every: 2) and measures the last step', () => {
    const run = new LinearRun(spec, 3);
    const theta = [
      [3, 4, 2],
      [4, 4, 2],
      [4, 5, 2],
      [4, 5, 5],
    ];
    const events = Object.fromEntries(
      theta.map((params, step) => ['abcd'[step], run.event(step, { params, ...(step === 3 ? { outcome: 'max-steps' as const } : {}) })]),
    );
    scheduler().run(({ cold, expectObservable }) => {
      const probe = updateCosineProbe.create({ perBlock: false }, probeContext(2));
      expectObservable(cold('abcd|', events).pipe(probe.operator)).toBe('--cd|', {
        c: { run: 'test-run', step: 2, name: 'update_cosine', value: close(cos([0, 1, 0], [1, 1, 0])) },
        d: { run: 'test-run', step: 3, name: 'update_cosine', value: close(cos([0, 0, 3], [1, 1, 3])) },
      });
    });
  });

  it('works on float32 parameters and huge parameters', async () => {
    const run = new LinearRun({ ...spec, precision: 'float32' });
    const records = await measure(updateCosineProbe, [run.event(0), run.event(1, { params: [1.5, 2, 1] })], false);
    expect(records.map((r) => r.value)).toEqual([close(1)]);
    const huge = new LinearRun({ ...spec, initialParams: [3e300, 4e300, 2e300] });
    const hugeRecords = await measure(updateCosineProbe, [huge.event(0), huge.event(1, { params: [-3e300, -4e300, -2e300] }), huge.event(2, { params: [3e300, 4e300, 2e300] })], false);
    expect(hugeRecords.map((r) => r.value)).toEqual([close(1), Number.NaN]);
  });
});

describe('distance-from-init probe', () => {
  it('is ‖θ_t − θ₀‖ and ‖θ_t − θ₀‖/‖θ₀‖, whole and per block', async () => {
    const run = new LinearRun(spec);
    // θ₁ − θ₀ = (3, −4 | 12): 13 in all, 5 in w, 12 in b; ‖θ₀‖ = √29, ‖w₀‖ = 5, ‖b₀‖ = 2.
    const records = await measure(distanceFromInitProbe, [run.event(0), run.event(1, { params: [6, 0, 14] })]);
    expect(records.map((r) => [r.step, r.name, r.value])).toEqual([
      [0, 'distance_from_init', 0],
      [0, 'relative_distance_from_init', 0],
      [0, 'distance_from_init/w', 0],
      [0, 'relative_distance_from_init/w', 0],
      [0, 'distance_from_init/b', 0],
      [0, 'relative_distance_from_init/b', 0],
      [1, 'distance_from_init', close(13)],
      [1, 'relative_distance_from_init', close(13 / Math.sqrt(29))],
      [1, 'distance_from_init/w', close(5)],
      [1, 'relative_distance_from_init/w', close(1)],
      [1, 'distance_from_init/b', close(12)],
      [1, 'relative_distance_from_init/b', close(6)],
    ]);
  });
});

describe('gradient-norm probe', () => {
  it('is ‖g‖ whole and per block, and emits nothing on the last event (no gradient)', async () => {
    const run = new LinearRun(spec, 1);
    const first = run.event(0);
    const withGradient: StepEvent = { ...first, state: { ...first.state, gradient: Float64Array.from([3, -4, 12]) } };
    const records = await measure(gradientNormProbe, [withGradient, run.event(1, { outcome: 'max-steps' })]);
    expect(records.map((r) => [r.step, r.name, r.value])).toEqual([
      [0, 'gradient_norm', close(13)],
      [0, 'gradient_norm/w', close(5)],
      [0, 'gradient_norm/b', close(12)],
    ]);
  });
});

describe('update-cosine, distance-from-init and gradient-norm in a real run', () => {
  // X = [[1, 2], [0, 1]], y = (1, 0), θ₀ = (0.5, −0.25), ½·Σ loss, GD at η = 1.5/λ, λ = 3 + 2√2.
  const X = [
    [1, 2],
    [0, 1],
  ];
  const y = [1, 0];
  const eta = 1.5 / (3 + 2 * Math.SQRT2);
  const gradient = (theta: number[]) => {
    const residual = X.map((row, i) => row[0] * theta[0] + row[1] * theta[1] - y[i]);
    return [0, 1].map((j) => X[0][j] * residual[0] + X[1][j] * residual[1]);
  };
  it('matches the two-step hand computation c₂ = cos∠(g₁, g₀ + g₁), ‖g₀‖ and ‖θ₂ − θ₀‖', async () => {
    const study = {
      name: 'dynamics-e2e',
      seed: 0,
      data: { use: 'test-rows', x: X, y },
      model: { use: 'test-linear', init: [0.5, -0.25] },
      loss: { use: 'mse', reduction: 'sum', half: true },
      optimizer: { use: 'test-gd' },
      schedule: { use: 'test-constant', lr: { normalized: 1.5 } },
      steps: 2,
      probes: [{ use: 'update-cosine' }, { use: 'distance-from-init' }, { use: 'gradient-norm' }],
    };
    const records = await lastValueFrom(new Tdlab([linearTestPlugin, probesPlugin]).metrics(study).pipe(toArray()));
    const at = (step: number, name: string) => records.find((r) => r.step === step && r.name === name)?.value;
    const theta0 = [0.5, -0.25];
    const g0 = gradient(theta0);
    const theta1 = theta0.map((v, j) => v - eta * g0[j]);
    const g1 = gradient(theta1);
    const theta2 = theta1.map((v, j) => v - eta * g1[j]);
    expect(Math.hypot(...g0)).toBeCloseTo(Math.sqrt(6.0625), 14); // g₀ = Xᵀ(−1, −0.25) = (−1, −2.25)
    expect(at(0, 'gradient_norm')).toBeCloseTo(Math.sqrt(6.0625), 12);
    expect(at(1, 'gradient_norm')).toBeCloseTo(Math.hypot(...g1), 12);
    expect(at(2, 'gradient_norm')).toBeUndefined();
    expect(at(1, 'update_cosine')).toBeCloseTo(1, 12);
    expect(at(2, 'update_cosine')).toBeCloseTo(cos(g1, [g0[0] + g1[0], g0[1] + g1[1]]), 12);
    expect(at(2, 'distance_from_init')).toBeCloseTo(Math.hypot(theta2[0] - theta0[0], theta2[1] - theta0[1]), 12);
    expect(at(2, 'relative_distance_from_init')).toBeCloseTo(Math.hypot(theta2[0] - theta0[0], theta2[1] - theta0[1]) / Math.hypot(...theta0), 12);
  });
});
