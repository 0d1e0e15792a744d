import { definePlugin, ProbeContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { lossProbe } from './loss-probe.js';
import { normalizedLrProbe } from './normalized-lr-probe.js';
import { ntkTopEigenvalueProbe } from './ntk-top-eigenvalue-probe.js';
import { weightNormProbe } from './weight-norm-probe.js';

export { lossProbe, normalizedLrProbe, ntkTopEigenvalueProbe, weightNormProbe };

/** The first-party probes: loss, ntk-top-eigenvalue, weight-norm, normalized-lr. */
export default definePlugin({
  name: '@tdlab/plugin-probes',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(ProbeContribution).toConstantValue(lossProbe);
    bind(ProbeContribution).toConstantValue(ntkTopEigenvalueProbe);
    bind(ProbeContribution).toConstantValue(weightNormProbe);
    bind(ProbeContribution).toConstantValue(normalizedLrProbe);
  }),
});
