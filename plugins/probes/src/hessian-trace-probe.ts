import { defineProbe, sampledProbe } from '@tdlab/core';
import { type } from 'arktype';
import { defer } from 'rxjs';
import { findBlock, LossHessian } from './loss-hessian.js';

/**
 * `probes: [{ use: hessian-trace, samples: 32, every: 10 }]` — Hutchinson's estimate of tr H_L,
 * the trace of the loss Hessian on the training set (same H_L and normalization as
 * hessian-top-eigenvalue): `hessian_trace` = (1/s) Σ_k z_kᵀ H_L z_k with s = `samples` Rademacher
 * vectors z_k ∈ {±1}^p, one HVP each. Unbiased: E[zᵀHz] = tr H since E[z zᵀ] = I.
 * Var(zᵀHz) = 2 Σ_{i≠j} H_ij² = 2(‖H‖_F² − Σᵢ H_ii²) for Rademacher z (the smallest of any i.i.d.
 * zero-mean unit-variance probe), so the estimate's variance is that over s, and it is exact for a
 * diagonal H with any s. For s > 1, `hessian_trace_stderr` = the sample standard deviation of the
 * z_kᵀHz_k over √s, an estimate of the estimator's standard error.
 *
 * The probes come from the run's seed (`rng('probe/hessian-trace')`), one stream per run: runs are
 * reproducible, and each measured step draws fresh vectors. Non-finite losses are skipped.
 */
export const hessianTraceProbe = defineProbe({
  id: 'hessian-trace',
  description: 'Hutchinson estimate of the loss-Hessian trace with Rademacher probes (hessian_trace, hessian_trace_stderr)',
  options: type({ samples: 'number.integer > 0 = 16', 'block?': 'string > 0' }),
  create: ({ samples, block }, context) => ({
    operator: (source) =>
      defer(() => {
        const rng = context.rng('probe/hessian-trace');
        let hessian: LossHessian | undefined;
        let z: Float64Array | undefined;
        let hz: Float64Array | undefined;
        return sampledProbe(context.every, (event, emit) => {
          if (!Number.isFinite(event.loss)) return;
          const { state } = event;
          hessian ??= new LossHessian(state.model, state.loss, state.data.train, block === undefined ? undefined : findBlock(state.model, block, 'hessian-trace'));
          hessian.at(state.params, state.outputs);
          const p = hessian.dimension;
          z ??= new Float64Array(p);
          hz ??= new Float64Array(p);
          // Welford's running mean and variance of the samples zᵀHz.
          let mean = 0;
          let m2 = 0;
          for (let s = 1; s <= samples; s++) {
            rng.fillRademacher(z);
            hessian.apply(z, hz);
            let quadratic = 0;
            for (let j = 0; j < p; j++) quadratic += z[j] * hz[j];
            const delta = quadratic - mean;
            mean += delta / s;
            m2 += delta * (quadratic - mean);
          }
          emit(block === undefined ? 'hessian_trace' : `hessian_trace/${block}`, mean);
          if (samples > 1) emit(block === undefined ? 'hessian_trace_stderr' : `hessian_trace_stderr/${block}`, Math.sqrt(m2 / (samples - 1) / samples));
        }).operator(source);
      }),
  }),
});
