// The simulation-side probes on hand-made states, against values computed by hand.
import { LinearHinge, MeanSquaredError, type MetricRecord, type Probe, type ProbeContext, type StepEvent, type TrainingState } from '@tdlab/core';
import { MeanFieldTwoLayerModel } from '@tdlab/plugin-models';
import { Rng } from '@tdlab/tensor';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { marginDistributionProbe } from './margin-distribution-probe.js';
import { meanFieldTheoryProbe } from './mean-field-theory-probe.js';
import { unitBalanceProbe } from './unit-balance-probe.js';
import { unitMomentsProbe } from './unit-moments-probe.js';
import { unsatisfiedFractionProbe } from './unsatisfied-fraction-probe.js';

const context: ProbeContext = {
  runId: 'test-run',
  spec: { data: { use: 'sign-teacher' } } as unknown as ProbeContext['spec'],
  precision: 'float64',
  rng: (purpose) => new Rng(0).derive(purpose),
  baseDir: '.',
  outDir: undefined,
  every: 1,
};

// Two units in d = 2: θ₀ = (a | w) = (2, 1 | 1, 0, 0, 0), so qᵢ = aᵢ² − ‖wᵢ‖² = (3, 1).
const model = new MeanFieldTwoLayerModel({ width: 2, inputDim: 2, alpha: 1 });
const initialParams = Float64Array.from([2, 1, 1, 0, 0, 0]);
const train = { x: Float64Array.from([1, 0, 0, 1, -1, 0, 0, -1]), y: Float64Array.from([1, 1, 1, -1]), n: 4 };
const data = { inputDim: 2, train, teacher: Float64Array.from([3, 0]) };

function event(step: number, params: number[], outputs: number[], loss: TrainingState['loss'] = new LinearHinge('mean', 1)): StepEvent {
  const state: TrainingState = {
    model,
    loss,
    data,
    params: Float64Array.from(params),
    initialParams,
    outputs: Float64Array.from(outputs),
    time: step,
    gradient: undefined,
    lambda0: undefined,
    ntkTopEigenvalues: () => {
      throw new Error('not needed');
    },
  };
  return { run: 'test-run', step, totalSteps: 10, lr: 1, loss: 0, state };
}

const measure = (probe: Probe, events: StepEvent[]): Promise<MetricRecord[]> => lastValueFrom(from(events).pipe(probe.operator, toArray()));

const byName = (records: MetricRecord[]): Record<string, number> => Object.fromEntries(records.filter((r) => r.index === undefined).map((r) => [r.name, r.value]));

describe('unsatisfied-fraction', () => {
  it('counts y·f < h and sign(f) ≠ y, with h from the linear hinge', async () => {
    // Margins y·f = 2, 0.5, −0.3, −1 with h = 1: three unsatisfied, two misclassified.
    const records = await measure(unsatisfiedFractionProbe.create(unsatisfiedFractionProbe.options({}) as never, context), [event(0, [...initialParams], [2, 0.5, -0.3, 1])]);
    expect(byName(records)).toEqual({ unsatisfied_fraction: 0.75, train_class_error: 0.5 });
  });

  it('takes h from the options, and asks for it when the loss has none', async () => {
    const probe = unsatisfiedFractionProbe.create({ h: 0.4 }, context);
    expect(byName(await measure(probe, [event(0, [...initialParams], [2, 0.5, -0.3, 1])])).unsatisfied_fraction).toBe(0.5);
    const mse = unsatisfiedFractionProbe.create({}, context);
    await expect(measure(mse, [event(0, [...initialParams], [0, 0, 0, 0], new MeanSquaredError('mean', true))])).rejects.toThrow(/has no threshold h; set h: in the probe/);
  });
});

