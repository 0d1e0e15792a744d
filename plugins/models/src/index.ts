import { definePlugin, ModelContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { twoLayerModel, uvModel } from './contributions.js';

export { Activation, activationNames } from './activation.js';
export type { ActivationName } from './activation.js';
export { twoLayerModel, uvModel } from './contributions.js';
export { TwoLayerModel } from './two-layer-model.js';
export type { SecondLayerInit, TwoLayerModelOptions } from './two-layer-model.js';
export { UvModel } from './uv-model.js';
export type { UvModelOptions } from './uv-model.js';

/** The models plugin: binds the uv and two-layer models. */
const modelsPlugin = definePlugin({
  name: '@tdlab/plugin-models',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(ModelContribution).toConstantValue(uvModel);
    bind(ModelContribution).toConstantValue(twoLayerModel);
  }),
});

export default modelsPlugin;
