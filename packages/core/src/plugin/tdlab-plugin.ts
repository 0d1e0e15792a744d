import type { ContainerModule } from 'inversify';

/**
 * A plugin package's default export. Its container module binds contributions under the core's
 * multi-injection tokens (`bind(ModelContribution).toConstantValue(...)`, or `.to(SomeClass)` for a
 * class written with `@injectable()` and explicit `@inject(TOKEN)` parameters).
 */
export interface TdlabPlugin {
  readonly name: string;
  readonly version: string;
  /** The semver range of the core plugin API this plugin supports, e.g. "^0.1.0". */
  readonly coreApi: string;
  readonly module: ContainerModule;
}

export function definePlugin(plugin: TdlabPlugin): TdlabPlugin {
  return plugin;
}
