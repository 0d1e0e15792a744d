import { definePlugin, OptimizerContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { GradientDescent, gradientDescent } from './gradient-descent.js';
import { MinibatchSgd, minibatchSgd } from './minibatch-sgd.js';

export { descend } from './descend.js';
export { GradientDescent, gradientDescent };
export { BATCH_ORDER_STREAM } from './minibatch-sgd.js';
export { MinibatchSgd, minibatchSgd };

/** The optimizers plugin: full-batch gradient descent (gd) and minibatch SGD (sgd). */
const optimizersPlugin = definePlugin({
  name: '@tdlab/plugin-optimizers',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(OptimizerContribution).toConstantValue(gradientDescent);
    bind(OptimizerContribution).toConstantValue(minibatchSgd);
  }),
});

export default optimizersPlugin;
