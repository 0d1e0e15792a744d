import { definePlugin, ProbeContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { activationSparsityProbe } from './activation-sparsity-probe.js';
import { armDistanceProbe } from './arm-distance-probe.js';
import { evalAccuracyProbe } from './eval-accuracy-probe.js';
import { evalLossProbe } from './eval-loss-probe.js';
import { lossProbe } from './loss-probe.js';
import { normalizedLrProbe } from './normalized-lr-probe.js';
import { ntkTopEigenvalueProbe } from './ntk-top-eigenvalue-probe.js';
import { weightNormProbe } from './weight-norm-probe.js';

export { activationSparsityProbe, armDistanceProbe, evalAccuracyProbe, evalLossProbe, lossProbe, normalizedLrProbe, ntkTopEigenvalueProbe, weightNormProbe };
export { accuracy, checkLabels } from './eval-accuracy-probe.js';
export type { AccuracyLabels } from './eval-accuracy-probe.js';

/** The first-party probes: loss, ntk-top-eigenvalue, weight-norm, normalized-lr, eval-loss, eval-accuracy, arm-distance, activation-sparsity. */
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
  }),
});
