import { defineProbe, sampledProbe } from '@tdlab/core';
import { type } from 'arktype';

/**
 * `probes: [{ use: ntk-top-eigenvalue, k: 3 }]` — the top eigenvalue λ_t of the loss-matched NTK
 * (`ntk_lambda`, the curvature whose product with η decides stability: papers.md §0) and, for k > 1,
 * the top k eigenvalues in descending order (`ntk_eigenvalues`, index 0..k−1).
 *
 * Steps whose loss is not finite are skipped: the kernel of a diverged model is meaningless and
 * Lanczos on non-finite products would only produce NaN.
 */
export const ntkTopEigenvalueProbe = defineProbe({
  id: 'ntk-top-eigenvalue',
  description: 'Top eigenvalue(s) of the loss-matched NTK by Lanczos (ntk_lambda; ntk_eigenvalues[0..k-1] when k > 1)',
  options: type({ k: 'number.integer > 0 = 1' }),
  create: ({ k }, context) =>
    sampledProbe(context.every, (event, emit) => {
      if (!Number.isFinite(event.loss)) return;
      const values = event.state.ntkTopEigenvalues(k);
      emit('ntk_lambda', values[0]);
      if (k === 1) return;
      // The kernel is n×n: it has no more than n eigenvalues, whatever k asks for.
      const count = Math.min(k, values.length, event.state.data.train.n);
      for (let i = 0; i < count; i++) emit('ntk_eigenvalues', values[i], i);
    }),
});
