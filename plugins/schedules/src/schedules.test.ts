import type { MetricBoard, Schedule, ScheduleContext, SectionSpec } from '@tdlab/core';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import {
  cosineSchedule,
  CurvatureLockedSchedule,
  curvatureLockedSchedule,
  exponentialSchedule,
  inverseSqrtSchedule,
  LinearWarmupSchedule,
  linearWarmupSchedule,
  piecewiseSchedule,
  stepSchedule,
} from './index.js';

function context(baseLr: number, lambda0?: number, createSchedule?: (section: SectionSpec) => Schedule): ScheduleContext {
  return {
    runId: 'test',
    spec: {} as ScheduleContext['spec'],
    precision: 'float64',
    rng: () => {
      throw new Error('schedules draw no random numbers');
    },
    baseDir: '.',
    outDir: undefined,
    baseLr,
    lambda0,
    createSchedule:
      createSchedule ??
      (() => {
        throw new Error('no nested schedule here');
      }),
  };
}

const noMetrics: MetricBoard = { latest: () => undefined };
const board = (values: Record<string, number>): MetricBoard => ({ latest: (name) => values[name] });
const strict = <T>(schema: { onUndeclaredKey(mode: 'reject'): (input: unknown) => T }) => schema.onUndeclaredKey('reject');

/** Every schedule's options reject a key they do not declare, naming it. */
function rejectsUnknownKey(schema: Parameters<typeof strict>[0], valid: object): void {
  const result = strict(schema)({ ...valid, decay: 0.5 });
  expect(result).toBeInstanceOf(type.errors);
  expect((result as type.errors).summary).toContain('decay');
}

describe('step', () => {
  it('η_t = η·γ^⌊t/k⌋ at several steps', () => {
    const schedule = stepSchedule.create(stepSchedule.options.assert({ every: 10, gamma: 0.5 }), context(0.8));
    expect(schedule.requires).toEqual([]);
    for (const [t, expected] of [[0, 0.8], [9, 0.8], [10, 0.4], [19, 0.4], [20, 0.2], [35, 0.1]] as const) {
      expect(schedule.learningRate(t, noMetrics)).toBeCloseTo(expected, 15);
    }
  });
  it('γ defaults to 0.1; every must be a positive integer; unknown keys are rejected', () => {
    expect(stepSchedule.options({ every: 3 })).toEqual({ every: 3, gamma: 0.1 });
    expect(stepSchedule.options({ every: 0 })).toBeInstanceOf(type.errors);
    expect(stepSchedule.options({ every: 1.5 })).toBeInstanceOf(type.errors);
    expect(stepSchedule.options({})).toBeInstanceOf(type.errors);
    rejectsUnknownKey(stepSchedule.options, { every: 3 });
  });
});

describe('exponential', () => {
  it('η_t = η·γ^t at several steps', () => {
    const schedule = exponentialSchedule.create({ gamma: 0.99 }, context(0.5));
    for (const t of [0, 1, 7, 100, 1000]) expect(schedule.learningRate(t, noMetrics)).toBeCloseTo(0.5 * 0.99 ** t, 15);
    expect(schedule.learningRate(2, noMetrics)).toBeCloseTo(0.5 * 0.9801, 15);
  });
  it('needs γ > 0 and rejects unknown keys', () => {
    expect(exponentialSchedule.options({ gamma: 0 })).toBeInstanceOf(type.errors);
    expect(exponentialSchedule.options({})).toBeInstanceOf(type.errors);
    rejectsUnknownKey(exponentialSchedule.options, { gamma: 0.9 });
  });
});

describe('cosine', () => {
  it('η_t = η_min + ½(η − η_min)(1 + cos(πt/T)), held at η_min after T', () => {
    const schedule = cosineSchedule.create({ steps: 100, minFactor: 0.1 }, context(2));
    // η_min = 0.2: η_0 = 2, η_50 = 1.1 (midpoint), η_25 = 0.2 + 0.9(1 + √2/2), η_100 = η_200 = 0.2.
    expect(schedule.learningRate(0, noMetrics)).toBeCloseTo(2, 15);
    expect(schedule.learningRate(25, noMetrics)).toBeCloseTo(0.2 + 0.9 * (1 + Math.SQRT1_2), 14);
    expect(schedule.learningRate(50, noMetrics)).toBeCloseTo(1.1, 14);
    expect(schedule.learningRate(100, noMetrics)).toBeCloseTo(0.2, 14);
    expect(schedule.learningRate(200, noMetrics)).toBeCloseTo(0.2, 14);
  });
  it('minFactor defaults to 0 and lies in [0, 1]; unknown keys are rejected', () => {
    expect(cosineSchedule.options({ steps: 10 })).toEqual({ steps: 10, minFactor: 0 });
    expect(cosineSchedule.options({ steps: 10, minFactor: 1.5 })).toBeInstanceOf(type.errors);
    expect(cosineSchedule.options({ steps: 0 })).toBeInstanceOf(type.errors);
    rejectsUnknownKey(cosineSchedule.options, { steps: 10 });
  });
});

