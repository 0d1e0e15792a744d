import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError, type TdlabPlugin } from '@tdlab/core';

function isPlugin(value: unknown): value is TdlabPlugin {
  const candidate = value as Partial<TdlabPlugin> | undefined;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.version === 'string' &&
    typeof candidate.coreApi === 'string' &&
    typeof candidate.module === 'object'
  );
}

/**
 * Imports a plugin by package name or by path (relative paths against `baseDir`) and checks that
 * its default export is a tdlab plugin. The registry then checks its core API range.
 */
export async function loadPlugin(specifier: string, baseDir: string): Promise<TdlabPlugin> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  const target = isPath ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
  let module: { default?: unknown };
  try {
    module = (await import(target)) as { default?: unknown };
  } catch (error) {
    throw new PluginError(`cannot load plugin "${specifier}": ${(error as Error).message}`);
  }
  if (!isPlugin(module.default)) {
    throw new PluginError(`"${specifier}" is not a tdlab plugin: its default export must be definePlugin({ name, version, coreApi, module })`);
  }
  return module.default;
}
