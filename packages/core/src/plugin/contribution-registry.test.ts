import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { ModelContribution } from '../contributions/model-contribution.js';
import { Tdlab } from '../run/tdlab.js';
import { linearModel } from '../testing/linear-model-plugin.js';
import { linearTestPlugin } from '../testing/linear-test-plugin.js';
import { CORE_API_VERSION } from './core-api-version.js';
import { PluginError } from './plugin-error.js';
import { definePlugin } from './tdlab-plugin.js';

describe('ContributionRegistry', () => {
  it('knows which plugin each contribution comes from', () => {
    const kernel = new Tdlab([linearTestPlugin]);
    expect(kernel.registry.find('model', 'linear')?.plugin).toBe('linear-test-plugin@1.0.0');
    expect(kernel.registry.find('loss', 'mse')?.plugin).toBe(`@tdlab/core@${CORE_API_VERSION}`);
    expect(kernel.registry.list('schedule').map((entry) => entry.contribution.id)).toEqual(['constant', 'needs-metric']);
  });

  it('refuses a plugin built for another core API, naming both versions', () => {
    const future = definePlugin({ name: 'future', version: '3.0.0', coreApi: '^2.0.0', module: new ContainerModule(() => {}) });
    expect(() => new Tdlab([future])).toThrow(new PluginError(`plugin future@3.0.0 needs core API ^2.0.0, but this core provides ${CORE_API_VERSION}`));
  });

  it('refuses two plugins contributing the same name', () => {
    const copy = definePlugin({
      name: 'copycat',
      version: '0.0.1',
      coreApi: '^0.1.0',
      module: new ContainerModule(({ bind }) => {
        bind(ModelContribution).toConstantValue(linearModel);
      }),
    });
    expect(() => new Tdlab([linearTestPlugin, copy])).toThrow('model "linear" is contributed by both linear-test-plugin@1.0.0 and copycat@0.0.1');
  });

  it('resolves class contributions with explicit @inject through the plugin container', async () => {
    const { injectable, inject } = await import('inversify');
    const { ContributionRegistry } = await import('./contribution-registry.js');
    @injectable()
    class CountingModel {
      readonly id = 'counting';
      readonly description = 'knows how many models are registered';
      readonly options = linearModel.options;
      constructor(@inject(ContributionRegistry) readonly registry: InstanceType<typeof ContributionRegistry>) {}
      create = linearModel.create;
    }
    const plugin = definePlugin({
      name: 'class-plugin',
      version: '0.1.0',
      coreApi: '^0.1.0',
      module: new ContainerModule(({ bind }) => {
        bind(ModelContribution).to(CountingModel);
      }),
    });
    const kernel = new Tdlab([plugin]);
    const entry = kernel.registry.find('model', 'counting');
    expect((entry?.contribution as unknown as CountingModel).registry).toBe(kernel.registry);
  });
});
