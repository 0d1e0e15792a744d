import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { StudySpecError } from './study-spec-error.js';

/** Reads a study from a YAML (.yaml/.yml) or JSON (.json) file; validation is separate. */
export async function loadStudyFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StudySpecError([{ path: '(file)', message: `cannot read ${path}: ${(error as Error).message}` }], path);
  }
  try {
    return extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new StudySpecError([{ path: '(file)', message: `not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}` }], path);
  }
}
