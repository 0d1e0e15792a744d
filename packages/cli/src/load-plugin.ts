import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
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
 * A package name as seen from `baseDir` (the study's folder): a package installed there or above,
 * or the package that folder belongs to (Node's self-reference by name). Undefined when not found.
 */
function resolveFromBaseDir(specifier: string, baseDir: string): string | undefined {
  try {
    return pathToFileURL(createRequire(join(resolve(baseDir), 'package.json')).resolve(specifier)).href;
  } catch {
    return undefined;
  }
}

/**
 * Imports a plugin by package name or by path (relative paths against `baseDir`) and checks that
 * its default export is a tdlab plugin. The registry then checks its core API range. A package name
 * the CLI itself cannot import is then looked up from `baseDir`, so a study can name a plugin
 * installed beside it (or the package it lives in) rather than beside the CLI.
 */
export async function loadPlugin(specifier: string, baseDir: string): Promise<TdlabPlugin> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  const target = isPath ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
  let module: { default?: unknown };
  try {
    module = (await import(target)) as { default?: unknown };
  } catch (error) {
    const fromBaseDir = isPath ? undefined : resolveFromBaseDir(specifier, baseDir);
    if (fromBaseDir !== undefined) return loadResolved(specifier, fromBaseDir);
    throw new PluginError(`cannot load plugin "${specifier}": ${(error as Error).message}`);
  }
  return checked(specifier, module);
}

async function loadResolved(specifier: string, url: string): Promise<TdlabPlugin> {
  let module: { default?: unknown };
  try {
    module = (await import(url)) as { default?: unknown };
  } catch (error) {
    throw new PluginError(`cannot load plugin "${specifier}": ${(error as Error).message}`);
  }
  return checked(specifier, module);
}

function checked(specifier: string, module: { default?: unknown }): TdlabPlugin {
  if (!isPlugin(module.default)) {
    throw new PluginError(`"${specifier}" is not a tdlab plugin: its default export must be definePlugin({ name, version, coreApi, module })`);
  }
  return module.default;
}
