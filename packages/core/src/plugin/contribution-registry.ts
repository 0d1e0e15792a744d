import { Container, injectable } from 'inversify';
import semver from 'semver';
import type { AnyContribution } from '../contributions/contribution.js';
import { type ContributionKind, contributionKinds, contributionTokens } from '../contributions/contribution-kind.js';
import { CORE_API_VERSION } from './core-api-version.js';
import { PluginError } from './plugin-error.js';
import type { RegisteredContribution } from './registered-contribution.js';
import type { TdlabPlugin } from './tdlab-plugin.js';

/**
 * Resolves `use:` names to contributions. Each plugin's container module is loaded into a container
 * of its own (a child of the kernel's, so plugin classes can inject core services), which is how the
 * registry knows which plugin every contribution comes from.
 */
@injectable()
export class ContributionRegistry {
  private readonly byKind = new Map<ContributionKind, Map<string, RegisteredContribution>>(
    contributionKinds.map((kind) => [kind, new Map()]),
  );
  private readonly plugins = new Map<string, TdlabPlugin>();

  constructor(private readonly parent?: Container) {}

  register(plugin: TdlabPlugin): void {
    if (this.plugins.has(plugin.name)) return;
    if (!semver.validRange(plugin.coreApi)) {
      throw new PluginError(`plugin ${plugin.name}@${plugin.version} declares an invalid core API range "${plugin.coreApi}"`);
    }
    if (!semver.satisfies(CORE_API_VERSION, plugin.coreApi)) {
      throw new PluginError(
        `plugin ${plugin.name}@${plugin.version} needs core API ${plugin.coreApi}, but this core provides ${CORE_API_VERSION}`,
      );
    }
    const container = new Container({ parent: this.parent, defaultScope: 'Singleton' });
    container.load(plugin.module);
    const origin = `${plugin.name}@${plugin.version}`;
    const found: RegisteredContribution[] = [];
    for (const kind of contributionKinds) {
      const table = this.byKind.get(kind)!;
      for (const contribution of container.getAll<AnyContribution>(contributionTokens[kind], { optional: true })) {
        const clash = table.get(contribution.id) ?? found.find((f) => f.kind === kind && f.contribution.id === contribution.id);
        if (clash) {
          throw new PluginError(`${kind} "${contribution.id}" is contributed by both ${clash.plugin} and ${origin}`);
        }
        found.push({ kind, plugin: origin, contribution });
      }
    }
    for (const entry of found) this.byKind.get(entry.kind)!.set(entry.contribution.id, entry);
    this.plugins.set(plugin.name, plugin);
  }

  find(kind: ContributionKind, id: string): RegisteredContribution | undefined {
    return this.byKind.get(kind)!.get(id);
  }

  list(kind?: ContributionKind): RegisteredContribution[] {
    const kinds = kind ? [kind] : contributionKinds;
    return kinds.flatMap((k) => [...this.byKind.get(k)!.values()]);
  }

  /** "uv (@tdlab/plugin-models@0.1.0), two-layer (...)": what a study may write for this kind. */
  describeKnown(kind: ContributionKind): string {
    const known = this.list(kind).map((entry) => `${entry.contribution.id} (${entry.plugin})`);
    return known.length > 0 ? known.join(', ') : 'none — no loaded plugin contributes one';
  }

  loadedPlugins(): TdlabPlugin[] {
    return [...this.plugins.values()];
  }
}