describe('margin-distribution', () => {
  it('reports the quantiles (linear interpolation), mean and minimum of y·f', async () => {
    const probe = marginDistributionProbe.create({ quantiles: [0, 0.5, 1] }, context);
    const records = await measure(probe, [event(0, [...initialParams], [2, 0.5, -0.3, 1])]);
    // Sorted margins −1, −0.3, 0.5, 2.
    expect(records.filter((r) => r.name === 'margin_quantile').map((r) => [r.index, r.value])).toEqual([
      [0, -1],
      [1, expect.closeTo(0.1, 14)],
      [2, 2],
    ]);
    expect(byName(records).margin_mean).toBeCloseTo(0.3, 14);
    expect(byName(records).margin_min).toBe(-1);
    expect(marginDistributionProbe.options({})).toEqual({ quantiles: [0.1, 0.25, 0.5, 0.75, 0.9] });
  });
});

// θ = (2.5, 1 | 1.5, 0, 0, 0.5): q = (4, 0.75), Δq = (1, −0.25); mean |q₀| = 2.
const later = [2.5, 1, 1.5, 0, 0, 0.5];

describe('unit-balance', () => {
  it('balance_drift = max|Δqᵢ| / mean|qᵢ(0)| and balance_mean = mean qᵢ', async () => {
    const records = await measure(unitBalanceProbe.create({}, context), [event(0, [...initialParams], [0, 0, 0, 0]), event(1, later, [0, 0, 0, 0])]);
    expect(records.map((r) => [r.step, r.name, r.value])).toEqual([
      [0, 'balance_drift', 0],
      [0, 'balance_mean', 2],
      [1, 'balance_drift', 0.5],
      [1, 'balance_mean', 2.375],
    ]);
  });
});

describe('unit-moments', () => {
  it('moments of (a, w∥ = w·ŵ*, w⊥), the relative change of W and tracked units', async () => {
    const records = await measure(unitMomentsProbe.create({ units: 2 }, context), [event(1, later, [0, 0, 0, 0])]);
    expect(byName(records)).toEqual({
      a2_mean: 3.625,
      wpar2_mean: 1.125,
      a_wpar_mean: 1.875,
      wperp2_mean: 0.125,
      w_relative_change: Math.sqrt(0.5),
    });
    expect(records.filter((r) => r.index !== undefined).map((r) => [r.name, r.index, r.value])).toEqual([
      ['unit_a', 0, 2.5],
      ['unit_wpar', 0, 1.5],
      ['unit_a', 1, 1],
      ['unit_wpar', 1, 0],
    ]);
  });

  it('says what it needs: a teacher direction', async () => {
    const noTeacher = event(0, [...initialParams], [0, 0, 0, 0]);
    const state = { ...noTeacher.state, data: { inputDim: 2, train } };
    await expect(measure(unitMomentsProbe.create({ units: 0 }, context), [{ ...noTeacher, state }])).rejects.toThrow(/needs a data set with a teacher direction/);
  });
});

describe('mean-field-theory probe', () => {
  const options = meanFieldTheoryProbe.options({ units: 1 }) as Parameters<typeof meanFieldTheoryProbe.create>[0];

  it('starts where the theory must: f = 0, every example unsatisfied, loss h, E[a²] = σ_a², units at their initial values', async () => {
    const records = await measure(meanFieldTheoryProbe.create(options, context), [event(0, [...initialParams], [0, 0, 0, 0])]);
    const values = byName(records);
    expect(values.theory_loss).toBe(1);
    expect(values.theory_unsatisfied_fraction).toBe(1);
    expect(values.theory_a2_mean).toBe(1);
    expect(values.theory_wperp2_mean).toBe(1);
    expect(values.theory_gamma).toBe(0);
    expect(records.filter((r) => r.index === 0).map((r) => [r.name, r.value])).toEqual([
      ['theory_unit_a', 2],
      ['theory_unit_wpar', 1],
    ]);
  });

  it('refuses a loss other than the linear hinge, naming it', async () => {
    await expect(measure(meanFieldTheoryProbe.create(options, context), [event(0, [...initialParams], [0, 0, 0, 0], new MeanSquaredError('mean', true))])).rejects.toThrow(
      /theory of the linear hinge: use loss: \{ use: linear-hinge, … \} \(the study's loss is ½·mean \(f−y\)²\)/,
    );
  });
});
