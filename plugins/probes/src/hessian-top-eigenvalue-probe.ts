import { defineProbe, sampledProbe } from '@tdlab/core';
import { lanczosTopEigen } from '@tdlab/tensor';
import { type } from 'arktype';
import { defer } from 'rxjs';
import { findBlock, LossHessian } from './loss-hessian.js';

/**
 * `probes: [{ use: hessian-top-eigenvalue, k: 3, every: 10 }]` — the sharpness: the top eigenvalue
 * of the loss Hessian H_L = Jᵀ D J + Σᵢ (∂L/∂fᵢ) ∇²fᵢ on the training set (`sharpness`), and for
 * k > 1 the top k in descending order (`hessian_eigenvalues`, index 0..k−1). Lanczos on
 * Hessian-vector products (as in locuslab/edge-of-stability), warm-started from the previous
 * measurement's top eigenvector. H_L may be indefinite; "top" means algebraically largest.
 *
 * H_L follows the study's loss normalization (papers.md §0): at an interpolating minimum with
 * ½·Σ(f−y)² its nonzero spectrum is that of K = J Jᵀ, with ½·mean that of K/n.
 * Steps whose loss is not finite are skipped, like ntk-top-eigenvalue.
 */
export const hessianTopEigenvalueProbe = defineProbe({
  id: 'hessian-top-eigenvalue',
  description: 'Top eigenvalue(s) of the loss Hessian by Lanczos on HVPs (sharpness; hessian_eigenvalues[0..k-1] when k > 1)',
  options: type({ k: 'number.integer > 0 = 1', maxIterations: 'number.integer > 0 = 64', 'block?': 'string > 0' }),
  create: ({ k, maxIterations, block }, context) => ({
    // State per subscription: each run (and each arm) has its own warm start and random stream.
    operator: (source) =>
      defer(() => {
        const rng = context.rng('probe/hessian-top-eigenvalue');
        let hessian: LossHessian | undefined;
        let warmStart: Float64Array | undefined;
        return sampledProbe(context.every, (event, emit) => {
          if (!Number.isFinite(event.loss)) return;
          const { state } = event;
          hessian ??= new LossHessian(state.model, state.loss, state.data.train, block === undefined ? undefined : findBlock(state.model, block, 'hessian-top-eigenvalue'));
          hessian.at(state.params, state.outputs);
          const p = hessian.dimension;
          const result = lanczosTopEigen(hessian.apply, p, { k: Math.min(k, p), maxIterations, rng, start: warmStart, vectors: true });
          if (result.vectors && result.vectors.length >= p && result.values.every(Number.isFinite)) warmStart = result.vectors.slice(0, p);
          emit(block === undefined ? 'sharpness' : `sharpness/${block}`, result.values[0]);
          if (k === 1) return;
          const count = Math.min(k, p);
          for (let i = 0; i < count; i++) emit(block === undefined ? 'hessian_eigenvalues' : `hessian_eigenvalues/${block}`, result.values[i], i);
        }).operator(source);
      }),
  }),
});
