import { ContainerModule } from 'inversify';
import { LossContribution } from '../contributions/loss-contribution.js';
import { crossEntropyContribution } from '../loss/cross-entropy-contribution.js';
import { hingeContribution } from '../loss/hinge-contribution.js';
import { linearHingeContribution } from '../loss/linear-hinge-contribution.js';
import { logisticContribution } from '../loss/logistic-contribution.js';
import { meanSquaredErrorContribution } from '../loss/mean-squared-error-contribution.js';
import { CORE_API_VERSION } from './core-api-version.js';
import { definePlugin } from './tdlab-plugin.js';

/** The contributions the core itself provides (the losses whose normalization it must know). */
export const corePlugin = definePlugin({
  name: '@tdlab/core',
  version: CORE_API_VERSION,
  coreApi: `^${CORE_API_VERSION}`,
  module: new ContainerModule(({ bind }) => {
    bind(LossContribution).toConstantValue(meanSquaredErrorContribution);
    bind(LossContribution).toConstantValue(linearHingeContribution);
    bind(LossContribution).toConstantValue(hingeContribution);
    bind(LossContribution).toConstantValue(logisticContribution);
    bind(LossContribution).toConstantValue(crossEntropyContribution);
  }),
});
