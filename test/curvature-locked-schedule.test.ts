import type { MetricRecord, StepEvent } from '@tdlab/core';
import { describe, expect, it } from 'vitest';
import { kernel, trace, uvStudy } from './support.js';

/** What a run's sink saw, per step: the learning rate of the update and the probes' values. */
interface Steps {
  lr: number[];
  loss: number[];
  lambda: number[];
  normalizedLr: number[];
  outcome: string | undefined;
}

/** Runs through `execute`, the path that feeds the metric board schedules listen to. */
async function record(spec: Record<string, unknown>): Promise<Steps> {
  const steps: Steps = { lr: [], loss: [], lambda: [], normalizedLr: [], outcome: undefined };
  const summary = await kernel.execute(spec, {
    extraSinks: [
      {
        write(r: MetricRecord) {
          if (r.name === 'ntk_lambda') steps.lambda[r.step] = r.value;
          if (r.name === 'normalized_lr') steps.normalizedLr[r.step] = r.value;
        },
        progress(event: StepEvent) {
          steps.lr[event.step] = event.lr;
          steps.loss[event.step] = event.loss;
        },
      },
    ],
  });
  steps.outcome = summary.outcome;
  return steps;
}

// ntk-top-eigenvalue before normalized-lr: a probe that reads `lr` fixes the step's rate when it reads it.
const probes = [{ use: 'ntk-top-eigenvalue' }, { use: 'normalized-lr' }];
const locked = (r: number) => ({ use: 'curvature-locked', lr: { normalized: r } });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function twoLayerStudy(schedule: Record<string, unknown>, steps = 500): Record<string, unknown> {
  return {
    name: `two-layer-${schedule.use}`,
    seed: 0,
    data: { use: 'sign-teacher', n: 16, d: 10 },
    model: { use: 'two-layer', width: 1024, activation: 'relu' },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd' },
    schedule,
    probes,
    steps,
  };
}

