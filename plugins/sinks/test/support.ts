// Test support (not built, not published).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  DataSetContribution,
  defineDataSet,
  defineModel,
  defineOptimizer,
  defineSchedule,
  type MetricRecord,
  ModelContribution,
  OptimizerContribution,
  type RunContext,
  type RunSummary,
  ScheduleContribution,
  type StepEvent,
} from '@tdlab/core';
import { LinearTestModel } from '@tdlab/core/testing';
import { type } from 'arktype';
import type { ContainerModuleLoadOptions } from 'inversify';

const created: string[] = [];

/** A fresh temporary folder; `removeTempDirs` (in an afterAll) deletes every one made so far. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tdlab-sinks-'));
  created.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A sink context: sinks read only `outDir`. */
export function sinkContext(outDir: string | undefined): RunContext {
  return {
    runId: 'run-1',
    spec: {} as never,
    precision: 'float64',
    rng: () => {
      throw new Error('sinks draw no random numbers');
    },
    baseDir: '.',
    outDir,
  };
}

export const record = (step: number, name: string, value: number, index?: number): MetricRecord =>
  index === undefined ? { run: 'run-1', step, name, value } : { run: 'run-1', step, name, value, index };

/** A step event without training state (the sinks never read it). */
export const stepEvent = (step: number, totalSteps: number, extra: Partial<StepEvent> = {}): StepEvent => ({
  run: 'run-1',
  step,
  totalSteps,
  lr: 0.75,
  loss: 1 / (step + 1),
  state: undefined as never,
  ...extra,
});

export const summary = (extra: Partial<RunSummary> = {}): RunSummary => ({
  run: 'run-1',
  name: 'uv-catapult',
  outcome: 'converged',
  steps: 1234,
  lossConvention: '½·Σ(f−y)²',
  initialLoss: 0.8712,
  finalLoss: 3.2e-11,
  peakLoss: 185.4,
  peakStep: 4,
  lambda0: 2.0123,
  finalLambda: 0.1234,
  lr: 1.4908,
  normalizedLr: 3,
  finalNormalizedLr: 0.18397,
  weightNormRatio: 0.6712,
  wallSeconds: 1.2345,
  ...extra,
});

/** A writable that keeps what is written; `isTTY`/`columns` make it look like a terminal. */
export class CapturedOutput extends Writable {
  text = '';
  writes = 0;
  constructor(
    readonly isTTY = false,
    readonly columns?: number,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    this.writes++;
    callback();
  }
}

/**
 * Binds the smallest real training set-up the sink tests run through the core: data `two-points`
 * (x = (1, 0), (0, 2); y = 0), model `linear` (f = θ·x), optimizer `gd` and schedule `constant`.
 * Each test's plugin adds its own probes.
 */
export function bindTrainingParts(bind: ContainerModuleLoadOptions['bind']): void {
  bind(DataSetContribution).toConstantValue(
    defineDataSet({
      id: 'two-points',
      description: 'x = (1, 0), (0, 2); y = 0',
      options: type({}),
      create: () => ({ inputDim: 2, train: { x: Float64Array.of(1, 0, 0, 2), y: Float64Array.of(0, 0), n: 2 } }),
    }),
  );
  bind(ModelContribution).toConstantValue(
    defineModel({ id: 'linear', description: 'f = θ·x', options: type({}), create: (_o, context) => new LinearTestModel(context.inputDim, 1) }),
  );
  bind(OptimizerContribution).toConstantValue(
    defineOptimizer({
      id: 'gd',
      description: 'θ ← θ − η g',
      options: type({}),
      create: () => ({
        update(params: Float64Array | Float32Array, gradient: Float64Array | Float32Array, lr: number): void {
          for (let i = 0; i < params.length; i++) params[i] -= lr * gradient[i];
        },
      }),
    }),
  );
  bind(ScheduleContribution).toConstantValue(
    defineSchedule({
      id: 'constant',
      description: 'η',
      options: type({}),
      create: (_o, context) => ({ requires: [], learningRate: () => context.baseLr }),
    }),
  );
}
