import { definePlugin, ModelContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { twoLayerModel, uvModel } from './contributions.js';
import { generalQuadraticModel } from './general-quadratic-contribution.js';
import { pureQuadraticModel } from './pure-quadratic-contribution.js';
import { mlpModel } from './mlp-contribution.js';
import { meanFieldTwoLayerModel } from './mean-field-two-layer-contribution.js';
import { linearizedModel, quadraticModel } from './wrapper-contributions.js';

export { Activation, activationNames } from './activation.js';
export type { ActivationName } from './activation.js';
export { twoLayerModel, uvModel } from './contributions.js';
export { TwoLayerModel } from './two-layer-model.js';
export type { SecondLayerInit, TwoLayerModelOptions } from './two-layer-model.js';
export { UvModel } from './uv-model.js';
export type { UvModelOptions } from './uv-model.js';
export { mlpModel } from './mlp-contribution.js';
export { MlpModel } from './mlp-model.js';
export type { MlpModelOptions } from './mlp-model.js';
export { nuLayerPlan, nuWidths, parameterizationNames, parameterizations } from './mlp-parameterization.js';
export type { LayerScaling, NuLayerPlan, Parameterization, ParameterizationName, ScalingInputs } from './mlp-parameterization.js';
export { chi1, criticalWeightVariance, fixedPointLength, lengthMap } from './critical-initialization.js';
export { linearizedModel, quadraticModel } from './wrapper-contributions.js';
export { linearized, NeuralTangentModel } from './linearized-model.js';
export { NeuralQuadraticModel, quadratic } from './quadratic-model.js';
export { TaylorExpansion } from './taylor-expansion.js';
export type { ExpansionAnchor, ExpansionBatch, TaylorExpansionOptions } from './taylor-expansion.js';
export { generalQuadraticModel } from './general-quadratic-contribution.js';
export { GeneralQuadraticModel, rademacherDiagonal } from './general-quadratic-model.js';
export type { DiagonalGeneralQuadraticOptions, GeneralQuadraticFeatures, GeneralQuadraticModelOptions, UvGeneralQuadraticOptions } from './general-quadratic-model.js';
export { META_FEATURE_STREAM, pureQuadraticModel, pureQuadraticStructureOptions } from './pure-quadratic-contribution.js';
export { drawKeptIndices, drawPureQuadraticStructure, PureQuadraticModel } from './pure-quadratic-model.js';
export type { MetaActivation, PureQuadraticModelOptions, PureQuadraticStructure, PureQuadraticStructureOptions } from './pure-quadratic-model.js';
export { skewSymmetricExponential } from './skew-exponential.js';
export { meanFieldTwoLayerModel } from './mean-field-two-layer-contribution.js';
export { MeanFieldTwoLayerModel } from './mean-field-two-layer-model.js';
export type { MeanFieldInitScale, MeanFieldTwoLayerModelOptions } from './mean-field-two-layer-model.js';

/** The models plugin: binds the uv and two-layer models. */
const modelsPlugin = definePlugin({
  name: '@tdlab/plugin-models',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(ModelContribution).toConstantValue(uvModel);
    bind(ModelContribution).toConstantValue(twoLayerModel);
    bind(ModelContribution).toConstantValue(mlpModel);
    bind(ModelContribution).toConstantValue(linearizedModel);
    bind(ModelContribution).toConstantValue(quadraticModel);
    bind(ModelContribution).toConstantValue(generalQuadraticModel);
    bind(ModelContribution).toConstantValue(pureQuadraticModel);
    bind(ModelContribution).toConstantValue(meanFieldTwoLayerModel);
  }),
});

export default modelsPlugin;
