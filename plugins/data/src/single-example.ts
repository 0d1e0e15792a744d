import { defineDataSet } from '@tdlab/core';
import { type } from 'arktype';
import { labeledInputs } from './internal.js';

/**
 * `data: { use: single-example, x: [1], y: 0 }` — one training sample. The defaults give the uv-model
 * set-up of Lewkowycz et al. (papers.md §1a): x = 1, y = 0.
 */
export const singleExample = defineDataSet({
  id: 'single-example',
  description: 'One sample (x, y); the defaults x = [1], y = 0 are the uv-model set-up (papers.md §1a)',
  options: type({
    /** The input, one entry per feature (its length is the input dimension). Default [1]. */
    x: ['number[] > 0', '=', () => [1]],
    /** The target. Default 0. */
    y: 'number = 0',
  }),
  create: (options, context) => ({
    inputDim: options.x.length,
    train: labeledInputs(context.precision, options.x, [options.y], 1),
  }),
});
