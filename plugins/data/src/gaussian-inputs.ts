import { type DataSet, defineDataSet, type LabeledInputs } from '@tdlab/core';
import { allocate, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { EVAL_STREAM, evalOptions, gaussianInputs } from './internal.js';

export interface GaussianInputsOptions {
  readonly n: number;
  readonly d: number;
  readonly y: number;
  readonly eval?: { readonly n: number };
}

/**
 * Draws n rows x ~ N(0, I_d) (n·d normals, row by row) with every target equal to `y`; the
 * evaluation rows come from `rng.derive('eval')`.
 */
export function drawGaussianInputs(options: GaussianInputsOptions, rng: Rng, precision: Precision): DataSet {
  const { d } = options;
  const sample = (stream: Rng, n: number): LabeledInputs => {
    const x = gaussianInputs(stream, precision, n, d);
    const y = allocate(precision, n);
    y.fill(options.y);
    return { x, y, n };
  };
  const train = sample(rng, options.n);
  const evalSet = options.eval ? sample(rng.derive(EVAL_STREAM), options.eval.n) : undefined;
  return { inputDim: d, train, ...(evalSet ? { eval: evalSet } : {}) };
}

/**
 * `data: { use: gaussian-inputs, n: 1, d: 100, y: 0 }` — inputs x ~ N(0, I_d) with one constant
 * target: the set-up of Zhu et al.'s general quadratic model in App. 19.4 (papers.md §1b:
 * x_i ~ N(0, 1), y = 0).
 */
export const gaussianInputsDataSet = defineDataSet({
  id: 'gaussian-inputs',
  description: 'Inputs x ~ N(0, I_d) with a constant target y (default 0): Zhu et al. App. 19.4 (papers.md §1b)',
  options: type({
    /** Number of training rows. */
    n: 'number.integer > 0',
    /** Input dimension. */
    d: 'number.integer > 0',
    /** The target of every row. Default 0. */
    y: 'number = 0',
    /** Optional held-out set: `{ n }` rows. */
    'eval?': evalOptions,
  }),
  create: (options, context) => drawGaussianInputs(options, context.rng('data'), context.precision),
});
