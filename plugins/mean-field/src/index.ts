import { definePlugin, ProbeContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { marginDistributionProbe } from './margin-distribution-probe.js';
import { meanFieldTheoryProbe } from './mean-field-theory-probe.js';
import { unitBalanceProbe } from './unit-balance-probe.js';
import { unitMomentsProbe } from './unit-moments-probe.js';
import { unsatisfiedFractionProbe } from './unsatisfied-fraction-probe.js';

export { MeanFieldHingeTheory } from './mean-field-hinge-theory.js';
export { erf, inputLaw, logGamma } from './input-law.js';
export { hiddenUnitLayout, hingeThreshold, teacherDirection } from './hidden-units.js';
export { marginCounts, unsatisfiedFractionProbe } from './unsatisfied-fraction-probe.js';
export { marginDistributionProbe, sortedQuantile } from './margin-distribution-probe.js';
export { unitBalanceProbe, unitBalances } from './unit-balance-probe.js';
export { unitCoordinates, unitMoments, unitMomentsProbe } from './unit-moments-probe.js';
export { meanFieldTheoryProbe, theoryForRun } from './mean-field-theory-probe.js';

export type { HingeTrainingSet, MeanFieldHingePrediction, MeanFieldHingeTheoryOptions } from './mean-field-hinge-theory.js';
export type { InputLaw, InputLawName } from './input-law.js';
export type { HiddenUnitLayout } from './hidden-units.js';
export type { UnitMoments } from './unit-moments-probe.js';
export type { MeanFieldTheoryProbeOptions } from './mean-field-theory-probe.js';

/**
 * The mean-field theory of the shallow hinge classifier (papers.md §3, Pellegrini & Biroli 2020):
 * the theory solver as a probe beside the simulation, and the simulation's probes in the same terms.
 */
const meanFieldPlugin = definePlugin({
  name: '@tdlab/plugin-mean-field',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(ProbeContribution).toConstantValue(meanFieldTheoryProbe);
    bind(ProbeContribution).toConstantValue(unsatisfiedFractionProbe);
    bind(ProbeContribution).toConstantValue(marginDistributionProbe);
    bind(ProbeContribution).toConstantValue(unitBalanceProbe);
    bind(ProbeContribution).toConstantValue(unitMomentsProbe);
  }),
});

export default meanFieldPlugin;
