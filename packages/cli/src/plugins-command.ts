import { contributionKinds, type Tdlab } from '@tdlab/core';

/** `tdlab plugins`: the loaded plugins and every contribution with its options schema. */
export function pluginsCommand(kernel: Tdlab, log: (line: string) => void): void {
  log('plugins:');
  for (const plugin of kernel.registry.loadedPlugins()) log(`  ${plugin.name}@${plugin.version} (core API ${plugin.coreApi})`);
  for (const kind of contributionKinds) {
    const entries = kernel.registry.list(kind);
    if (entries.length === 0) continue;
    log(`\n${kind}:`);
    for (const { contribution, plugin } of entries) {
      log(`  ${contribution.id}  — ${contribution.description}  [${plugin}]`);
      log(`      options: ${contribution.options.expression}`);
    }
  }
}
