import { definePlugin, OptimizerContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { Adam, adam, adamw } from './adam.js';
import { GradientDescent, gradientDescent } from './gradient-descent.js';
import { GradientFlow, gradientFlow } from './gradient-flow.js';
import { MinibatchSgd, minibatchSgd } from './minibatch-sgd.js';
import { Momentum, momentum, nesterov } from './momentum.js';
import { NormalizedGradientDescent, normalizedGradientDescent } from './normalized-gd.js';

export { descend } from './descend.js';
export { GradientDescent, gradientDescent };
export { GradientFlow, gradientFlow };
export type { FlowIntegrator, GradientOracle } from './gradient-flow.js';
export { BATCH_ORDER_STREAM } from './minibatch-sgd.js';
export { MinibatchSgd, minibatchSgd };
export { Momentum, momentum, nesterov };
export { Adam, adam, adamw };
export { NormalizedGradientDescent, normalizedGradientDescent };
export { StatefulOptimizer } from './stateful-optimizer.js';
export type { MinibatchOrder } from './stateful-optimizer.js';

/** The optimizers plugin: gd, sgd, momentum, nesterov, adam, adamw, normalized-gd and gradient-flow. */
const optimizersPlugin = definePlugin({
  name: '@tdlab/plugin-optimizers',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(OptimizerContribution).toConstantValue(gradientDescent);
    bind(OptimizerContribution).toConstantValue(minibatchSgd);
    bind(OptimizerContribution).toConstantValue(momentum);
    bind(OptimizerContribution).toConstantValue(nesterov);
    bind(OptimizerContribution).toConstantValue(adam);
    bind(OptimizerContribution).toConstantValue(adamw);
    bind(OptimizerContribution).toConstantValue(normalizedGradientDescent);
    bind(OptimizerContribution).toConstantValue(gradientFlow);
  }),
});

export default optimizersPlugin;
