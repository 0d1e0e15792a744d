import { defineDataSet } from '@tdlab/core';
import { type } from 'arktype';
import { labeledInputs } from './internal.js';

/**
 * `eval: { x: [[…], …], y: […] }` — held-out rows given inline: one row of d numbers per point and one
 * target each. There is no distribution to draw from, so the rows are written out.
 */
const inlineEval = type({
  '+': 'reject',
  /** The held-out inputs, one row of d numbers per point. */
  x: 'number[][] > 0',
  /** One target per row. */
  y: 'number[]',
});

/**
 * `data: { use: single-example, x: [1], y: 0 }` — one training sample. The defaults give the uv-model
 * set-up of Lewkowycz et al. (papers.md §1a): x = 1, y = 0. An eval split is given inline.
 */
export const singleExample = defineDataSet({
  id: 'single-example',
  description: 'One sample (x, y); the defaults x = [1], y = 0 are the uv-model set-up (papers.md §1a); eval rows inline',
  options: type({
    /** The input, one entry per feature (its length is the input dimension). Default [1]. */
    x: ['number[] > 0', '=', () => [1]],
    /** The target. Default 0. */
    y: 'number = 0',
    /** Optional held-out rows, written out: `{ x: [[…d numbers], …], y: [one per row] }`. */
    'eval?': inlineEval,
  }).narrow((options, ctx) => {
    const evaluation = options.eval;
    if (evaluation === undefined) return true;
    const d = options.x.length;
    const bad = evaluation.x.findIndex((row) => row.length !== d);
    if (bad >= 0) {
      return ctx.reject({ path: ['eval', 'x', bad], expected: `a row of d = ${d} numbers (the length of x)`, actual: `${evaluation.x[bad].length} numbers` });
    }
    if (evaluation.y.length !== evaluation.x.length) {
      return ctx.reject({ path: ['eval', 'y'], expected: `one target per eval row (${evaluation.x.length})`, actual: `${evaluation.y.length}` });
    }
    return true;
  }),
  create: (options, context) => ({
    inputDim: options.x.length,
    train: labeledInputs(context.precision, options.x, [options.y], 1),
    ...(options.eval ? { eval: labeledInputs(context.precision, options.eval.x.flat(), options.eval.y, options.eval.y.length) } : {}),
  }),
});
