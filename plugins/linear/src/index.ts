import { DataSetContribution, definePlugin, ModelContribution, ProbeContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { closedFormRidgeProbe } from './closed-form-ridge-probe.js';
import { kernelRidgeProbe } from './kernel-ridge-probe.js';
import { linearTeacher } from './linear-teacher.js';
import { linearFeaturesModel, neuralTangentFeaturesModel, randomFeaturesModel } from './model-contributions.js';
import { ridgeTheoryProbe } from './ridge-theory-probe.js';
import { singleIndexTeacher } from './single-index-teacher.js';
import { testErrorProbe } from './test-error-probe.js';

export { FEATURES_STREAM, linearFeaturesModel, neuralTangentFeaturesModel, randomFeaturesModel } from './model-contributions.js';
export { FeatureModel, IdentityFeatures, RandomFeatures } from './feature-model.js';
export { NeuralTangentFeatureModel } from './neural-tangent-feature-model.js';
export { drawFirstLayer, firstLayerDistributions } from './first-layer-weights.js';
export { activationSlope, activationValue, featureActivationNames } from './feature-activation.js';
export { gaussianEquivalence, gaussianExpectation, numericGaussianEquivalence } from './gaussian-equivalence.js';
export { allocateJacobian, formJacobian, hasExplicitJacobian, MAX_JACOBIAN_ENTRIES } from './jacobian.js';
export {
  arcCosine0,
  arcCosine1,
  arcCosineKernel,
  exponentialKernel,
  kernelMatrix,
  linearKernel,
  polynomialKernel,
  rbfKernel,
  reluNtkKernel,
} from './kernels.js';
export { createKernel, kernelSchema } from './kernel-spec.js';
export { choleskyInPlace, choleskySolveInPlace, kernelRidgeCoefficients, linearizedRidge, pseudoInverseSolve, solveShifted } from './ridge-solver.js';
export { effectiveRidge, isotropicRidgelessRisk, ridgeTheory } from './ridge-theory.js';
export { drawInputs, drawTeacher, inputLaws } from './draw-inputs.js';
export { covarianceDiagonal, drawLinearTeacher, EVAL_STREAM, isLinearTeacherDataSet, linearTeacher } from './linear-teacher.js';
export { drawSingleIndexTeacher, highDegreeNorm, orthonormalPolynomials, projectionMoment, singleIndexTeacher } from './single-index-teacher.js';
export { exactExcessRisk, meanSquaredError, studyRidgeLambda } from './probe-support.js';
export { testErrorProbe } from './test-error-probe.js';
export { closedFormRidgeProbe, solveClosedFormRidge } from './closed-form-ridge-probe.js';
export { fitEmpiricalNtkRidge, fitKernelRidge, kernelRidgeProbe } from './kernel-ridge-probe.js';
export { ridgeTheoryProbe, ridgeTheoryReport } from './ridge-theory-probe.js';

export type { FeatureActivationName } from './feature-activation.js';
export type { FeatureMap, FeatureModelOptions } from './feature-model.js';
export type { NeuralTangentFeatureModelOptions } from './neural-tangent-feature-model.js';
export type { FirstLayerDistribution } from './first-layer-weights.js';
export type { GaussianEquivalence } from './gaussian-equivalence.js';
export type { ExplicitJacobian } from './jacobian.js';
export type { DotProductKernel } from './kernels.js';
export type { AnalyticKernelSpec, KernelSpec } from './kernel-spec.js';
export type { RidgeTheory, RidgeTheoryInput } from './ridge-theory.js';
export type { InputLaw } from './draw-inputs.js';
export type { LinearTeacherDataSet, LinearTeacherOptions, PowerLawCovariance } from './linear-teacher.js';
export type { SingleIndexTeacherDataSet, SingleIndexTeacherOptions } from './single-index-teacher.js';
export type { ClosedFormRidge } from './closed-form-ridge-probe.js';
export type { KernelRidgeFit } from './kernel-ridge-probe.js';
export type { RidgeTheoryReport } from './ridge-theory-probe.js';

/**
 * The linear family (papers.md §5, Misiakiewicz & Montanari): linear-, random- and
 * neural-tangent-feature models, data sets with a stated population, and closed-form probes
 * (exact ridge, kernel ridge regression, deterministic-equivalent theory) to read beside training.
 */
const linearPlugin = definePlugin({
  name: '@tdlab/plugin-linear',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(ModelContribution).toConstantValue(linearFeaturesModel);
    bind(ModelContribution).toConstantValue(randomFeaturesModel);
    bind(ModelContribution).toConstantValue(neuralTangentFeaturesModel);
    bind(DataSetContribution).toConstantValue(linearTeacher);
    bind(DataSetContribution).toConstantValue(singleIndexTeacher);
    bind(ProbeContribution).toConstantValue(testErrorProbe);
    bind(ProbeContribution).toConstantValue(closedFormRidgeProbe);
    bind(ProbeContribution).toConstantValue(kernelRidgeProbe);
    bind(ProbeContribution).toConstantValue(ridgeTheoryProbe);
  }),
});

export default linearPlugin;
