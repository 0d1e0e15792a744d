// Pellegrini & Biroli (papers.md §3 and §6 "Pellegrini–Biroli"): the mean-field hinge classifier,
// simulated with `mean-field-two-layer` under `gradient-flow` and solved by `mean-field-theory` in
// the same study. Set-ups are the §6 ones scaled to run in seconds on 2 cores.
import { lastValueFrom, map, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { kernel } from './support.js';

interface PbOptions {
  readonly width: number;
  readonly n: number;
  readonly d?: number;
  readonly alpha?: number;
  readonly dt?: number;
  readonly steps: number;
  readonly every: number;
  readonly seed?: number;
  readonly antipodal?: boolean;
  readonly theory?: boolean;
}

/** Metric name → value at each measured step (steps 0, every, 2·every, …, the last). */
type Series = Map<string, number[]>;

function pbStudy(o: PbOptions): Record<string, unknown> {
  const every = o.every;
  return {
    name: `pb-M${o.width}-N${o.n}-a${o.alpha ?? 1}`,
    seed: o.seed ?? 0,
    data: { use: 'sign-teacher', n: o.n, d: o.d ?? 10, direction: 'random', antipodal: o.antipodal ?? true, eval: { n: 4000 } },
    model: { use: 'mean-field-two-layer', width: o.width, alpha: o.alpha ?? 1 },
    loss: { use: 'linear-hinge', reduction: 'mean', h: 1 },
    optimizer: { use: 'gradient-flow', dt: o.dt ?? 0.1, method: 'euler' },
    steps: o.steps,
    probes: [
      { use: 'loss', every },
      { use: 'unsatisfied-fraction', every },
      { use: 'unit-moments', every },
      { use: 'unit-balance', every },
      { use: 'gradient-norm', every },
      ...(o.theory === false
        ? []
        : [
            { use: 'mean-field-theory', every, maxStep: 0.025 },
            { use: 'mean-field-theory', every, samples: 'infinite', maxStep: 0.05, prefix: 'infinite' },
          ]),
    ],
  };
}

async function simulate(o: PbOptions): Promise<Series> {
  const records = await lastValueFrom(kernel.metrics(pbStudy(o)).pipe(toArray()));
  const series: Series = new Map();
  for (const record of records) {
    if (record.index !== undefined) continue;
    const values = series.get(record.name) ?? [];
    values.push(record.value);
    series.set(record.name, values);
  }
  return series;
}

const get = (series: Series, name: string): number[] => {
  const values = series.get(name);
  if (!values) throw new Error(`no metric ${name}`);
  return values;
};

/** Σ_t |sim − theory| / Σ_t |theory| over the measured steps after step 0: the relative L1 gap of two curves. */
function relativeGap(series: Series, simulated: string, predicted: string): number {
  const s = get(series, simulated).slice(1);
  const p = get(series, predicted).slice(1);
  let gap = 0;
  let size = 0;
  for (let i = 0; i < s.length; i++) {
    gap += Math.abs(s[i] - p[i]);
    size += Math.abs(p[i]);
  }
  return gap / size;
}

describe('Pellegrini–Biroli §6 targets (M = 100–400, d = 10, Euler dt = 0.1 in mean-field time)', () => {
  it('target 1: a² − ‖w‖² is conserved up to O(dt): drift < 0.04 at dt = 0.1, halved at dt = 0.05', async () => {
    const coarse = await simulate({ width: 100, n: 200, steps: 1000, every: 250, theory: false });
    const fine = await simulate({ width: 100, n: 200, steps: 2000, every: 500, dt: 0.05, theory: false });
    const driftCoarse = get(coarse, 'balance_drift').at(-1)!;
    const driftFine = get(fine, 'balance_drift').at(-1)!;
    expect(driftCoarse).toBeGreaterThan(0);
    expect(driftCoarse).toBeLessThan(0.04);
    expect(driftFine / driftCoarse).toBeGreaterThan(0.35);
    expect(driftFine / driftCoarse).toBeLessThan(0.65);
  });

  it('target 2: rich/lazy — ‖W_T − W₀‖/‖W₀‖ grows monotonically with α; the lazy net generalizes worse', async () => {
    const alphas = [0.01, 0.1, 1, 10];
    const runs = [];
    for (const alpha of alphas) runs.push(await simulate({ width: 100, n: 400, alpha, steps: 1000, every: 1000, antipodal: false, theory: false }));
    const change = runs.map((run) => get(run, 'w_relative_change').at(-1)!);
    const testError = runs.map((run) => get(run, 'test_class_error').at(-1)!);
    for (let i = 1; i < alphas.length; i++) expect(change[i]).toBeGreaterThan(1.5 * change[i - 1]);
    expect(change[0]).toBeLessThan(0.3);
    expect(change[3]).toBeGreaterThan(2);
    expect(testError[0]).toBeGreaterThan(testError[2]);
  });

  it('target 4: with finite N the gradient is exactly zero once every example is satisfied, so training stops', async () => {
    const run = await simulate({ width: 100, n: 40, steps: 600, every: 50 });
    const unsatisfied = get(run, 'unsatisfied_fraction');
    const stopped = unsatisfied.findIndex((value) => value === 0);
    expect(stopped).toBeGreaterThan(0);
    const loss = get(run, 'loss');
    const gradient = get(run, 'gradient_norm');
    const change = get(run, 'w_relative_change');
    for (let i = stopped; i < unsatisfied.length - 1; i++) {
      expect(loss[i]).toBe(0);
      expect(gradient[i]).toBe(0);
      expect(change[i + 1]).toBe(change[i]);
    }
    // The theory stops too, in finite time: no unsatisfied example left, zero speed.
    const theoryUnsatisfied = get(run, 'theory_unsatisfied_fraction');
    expect(theoryUnsatisfied.at(-1)).toBe(0);
    expect(get(run, 'theory_speed').at(-1)).toBe(0);
  });
});

describe('theory beside simulation (M = 400, N = 1000, d = 10: the §3 set-up scaled down)', () => {
  // One run serves target 3 and the theory comparisons; t = 0 … 150 in mean-field time.
  const large = simulate({ width: 400, n: 1000, steps: 1500, every: 100 });

  it('target 3: unsatisfied examples keep falling, ever more slowly, while the test error plateaus', async () => {
    const run = await large;
    const unsatisfied = get(run, 'unsatisfied_fraction');
    // At finite M and N an example can fall back below the margin for a while: the count may tick up
    // by a few rows between measurements, but it falls from t = 0 to 20, 50, 100 and 150.
    for (let i = 1; i < unsatisfied.length; i++) expect(unsatisfied[i]).toBeLessThan(unsatisfied[i - 1] + 0.005);
    const checkpoints = [0, 2, 5, 10, 15].map((i) => unsatisfied[i]);
    for (let k = 1; k < checkpoints.length; k++) expect(checkpoints[k]).toBeLessThan(checkpoints[k - 1]);
    expect(unsatisfied.at(-1)!).toBeLessThan(0.2);
    // Slowing down: the fraction satisfied per unit time over the first third exceeds the last third's by 5×.
    const third = Math.floor((unsatisfied.length - 1) / 3);
    const early = unsatisfied[0] - unsatisfied[third];
    const late = unsatisfied[unsatisfied.length - 1 - third] - unsatisfied.at(-1)!;
    expect(early).toBeGreaterThan(5 * late);
    const testError = get(run, 'test_class_error');
    const plateau = testError.slice(5);
    expect(Math.max(...plateau) - Math.min(...plateau)).toBeLessThan(0.02);
    expect(Math.min(...plateau)).toBeGreaterThan(0.005);
  });

  it('the finite-N theory tracks the simulation within 5% in loss, unsatisfied fraction and E[a²]', async () => {
    const run = await large;
    expect(relativeGap(run, 'loss', 'theory_loss')).toBeLessThan(0.05);
    expect(relativeGap(run, 'unsatisfied_fraction', 'theory_unsatisfied_fraction')).toBeLessThan(0.05);
    expect(relativeGap(run, 'a2_mean', 'theory_a2_mean')).toBeLessThan(0.05);
    expect(Math.abs(get(run, 'test_class_error').at(-1)! - get(run, 'theory_test_class_error').at(-1)!)).toBeLessThan(0.02);
  });

  it('the gap shrinks as M grows (finite-N theory, M = 100 → 400) and as N grows (N = ∞ theory, N = 250 → 1000)', async () => {
    const run = await large;
    const narrow = await simulate({ width: 100, n: 1000, steps: 1500, every: 100 });
    const few = await simulate({ width: 400, n: 250, steps: 1500, every: 100 });
    for (const [simulated, predicted] of [['loss', 'theory_loss'], ['a2_mean', 'theory_a2_mean']]) {
      expect(relativeGap(run, simulated, predicted)).toBeLessThan(relativeGap(narrow, simulated, predicted));
    }
    for (const [simulated, predicted] of [['loss', 'infinite_loss'], ['a2_mean', 'infinite_a2_mean']]) {
      expect(relativeGap(run, simulated, predicted)).toBeLessThan(relativeGap(few, simulated, predicted));
    }
  });
});

describe('natural time with arms of different α', () => {
  it('every arm advances t by dt per step and reports its own Euler rate dt·αM', async () => {
    const study = {
      ...pbStudy({ width: 20, n: 40, steps: 10, every: 10, theory: false }),
      arms: { alpha_10: { use: 'mean-field-two-layer', width: 20, alpha: 10 } },
      probes: [],
    };
    const events = await lastValueFrom(kernel.run(study).pipe(map((event) => ({ arm: event.arm, step: event.step, lr: event.lr, time: event.state.time })), toArray()));
    for (const event of events) {
      expect(event.time).toBeCloseTo(0.1 * event.step, 12);
      expect(event.lr).toBeCloseTo(0.1 * (event.arm === 'alpha_10' ? 10 : 1) * 20, 12);
    }
    expect(events.filter((event) => event.arm === 'alpha_10')).toHaveLength(11);
  });
});
