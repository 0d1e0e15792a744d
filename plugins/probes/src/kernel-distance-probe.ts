import { defineProbe, type DifferentiableModel, sampledProbe } from '@tdlab/core';
import { type } from 'arktype';
import { defer } from 'rxjs';
import { findBlock } from './loss-hessian.js';
import { frobeniusNorm, leadingRows, tangentKernelMatrix } from './tangent-kernel-matrix.js';

/**
 * `probes: [{ use: kernel-distance, maxPoints: 128, every: 10 }]` — how far the tangent kernel has
 * moved from initialization: `kernel_distance` = ‖K_t − K₀‖_F / ‖K₀‖_F with K = J Jᵀ on the first
 * min(n, maxPoints) training rows, K₀ at θ₀ (the arm's initial parameters). Zero for a linear
 * model (lazy training keeps it near zero). The ratio is scale-free, so the loss normalization (a
 * constant D for MSE) cancels.
 *
 * Cost per measured step: n VJPs + n JVPs to form the n×n K_t (K₀ once per run), 2n² numbers.
 * Steps whose loss is not finite are skipped.
 */
export const kernelDistanceProbe = defineProbe({
  id: 'kernel-distance',
  description: 'Relative Frobenius distance of the tangent kernel from its initial value, ‖K_t − K₀‖_F/‖K₀‖_F (kernel_distance)',
  options: type({ maxPoints: 'number.integer > 0 = 256', 'block?': 'string > 0' }),
  create: ({ maxPoints, block }, context) => {
    const scope = (model: DifferentiableModel) => (block === undefined ? undefined : findBlock(model, block, 'kernel-distance'));
    return {
      operator: (source) =>
        defer(() => {
          let initial: Float64Array | undefined;
          let initialNorm = 0;
          let current: Float64Array | undefined;
          return sampledProbe(context.every, (event, emit) => {
            if (!Number.isFinite(event.loss)) return;
            const { state } = event;
            const rows = leadingRows(state.data.train, state.data.inputDim, maxPoints);
            if (initial === undefined) {
              initial = tangentKernelMatrix(state.model, state.initialParams, rows, undefined, scope(state.model));
              initialNorm = frobeniusNorm(initial);
            }
            current = tangentKernelMatrix(state.model, state.params, rows, current, scope(state.model));
            let difference = 0;
            for (let i = 0; i < current.length; i++) difference += (current[i] - initial[i]) ** 2;
            emit(block === undefined ? 'kernel_distance' : `kernel_distance/${block}`, Math.sqrt(difference) / initialNorm);
          }).operator(source);
        }),
    };
  },
});
