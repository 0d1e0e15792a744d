import type { MetricRecord, StepEvent, TrainingState } from '@tdlab/core';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LinearRun, probeContext } from '../test/linear-fixture.js';
import { armDistanceProbe } from './arm-distance-probe.js';

/**
 * Three arms of the linear model f = θ·x at one step, sharing one arms map (as the trainer's
 * states do): `model` at θ_m, `quadratic` at θ_q, `linearized` at θ_l.
 */
function armedStep(run: LinearRun, step: number, params: Record<string, number[]>, outcome?: StepEvent['outcome']): StepEvent[] {
  const arms = new Map<string, TrainingState>();
  return Object.entries(params).map(([arm, theta]) => {
    const event = run.event(step, { params: theta, ...(outcome ? { outcome } : {}) });
    const state = { ...event.state, arms };
    arms.set(arm, state);
    return { ...event, arm, state };
  });
}

async function measure(events: StepEvent[], every = 1): Promise<MetricRecord[]> {
  const probe = armDistanceProbe.create(armDistanceProbe.options.assert({}), probeContext(every));
  return lastValueFrom(from(events).pipe(probe.operator, toArray()));
}

const params = { model: [1, 0], quadratic: [1, 1], linearized: [0, 2] };

describe('arm-distance probe', () => {
  it('is √(mean (f_arm − f_model)²) on the eval split, one record per arm other than the model', async () => {
    // Eval rows (1,0), (0,1), (1,1): f_model = (1, 0, 1), f_quadratic = (1, 1, 2), f_linearized = (0, 2, 2).
    // quadratic: differences (0, 1, 1) → √(2/3); linearized: (−1, 2, 1) → √(6/3) = √2.
    const run = new LinearRun({ x: [[1, 0]], y: [0], eval: { x: [[1, 0], [0, 1], [1, 1]], y: [0, 0, 0] }, initialParams: [0, 0] });
    const records = await measure(armedStep(run, 0, params));
    expect(records.map((r) => r.step)).toEqual([0, 0]);
    expect(records.map((r) => r.name)).toEqual(['arm_distance', 'arm_distance']);
    expect(records[0].value).toBeCloseTo(Math.sqrt(2 / 3), 14);
    expect(records[1].value).toBeCloseTo(Math.SQRT2, 14);
  });

  it('uses the training set when there is no eval split', async () => {
    // Train rows (2,0), (0,3): f_model = (2, 0), f_quadratic = (2, 3) → √(9/2); f_linearized = (0, 6) → √((4 + 36)/2) = √20.
    const run = new LinearRun({ x: [[2, 0], [0, 3]], y: [0, 0], initialParams: [0, 0] });
    const records = await measure(armedStep(run, 0, params));
    expect(records.map((r) => r.value)).toEqual([Math.sqrt(9 / 2), Math.sqrt(20)]);
  });

  it('measures on the sampled steps only, and not once the model arm has stopped', async () => {
    const run = new LinearRun({ x: [[1, 0]], y: [0], initialParams: [0, 0] });
    const steps = [0, 1, 2].flatMap((step) => armedStep(run, step, params));
    // Step 3: the model arm has stopped (its last event was at step 2), so there is nothing to compare with.
    const late = armedStep(run, 3, { quadratic: [1, 1], linearized: [0, 2] }, 'max-steps');
    const records = await measure([...steps, ...late], 2);
    expect(records.map((r) => r.step)).toEqual([0, 0, 2, 2]);
  });

  it('explains that it needs a study with arms', async () => {
    const run = new LinearRun({ x: [[1, 0]], y: [0], initialParams: [0, 0] });
    await expect(measure([run.event(0)])).rejects.toThrow(/declares no arms/);
  });
});
