// Test support (not built, not published): the smallest plugin a real run needs besides the probes —
// inline data, the core's linear test model with θ₀ given in the spec, plain gradient
// descent and a constant learning rate.
import {
  DataSetContribution,
  defineDataSet,
  defineModel,
  defineOptimizer,
  definePlugin,
  defineSchedule,
  ModelContribution,
  OptimizerContribution,
  ScheduleContribution,
} from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { ContainerModule } from 'inversify';
import { LinearTestModel } from '@tdlab/core/testing';

const rows = defineDataSet({
  id: 'test-rows',
  description: 'rows given inline, with an optional eval split',
  options: type({ x: 'number[][]', y: 'number[]', 'evalX?': 'number[][]', 'evalY?': 'number[]' }),
  create: (options) => {
    const inputs = (x: number[][], y: number[]) => ({ x: Float64Array.from(x.flat()), y: Float64Array.from(y), n: y.length });
    return {
      inputDim: options.x[0].length,
      train: inputs(options.x, options.y),
      ...(options.evalX && options.evalY ? { eval: inputs(options.evalX, options.evalY) } : {}),
    };
  },
});

const linear = defineModel({
  id: 'test-linear',
  description: 'f = x·θ with θ₀ given',
  options: type({ init: 'number[]' }),
  create: (options) => new LinearTestModel(options.init.length, options.init),
});

const gd = defineOptimizer({
  id: 'test-gd',
  description: 'θ ← θ − η g',
  options: type({}),
  create: () => ({
    update(params: FloatArray, gradient: FloatArray, lr: number): void {
      for (let i = 0; i < params.length; i++) params[i] -= lr * gradient[i];
    },
  }),
});

const constant = defineSchedule({
  id: 'test-constant',
  description: 'η_t = η',
  options: type({}),
  create: (_options, context) => ({ requires: [], learningRate: () => context.baseLr }),
});

export const linearTestPlugin = definePlugin({
  name: 'probes-linear-test-plugin',
  version: '1.0.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(DataSetContribution).toConstantValue(rows);
    bind(ModelContribution).toConstantValue(linear);
    bind(OptimizerContribution).toConstantValue(gd);
    bind(ScheduleContribution).toConstantValue(constant);
  }),
});
