import { ContributionRegistry, type ScheduleContext } from '@tdlab/core';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import schedulesPlugin, { ConstantSchedule, constantSchedule } from './index.js';

function context(baseLr: number, lambda0?: number): ScheduleContext {
  return {
    runId: 'test',
    spec: {} as ScheduleContext['spec'],
    precision: 'float64',
    rng: () => {
      throw new Error('the constant schedule draws no random numbers');
    },
    baseDir: '.',
    outDir: undefined,
    baseLr,
    lambda0,
    createSchedule: () => {
      throw new Error('the constant schedule nests no schedule');
    },
  };
}

const noMetrics = { latest: (): number | undefined => undefined };

describe('@tdlab/plugin-schedules', () => {
  it('registers every schedule', () => {
    const registry = new ContributionRegistry();
    registry.register(schedulesPlugin);
    expect(schedulesPlugin.name).toBe('@tdlab/plugin-schedules');
    expect(registry.list('schedule').map((entry) => entry.contribution.id)).toEqual([
      'constant',
      'step',
      'exponential',
      'cosine',
      'linear-warmup',
      'inverse-sqrt',
      'piecewise',
      'curvature-locked',
    ]);
  });
});

describe('constant', () => {
  it('returns the base learning rate at every step and requires no metrics', () => {
    const schedule = constantSchedule.create({}, context(0.75, 4));
    expect(schedule).toBeInstanceOf(ConstantSchedule);
    expect(schedule.requires).toEqual([]);
    for (const step of [0, 1, 2, 100, 1e6]) expect(schedule.learningRate(step, noMetrics)).toBe(0.75);
  });

  it('uses baseLr as resolved by the core (r/λ₀ for a normalized rate), not λ₀ itself', () => {
    const lambda0 = 2.5;
    const schedule = constantSchedule.create({}, context(3 / lambda0, lambda0));
    expect(schedule.learningRate(7, { latest: () => 123 })).toBe(3 / lambda0);
  });

  it('has no options of its own', () => {
    expect(constantSchedule.options({})).toEqual({});
    const strict = constantSchedule.options.onUndeclaredKey('reject')({ decay: 0.5 });
    expect(strict).toBeInstanceOf(type.errors);
    expect((strict as type.errors).summary).toContain('decay');
  });
});