describe('inverse-sqrt', () => {
  it('η_t = η/√(1 + t/τ) at several steps', () => {
    const schedule = inverseSqrtSchedule.create({ timescale: 4 }, context(3));
    expect(schedule.learningRate(0, noMetrics)).toBe(3);
    expect(schedule.learningRate(12, noMetrics)).toBeCloseTo(1.5, 15); // √(1 + 3) = 2
    expect(schedule.learningRate(32, noMetrics)).toBeCloseTo(1, 15); // √9 = 3
    expect(schedule.learningRate(4, noMetrics)).toBeCloseTo(3 / Math.SQRT2, 15);
  });
  it('τ defaults to 1 and must be positive; unknown keys are rejected', () => {
    expect(inverseSqrtSchedule.options({})).toEqual({ timescale: 1 });
    expect(inverseSqrtSchedule.options({ timescale: 0 })).toBeInstanceOf(type.errors);
    rejectsUnknownKey(inverseSqrtSchedule.options, {});
  });
});

describe('piecewise', () => {
  it('η_t = η·f_i on b_i ≤ t < b_{i+1}', () => {
    const options = piecewiseSchedule.options.assert({ boundaries: [10, 30], factors: [1, 0.5, 0.25] });
    const schedule = piecewiseSchedule.create(options, context(0.4));
    for (const [t, expected] of [[0, 0.4], [9, 0.4], [10, 0.2], [29, 0.2], [30, 0.1], [1000, 0.1]] as const) {
      expect(schedule.learningRate(t, noMetrics)).toBeCloseTo(expected, 15);
    }
  });
  it('wants one more factor than boundaries, boundaries strictly increasing; unknown keys are rejected', () => {
    expect(piecewiseSchedule.options({ boundaries: [], factors: [2] })).toEqual({ boundaries: [], factors: [2] });
    const short = piecewiseSchedule.options({ boundaries: [10], factors: [1] });
    expect(short).toBeInstanceOf(type.errors);
    expect((short as type.errors).summary).toContain('factors');
    const unordered = piecewiseSchedule.options({ boundaries: [10, 10], factors: [1, 1, 1] });
    expect(unordered).toBeInstanceOf(type.errors);
    expect((unordered as type.errors).summary).toContain('boundaries');
    rejectsUnknownKey(piecewiseSchedule.options, { boundaries: [5], factors: [1, 2] });
  });
});

describe('linear-warmup', () => {
  it('η_t = min(1, (t+1)/W)·η′_t around any schedule, built through context.createSchedule', () => {
    const inner = { use: 'exponential', gamma: 0.9 };
    const options = { warmupSteps: 4, schedule: inner };
    let handed: SectionSpec | undefined;
    const schedule = linearWarmupSchedule.create(
      options,
      context(1, undefined, (section) => {
        handed = section;
        return exponentialSchedule.create({ gamma: 0.9 }, context(1));
      }),
    );
    expect(handed).toBe(inner);
    expect(schedule).toBeInstanceOf(LinearWarmupSchedule);
    for (const [t, ramp] of [[0, 0.25], [1, 0.5], [2, 0.75], [3, 1], [10, 1]] as const) {
      expect(schedule.learningRate(t, noMetrics)).toBeCloseTo(ramp * 0.9 ** t, 15);
    }
  });
  it('requires what the wrapped schedule requires, and passes it the metrics', () => {
    const schedule = new LinearWarmupSchedule(new CurvatureLockedSchedule(3), 2);
    expect(schedule.requires).toEqual(['ntk_lambda']);
    expect(schedule.learningRate(0, board({ ntk_lambda: 6 }))).toBeCloseTo(0.25, 15);
    expect(schedule.learningRate(5, board({ ntk_lambda: 6 }))).toBeCloseTo(0.5, 15);
  });
  it('declares schedule: as a nested schedule section; unknown keys are rejected', () => {
    expect(linearWarmupSchedule.nested).toEqual({ schedule: 'schedule' });
    expect(linearWarmupSchedule.options({ warmupSteps: 0, schedule: { use: 'constant' } })).toBeInstanceOf(type.errors);
    expect(linearWarmupSchedule.options({ warmupSteps: 3 })).toBeInstanceOf(type.errors);
    rejectsUnknownKey(linearWarmupSchedule.options, { warmupSteps: 3, schedule: { use: 'constant' } });
  });
});

describe('curvature-locked', () => {
  it('η_t = r* / λ_t with r* = baseLr·λ₀ (= r for lr: { normalized: r }) and the newest ntk_lambda', () => {
    const lambda0 = 2.5;
    const schedule = curvatureLockedSchedule.create({}, context(3 / lambda0, lambda0));
    expect(schedule.requires).toEqual(['ntk_lambda']);
    expect((schedule as CurvatureLockedSchedule).rStar).toBeCloseTo(3, 15);
    for (const lambda of [2.5, 2, 1.2, 0.75]) expect(schedule.learningRate(4, board({ ntk_lambda: lambda })) * lambda).toBeCloseTo(3, 14);
    // An absolute lr η locks η·λ at its initial value η·λ₀.
    expect(curvatureLockedSchedule.create({}, context(0.5, 4)).learningRate(0, board({ ntk_lambda: 2 }))).toBeCloseTo(1, 15);
  });
  it('fails clearly, naming the metric and the probe to add, when no ntk_lambda is on the board', () => {
    const schedule = curvatureLockedSchedule.create({}, context(1, 2));
    expect(() => schedule.learningRate(0, noMetrics)).toThrow(/ntk_lambda.*ntk-top-eigenvalue/);
    expect(() => schedule.learningRate(3, board({ ntk_lambda: 0 }))).toThrow(/ntk_lambda = 0/);
  });
  it('has no options of its own', () => {
    expect(curvatureLockedSchedule.options({})).toEqual({});
    rejectsUnknownKey(curvatureLockedSchedule.options, {});
  });
});
