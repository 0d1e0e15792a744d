import { type DataSet, defineDataSet, type LabeledInputs } from '@tdlab/core';
import { allocate, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { EVAL_STREAM, evalOptions } from './internal.js';

export interface TwoClustersOptions {
  readonly n: number;
  readonly mean: number;
  readonly eval?: { readonly n: number };
}

/**
 * Draws a two-clusters data set (d = 1). Rows 0 … ⌊n/2⌋−1 are the −1 class, x ~ N(−mean, 1); the
 * remaining ⌈n/2⌉ rows are the +1 class, x ~ N(+mean, 1). One normal per row, in row order. The
 * evaluation set (same layout) comes from `rng.derive('eval')`.
 */
export function drawTwoClusters(options: TwoClustersOptions, rng: Rng, precision: Precision): DataSet {
  const sample = (stream: Rng, n: number): LabeledInputs => {
    const x = allocate(precision, n);
    const y = allocate(precision, n);
    const negatives = Math.floor(n / 2);
    for (let i = 0; i < n; i++) {
      const label = i < negatives ? -1 : 1;
      x[i] = label * options.mean + stream.normal();
      y[i] = label;
    }
    return { x, y, n };
  };
  const train = sample(rng, options.n);
  const evalSet = options.eval ? sample(rng.derive(EVAL_STREAM), options.eval.n) : undefined;
  return { inputDim: 1, train, ...(evalSet ? { eval: evalSet } : {}) };
}

/**
 * `data: { use: two-clusters, n: 128, mean: 2 }` — Zhu et al. Fig. 3 (papers.md §1b): d = 1, half the
 * points x ~ N(−mean, 1) with label −1, half x ~ N(+mean, 1) with label +1.
 */
export const twoClusters = defineDataSet({
  id: 'two-clusters',
  description: 'd = 1: ⌊n/2⌋ points x ~ N(−mean, 1) labelled −1, then ⌈n/2⌉ points x ~ N(+mean, 1) labelled +1 (Zhu et al. Fig. 3, papers.md §1b)',
  options: type({
    /** Number of training points; the −1 class gets ⌊n/2⌋ of them. Default 128. */
    n: 'number.integer > 0 = 128',
    /** Distance of each cluster centre from 0 (centres at ±mean, unit variance). Default 2. */
    mean: 'number >= 0 = 2',
    /** Optional held-out set with the same layout: `{ n }` points. */
    'eval?': evalOptions,
  }),
  create: (options, context) => drawTwoClusters(options, context.rng('data'), context.precision),
});