describe('curvature-locked schedule η_t = r* / λ_t — papers.md §4 stand-in (Terjék), §1a uv model', () => {
  it('uv model (m = 1000, x = 1, y = 0), r* = 3: η_t·λ_t = 3 at every step to 1e-9, and λ keeps falling', async () => {
    const run = await record({ ...uvStudy(1000, 3, 300), schedule: locked(3), probes });
    expect(run.outcome).toBe('max-steps');
    expect(run.lr).toHaveLength(301);
    for (let t = 0; t <= 300; t++) {
      // λ_t is the ntk_lambda record of step t: the rate of update t uses this step's curvature.
      expect(Math.abs(run.lr[t] * run.lambda[t] - 3)).toBeLessThanOrEqual(3e-9);
      expect(Math.abs(run.normalizedLr[t] - 3)).toBeLessThanOrEqual(3e-9);
    }
    // Eq. 2 with ηλ = 3: λ_{t+1} = λ_t − ηf_t²/m < λ_t — the catapult never ends.
    for (let t = 1; t <= 300; t++) expect(run.lambda[t]).toBeLessThan(run.lambda[t - 1]);
    expect(run.lambda[300]).toBeLessThan(1e-60 * run.lambda[0]);
  });

  it('on steps the probe skips (every: 5) the latest λ is used', async () => {
    const run = await record({ ...uvStudy(1000, 3, 20), schedule: locked(3), probes: [{ use: 'ntk-top-eigenvalue', every: 5 }] });
    for (let t = 0; t <= 20; t++) expect(run.lr[t]).toBeCloseTo(3 / run.lambda[5 * Math.floor(t / 5)], 12);
  });

  it('two-layer ReLU (sign-teacher n = 16, d = 10, width 1024, ½·mean): locked r* = 3 drives λ far below where constant r = 3 stops', async () => {
    const curved = await record(twoLayerStudy(locked(3)));
    const constant = await record(twoLayerStudy({ use: 'constant', lr: { normalized: 3 } }));
    for (const r of curved.normalizedLr) expect(Math.abs(r - 3)).toBeLessThanOrEqual(3e-9);

    // Constant η: λ falls until η·λ < 2 (step 7 here), then stops: within 2% of its floor for good.
    const crossing = constant.normalizedLr.findIndex((r) => r < 2);
    expect(crossing).toBeGreaterThan(0);
    const floor = Math.min(...constant.lambda);
    for (const lambda of constant.lambda.slice(crossing + 2)) expect(lambda / floor).toBeLessThan(1.02);
    expect(median(constant.lambda.slice(400))).toBeGreaterThanOrEqual(median(constant.lambda.slice(10, 20)));
    expect(constant.loss.at(-1)!).toBeLessThan(1e-12);

    // Locked: η·λ = 3 > 2 throughout, λ goes on falling past the constant run's floor and stays below it.
    for (const lambda of curved.lambda.slice(20)) expect(lambda).toBeLessThan(0.5 * floor);
    const windows = [[10, 20], [20, 50], [50, 100], [100, 200], [200, 300]].map(([a, b]) => median(curved.lambda.slice(a, b)));
    for (let i = 1; i < windows.length; i++) expect(windows[i]).toBeLessThan(windows[i - 1]);
    expect(median(curved.lambda.slice(400))).toBeLessThan(floor / 5);
    // The catapult has not ended: the loss still oscillates far above the constant run's.
    expect(median(curved.loss.slice(400))).toBeGreaterThan(1e-3);
  }, 120_000);

  it('without the ntk-top-eigenvalue probe the run fails, naming the metric and the probe to add', async () => {
    await expect(record({ ...uvStudy(1000, 3, 5), schedule: locked(3), probes: [] })).rejects.toThrow(
      /curvature-locked.*ntk_lambda.*ntk-top-eigenvalue/,
    );
    // Another probe that reads lr does not hide it.
    await expect(record({ ...uvStudy(1000, 3, 5), schedule: locked(3), probes: [{ use: 'normalized-lr' }] })).rejects.toThrow(
      /ntk_lambda.*ntk-top-eigenvalue/,
    );
  });
});

describe('linear-warmup wraps another schedule section', () => {
  it('η_t = min(1, (t+1)/W)·η′_t around cosine, the nested section built by the kernel', async () => {
    const spec = { ...uvStudy(1000, 1, 12), schedule: { use: 'linear-warmup', lr: 0.2, warmupSteps: 4, schedule: { use: 'cosine', steps: 10 } } };
    const run = await trace(spec);
    for (const { step, lr } of run) {
      const cosine = 0.1 * (1 + Math.cos((Math.PI * Math.min(step, 10)) / 10));
      expect(lr).toBeCloseTo(Math.min(1, (step + 1) / 4) * cosine, 15);
    }
  });

  it('wraps curvature-locked: requires what it wraps, η_t·λ_t = min(1, (t+1)/W)·r*', async () => {
    const run = await record({ ...uvStudy(1000, 3, 10), schedule: { use: 'linear-warmup', lr: { normalized: 3 }, warmupSteps: 5, schedule: { use: 'curvature-locked' } }, probes });
    for (let t = 0; t <= 10; t++) expect(run.lr[t] * run.lambda[t]).toBeCloseTo(Math.min(1, (t + 1) / 5) * 3, 12);
  });

  it('the nested section has no lr of its own and its options are validated with their path', () => {
    const base = uvStudy(1000, 1, 1);
    expect(() => kernel.validate({ ...base, schedule: { use: 'linear-warmup', lr: 0.1, warmupSteps: 2, schedule: { use: 'constant', lr: 0.5 } } })).toThrow(
      /schedule\.schedule/,
    );
    expect(() => kernel.validate({ ...base, schedule: { use: 'linear-warmup', lr: 0.1, warmupSteps: 2, schedule: { use: 'cosine' } } })).toThrow(
      /schedule\.schedule\.steps/,
    );
  });
});
