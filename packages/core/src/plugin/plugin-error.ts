/** A plugin could not be loaded: not found, not a tdlab plugin, or built for another core API. */
export class PluginError extends Error {
  override readonly name = 'PluginError';
}
