import { Tdlab } from '@tdlab/core';
import { firstPartyPlugins } from './first-party-plugins.js';
import { loadPlugin } from './load-plugin.js';

/** A kernel with the first-party plugins and the ones a study names in `plugins:`. */
export async function createKernel(spec: unknown, baseDir: string): Promise<Tdlab> {
  const kernel = new Tdlab(firstPartyPlugins);
  const names = (spec as { plugins?: unknown } | undefined)?.plugins;
  if (Array.isArray(names)) {
    for (const name of names) if (typeof name === 'string') kernel.use(await loadPlugin(name, baseDir));
  }
  return kernel;
}
