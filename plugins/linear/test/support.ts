import { type MetricRecord, Tdlab } from '@tdlab/core';
import optimizersPlugin from '@tdlab/plugin-optimizers';
import schedulesPlugin from '@tdlab/plugin-schedules';
import { lastValueFrom, toArray } from 'rxjs';
import linearPlugin from '../src/index.js';

/** A kernel with this plugin and the gd optimizer and constant schedule its studies train with. */
export const kernel = new Tdlab([linearPlugin, optimizersPlugin, schedulesPlugin]);

/** Every metric record of one run of `spec`. */
export function records(spec: Record<string, unknown>): Promise<MetricRecord[]> {
  return lastValueFrom(kernel.metrics(spec).pipe(toArray()));
}

/** The value of `name` at the last step it was measured. */
export function last(all: readonly MetricRecord[], name: string): number {
  const found = all.filter((record) => record.name === name);
  if (found.length === 0) throw new Error(`no metric ${name} (have: ${[...new Set(all.map((record) => record.name))].join(', ')})`);
  return found[found.length - 1].value;
}

/** The value of `name` at `step`. */
export function at(all: readonly MetricRecord[], name: string, step: number): number {
  const found = all.find((record) => record.name === name && record.step === step);
  if (!found) throw new Error(`no metric ${name} at step ${step}`);
  return found.value;
}

/** Ridge regression on a linear teacher, trained by full-batch GD on ½·mean (f − y)² with weight decay λ. */
export function ridgeStudy(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'ridge',
    seed: 0,
    data: { use: 'linear-teacher', n: 200, d: 100, noise: 0.5, eval: { n: 500 } },
    model: { use: 'linear-features' },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gd', weightDecay: 0.1 },
    schedule: { use: 'constant', lr: { normalized: 1.5 } },
    steps: 300,
    probes: [{ use: 'test-error', every: 50 }, { use: 'closed-form-ridge', every: 50 }, { use: 'ridge-theory', every: 50 }],
    ...overrides,
  };
}
