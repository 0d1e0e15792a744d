import { defineProbe, LossMatchedNtk, sampledProbe } from '@tdlab/core';
import { findBlock } from './loss-hessian.js';
import { type } from 'arktype';
import { defer } from 'rxjs';

/**
 * `probes: [{ use: ntk-top-k, k: 3, every: 10 }]` — the top k eigenpairs (λ_i, u_i) of the
 * loss-matched NTK D^½ J Jᵀ D^½ on the training set (the kernel of ntk-top-eigenvalue, by the same
 * core Lanczos, `LossMatchedNtk.topEigenpairs`) and how much of the residual r = f − y lies along
 * each eigenvector (Zhu et al.: the catapult is confined to the top eigenvector, papers.md §1b):
 *
 * - `ntk_topk_eigenvalues`, index i: λ_i, descending;
 * - `ntk_residual_overlap`, index i: |⟨u_i, r⟩| / ‖r‖ ∈ [0, 1] (the sign of u_i is arbitrary);
 * - `ntk_residual_overlap_rest`: √(max(0, 1 − Σ_i overlap_i²)), the fraction of ‖r‖ outside the
 *   top-k eigenspace.
 *
 * The overlaps are omitted when r = 0. For an MSE loss D is a multiple of I, so the u_i are the
 * eigenvectors of K itself. With a repeated eigenvalue the individual u_i of that eigenspace are
 * not unique (their overlaps are not), but the rest term is. Steps whose loss is not finite are
 * skipped. Costs one Lanczos run on the n×n kernel (2 products per step of it) per measured step,
 * separate from ntk-top-eigenvalue's.
 */
export const ntkTopKProbe = defineProbe({
  id: 'ntk-top-k',
  description: 'Top-k eigenvalues of the loss-matched NTK and the overlap of each eigenvector with the residual f − y (ntk_topk_eigenvalues, ntk_residual_overlap)',
  options: type({ k: 'number.integer > 0 = 3', 'block?': 'string > 0' }),
  create: ({ k, block }, context) => ({
    operator: (source) =>
      defer(() => {
        const rng = context.rng('probe/ntk-top-k');
        let ntk: LossMatchedNtk | undefined;
        return sampledProbe(context.every, (event, emit) => {
          if (!Number.isFinite(event.loss)) return;
          const { state } = event;
          const train = state.data.train;
          const n = train.n;
          ntk ??= new LossMatchedNtk(state.model, state.loss, train, rng, block === undefined ? undefined : findBlock(state.model, block, 'ntk-top-k'));
          const { values, vectors } = ntk.topEigenpairs(state.params, state.outputs, k);
          const count = values.length;
          for (let i = 0; i < count; i++) emit(block === undefined ? 'ntk_topk_eigenvalues' : `ntk_topk_eigenvalues/${block}`, values[i], i);
          let residualNorm2 = 0;
          for (let j = 0; j < n; j++) residualNorm2 += (state.outputs[j] - train.y[j]) ** 2;
          if (!(residualNorm2 > 0)) return;
          const residualNorm = Math.sqrt(residualNorm2);
          let captured = 0;
          for (let i = 0; i < count; i++) {
            let inner = 0;
            for (let j = 0; j < n; j++) inner += vectors[i * n + j] * (state.outputs[j] - train.y[j]);
            const overlap = Math.abs(inner) / residualNorm;
            captured += overlap * overlap;
            emit(block === undefined ? 'ntk_residual_overlap' : `ntk_residual_overlap/${block}`, overlap, i);
          }
          emit(block === undefined ? 'ntk_residual_overlap_rest' : `ntk_residual_overlap_rest/${block}`, Math.sqrt(Math.max(0, 1 - captured)));
        }).operator(source);
      }),
  }),
});
