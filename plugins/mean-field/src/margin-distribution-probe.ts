import { defineProbe, sampledProbe } from '@tdlab/core';
import { type } from 'arktype';

/** The q-quantile of sorted values by linear interpolation between order statistics (numpy's default). */
export function sortedQuantile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/**
 * `probes: [{ use: margin-distribution, quantiles: [0.1, 0.5, 0.9] }]` — the distribution of the
 * training margins y·f over the rows: `margin_quantile` (one record per requested quantile, `index`
 * = its position in `quantiles`), `margin_mean` and `margin_min`. With a hinge loss, the rows below h
 * are the ones still learning (papers.md §3).
 */
export const marginDistributionProbe = defineProbe({
  id: 'margin-distribution',
  description: 'Quantiles (margin_quantile, index = position in quantiles), mean and min of the training margins y·f',
  options: type({
    /** Levels in [0, 1]; default [0.1, 0.25, 0.5, 0.75, 0.9]. */
    quantiles: type('0 <= number <= 1').array().atLeastLength(1).default(() => [0.1, 0.25, 0.5, 0.75, 0.9]),
  }),
  create: (options, context) => {
    let margins = new Float64Array(0);
    return sampledProbe(context.every, (event, emit) => {
      const { outputs, data } = event.state;
      const { y, n } = data.train;
      if (margins.length !== n) margins = new Float64Array(n);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        margins[i] = y[i] * outputs[i];
        sum += margins[i];
      }
      // A NaN margin (a diverged run) sorts last; the quantiles then read NaN only where they reach it.
      margins.sort();
      options.quantiles.forEach((q, index) => emit('margin_quantile', sortedQuantile(margins, q), index));
      emit('margin_mean', sum / n);
      emit('margin_min', margins[0]);
    });
  },
});
