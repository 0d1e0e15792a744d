import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A study file the page offers to start: its path and how it is shown. */
export interface StudyFile {
  readonly path: string;
  readonly label: string;
}

/** The monorepo's root, when the CLI runs from its sources or its workspace build. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/**
 * The study files under `examples/<example>/studies/` of the working directory and of the tdlab
 * checkout the CLI runs from (`.yaml`, `.yml`, `.json`), each once, sorted by label.
 */
export function findStudies(roots: readonly string[] = [process.cwd(), packageRoot]): StudyFile[] {
  const found = new Map<string, StudyFile>();
  for (const root of roots) {
    const examples = join(root, 'examples');
    if (!existsSync(examples)) continue;
    for (const example of readdirSync(examples, { withFileTypes: true })) {
      const studies = join(examples, example.name, 'studies');
      if (!example.isDirectory() || !existsSync(studies)) continue;
      for (const file of readdirSync(studies)) {
        if (!/\.(ya?ml|json)$/.test(file)) continue;
        const path = join(studies, file);
        if (!found.has(path)) found.set(path, { path, label: relative(root, path) });
      }
    }
  }
  return [...found.values()].sort((a, b) => a.label.localeCompare(b.label));
}
