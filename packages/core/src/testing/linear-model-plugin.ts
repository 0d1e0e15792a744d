import { allocate } from '@tdlab/tensor';
import { type } from 'arktype';
import { ContainerModule } from 'inversify';
import { DataSetContribution, defineDataSet } from '../contributions/data-set-contribution.js';
import { defineModel, ModelContribution } from '../contributions/model-contribution.js';
import { CORE_API_VERSION } from '../plugin/core-api-version.js';
import { definePlugin } from '../plugin/tdlab-plugin.js';
import { LinearTestModel } from './linear-test-model.js';

/** `data: { use: inline, x: [[…], …], y: […], evalX?, evalY? }` — rows written in the study. */
export const inlineData = defineDataSet({
  id: 'inline',
  description: 'rows given in the study (x: number[][], y: number[]), with an optional eval split',
  options: type({ x: 'number[][]', y: 'number[]', 'evalX?': 'number[][]', 'evalY?': 'number[]' }),
  create: (options, context) => {
    const d = options.x[0]?.length ?? 0;
    const rows = (xs: number[][], ys: number[]) => {
      const x = allocate(context.precision, ys.length * d);
      xs.forEach((row, i) => x.set(row, i * d));
      const y = allocate(context.precision, ys.length);
      y.set(ys);
      return { x, y, n: ys.length };
    };
    const train = rows(options.x, options.y);
    return options.evalX && options.evalY ? { inputDim: d, train, eval: rows(options.evalX, options.evalY) } : { inputDim: d, train };
  },
});

/** `model: { use: linear, init? }` — the LinearTestModel. */
export const linearModel = defineModel({
  id: 'linear',
  description: 'f = θ·x (tests): the NTK is X Xᵀ for every θ',
  options: type({ 'init?': 'number | number[]' }),
  create: (options, context) => new LinearTestModel(context.inputDim, options.init),
});

/** A plugin with the inline data set and the linear model, for plugin authors' end-to-end tests. */
export const linearModelPlugin = definePlugin({
  name: '@tdlab/core/testing',
  version: CORE_API_VERSION,
  coreApi: `^${CORE_API_VERSION}`,
  module: new ContainerModule(({ bind }) => {
    bind(DataSetContribution).toConstantValue(inlineData);
    bind(ModelContribution).toConstantValue(linearModel);
  }),
});
