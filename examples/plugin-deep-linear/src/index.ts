import { definePlugin, ModelContribution, ProbeContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { deepLinearModel } from './deep-linear-contribution.js';
import { gradientNoiseScaleProbe } from './gradient-noise-scale-probe.js';

export { DeepLinearModel } from './deep-linear-model.js';
export { deepLinearModel } from './deep-linear-contribution.js';
export { GradientNoiseScratch, gradientNoiseScale, gradientNoiseScaleProbe } from './gradient-noise-scale-probe.js';

export type { DeepLinearModelOptions } from './deep-linear-model.js';
export type { GradientNoiseScale } from './gradient-noise-scale-probe.js';

/**
 * A third-party plugin written only against tdlab's public API: the `deep-linear` model and the
 * `gradient-noise-scale` probe. A study loads it with `plugins: ['@tdlab/example-plugin-deep-linear']`.
 */
const deepLinearPlugin = definePlugin({
  name: '@tdlab/example-plugin-deep-linear',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(ModelContribution).toConstantValue(deepLinearModel);
    bind(ProbeContribution).toConstantValue(gradientNoiseScaleProbe);
  }),
});

export default deepLinearPlugin;
