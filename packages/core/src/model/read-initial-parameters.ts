import { readFileSync } from 'node:fs';
import type { FloatArray } from '@tdlab/tensor';
import { StudySpecError } from '../spec/study-spec-error.js';
import type { DifferentiableModel } from './differentiable-model.js';

/**
 * Sets θ₀ from a JSON file: either a flat array of all parameters, or an object mapping block
 * names to flat arrays (every block must be given). Lengths are checked against the model.
 */
export function readInitialParameters(path: string, model: DifferentiableModel, params: FloatArray): void {
  const fail = (message: string): never => {
    throw new StudySpecError([{ path: 'model.initialParameters', message }], path);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail(`cannot read ${path}: ${(error as Error).message}`);
  }
  const put = (values: unknown, offset: number, length: number, what: string): void => {
    if (!Array.isArray(values) || values.length !== length || !values.every((v) => typeof v === 'number')) {
      fail(`${what} must be an array of ${length} numbers (was ${Array.isArray(values) ? `${values.length} entries` : typeof values})`);
    }
    params.set(values as number[], offset);
  };
  if (Array.isArray(parsed)) {
    put(parsed, 0, model.parameterCount, 'the parameter array');
  } else if (typeof parsed === 'object' && parsed !== null) {
    const blocks = parsed as Record<string, unknown>;
    const names = model.blocks.map((block) => block.name);
    for (const key of Object.keys(blocks)) {
      if (!names.includes(key)) fail(`unknown parameter block "${key}" (the model has: ${names.join(', ')})`);
    }
    for (const block of model.blocks) {
      if (!(block.name in blocks)) fail(`block "${block.name}" is missing (the model has: ${names.join(', ')})`);
      put(blocks[block.name], block.offset, block.length, `block "${block.name}"`);
    }
  } else {
    fail('must hold an array or an object of arrays by block name');
  }
}
