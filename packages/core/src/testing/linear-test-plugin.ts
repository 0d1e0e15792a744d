// Core's own test support: the linear model plus the simplest other parts, f(θ; x) = θ·x, so its NTK is
// X Xᵀ whatever θ is and gradient descent has closed forms to test the trainer against.
import { axpy, type FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { ContainerModule } from 'inversify';
import { DataSetContribution } from '../contributions/data-set-contribution.js';
import { ModelContribution } from '../contributions/model-contribution.js';
import { defineOptimizer, OptimizerContribution } from '../contributions/optimizer-contribution.js';
import { defineSchedule, ScheduleContribution } from '../contributions/schedule-contribution.js';
import { defineProbe, ProbeContribution } from '../contributions/probe-contribution.js';
import { defineSink, SinkContribution } from '../contributions/sink-contribution.js';
import { sampledProbe } from '../probe/sampled-probe.js';
import type { Sink } from '../sink/sink.js';
import type { MetricRecord } from '../stream/metric-record.js';
import type { RunSummary } from '../run/run-summary.js';
import { definePlugin } from '../plugin/tdlab-plugin.js';
import { inlineData, linearModel } from './linear-model-plugin.js';

export const plainGd = defineOptimizer({
  id: 'gd',
  description: 'θ ← θ − η g',
  options: type({}),
  create: () => ({ update: (params: FloatArray, gradient: FloatArray, lr: number) => axpy(-lr, gradient, params) }),
});

export const constantSchedule = defineSchedule({
  id: 'constant',
  description: 'η_t = η',
  options: type({}),
  create: (_options, context) => ({ requires: [], learningRate: () => context.baseLr }),
});

export const needsMetricSchedule = defineSchedule({
  id: 'needs-metric',
  description: 'reads a metric no probe emits',
  options: type({ metric: 'string' }),
  create: (options, context) => ({ requires: [options.metric], learningRate: () => context.baseLr }),
});

export const lossProbe = defineProbe({
  id: 'loss',
  description: 'the training loss',
  options: type({}),
  create: (_options, context) => sampledProbe(context.every, (event, emit) => emit('loss', event.loss)),
});

/** Records everything it is given, and the order of its lifecycle calls. */
export class RecordingSink implements Sink {
  static last: RecordingSink | undefined;
  readonly records: MetricRecord[] = [];
  readonly calls: string[] = [];
  summary: RunSummary | undefined;
  constructor(readonly failOnWrite = false) {
    RecordingSink.last = this;
  }
  open(): void {
    this.calls.push('open');
  }
  write(record: MetricRecord): void {
    if (this.failOnWrite) throw new Error('sink failure');
    this.records.push(record);
  }
  async flush(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.calls.push('flush');
  }
  close(summary: RunSummary): void {
    this.calls.push('close');
    this.summary = summary;
  }
}

export const recordingSink = defineSink({
  id: 'recording',
  description: 'keeps records in memory',
  options: type({ 'failOnWrite?': 'boolean' }),
  create: (options) => new RecordingSink(options.failOnWrite ?? false),
});

export const linearTestPlugin = definePlugin({
  name: 'linear-test-plugin',
  version: '1.0.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(DataSetContribution).toConstantValue(inlineData);
    bind(ModelContribution).toConstantValue(linearModel);
    bind(OptimizerContribution).toConstantValue(plainGd);
    bind(ScheduleContribution).toConstantValue(constantSchedule);
    bind(ScheduleContribution).toConstantValue(needsMetricSchedule);
    bind(ProbeContribution).toConstantValue(lossProbe);
    bind(SinkContribution).toConstantValue(recordingSink);
  }),
});

/** A valid study on the linear model: 3 points in d = 2, ½·Σ loss, normalized lr. */
export function linearStudy(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'linear',
    seed: 1,
    data: { use: 'inline', x: [[1, 0], [0, 2], [1, 1]], y: [1, -1, 0.5] },
    model: { use: 'linear' },
    loss: { use: 'mse', reduction: 'sum', half: true },
    optimizer: { use: 'gd' },
    schedule: { use: 'constant', lr: { normalized: 1 } },
    steps: 50,
    probes: [{ use: 'loss' }],
    sinks: [{ use: 'recording' }],
    ...overrides,
  };
}
