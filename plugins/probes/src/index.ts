import { definePlugin, ProbeContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { hessianTopEigenvalueProbe } from './hessian-top-eigenvalue-probe.js';
import { hessianTraceProbe } from './hessian-trace-probe.js';
import { kernelAlignmentProbe } from './kernel-alignment-probe.js';
import { kernelDistanceProbe } from './kernel-distance-probe.js';
import { ntkTopKProbe } from './ntk-top-k-probe.js';
import { activationSparsityProbe } from './activation-sparsity-probe.js';
import { armDistanceProbe } from './arm-distance-probe.js';
import { evalAccuracyProbe } from './eval-accuracy-probe.js';
import { evalLossProbe } from './eval-loss-probe.js';
import { lossProbe } from './loss-probe.js';
import { normalizedLrProbe } from './normalized-lr-probe.js';
import { ntkTopEigenvalueProbe } from './ntk-top-eigenvalue-probe.js';
import { weightNormProbe } from './weight-norm-probe.js';
import { catapultEventsProbe, distanceFromInitProbe, gradientNormProbe, phaseProbe, updateCosineProbe } from './dynamics-probes.js';

export { activationSparsityProbe, armDistanceProbe, evalAccuracyProbe, evalLossProbe, lossProbe, normalizedLrProbe, ntkTopEigenvalueProbe, weightNormProbe };
export { hessianTopEigenvalueProbe, hessianTraceProbe, kernelAlignmentProbe, kernelDistanceProbe, ntkTopKProbe };
export { catapultEventsProbe, classifyPhase, distanceFromInitProbe, gradientNormProbe, LossSpikeDetector, phaseNames, phaseProbe, updateCosineProbe } from './dynamics-probes.js';
export type { LossSpike, PhaseEvidence, PhaseName, PhaseThresholds } from './dynamics-probes.js';
export { LossHessian } from './loss-hessian.js';
export { accuracy, checkLabels } from './eval-accuracy-probe.js';
export type { AccuracyLabels } from './eval-accuracy-probe.js';

/** The first-party probes: loss and eval metrics, NTK and loss-Hessian spectra, kernel distance and alignment, weight and parameter-distance norms, update cosine, gradient norm, phase and catapult events, arm distance, activation sparsity (see README). */
export default definePlugin({
  name: '@tdlab/plugin-probes',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(ProbeContribution).toConstantValue(lossProbe);
    bind(ProbeContribution).toConstantValue(ntkTopEigenvalueProbe);
    bind(ProbeContribution).toConstantValue(weightNormProbe);
    bind(ProbeContribution).toConstantValue(normalizedLrProbe);
    bind(ProbeContribution).toConstantValue(evalLossProbe);
    bind(ProbeContribution).toConstantValue(evalAccuracyProbe);
    bind(ProbeContribution).toConstantValue(armDistanceProbe);
    bind(ProbeContribution).toConstantValue(activationSparsityProbe);
    bind(ProbeContribution).toConstantValue(hessianTopEigenvalueProbe);
    bind(ProbeContribution).toConstantValue(hessianTraceProbe);
    bind(ProbeContribution).toConstantValue(ntkTopKProbe);
    bind(ProbeContribution).toConstantValue(kernelDistanceProbe);
    bind(ProbeContribution).toConstantValue(kernelAlignmentProbe);
    for (const probe of [updateCosineProbe, distanceFromInitProbe, gradientNormProbe, phaseProbe, catapultEventsProbe]) bind(ProbeContribution).toConstantValue(probe);
  }),
});
