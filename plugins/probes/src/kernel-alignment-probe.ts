import { defineProbe, type DifferentiableModel, sampledProbe } from '@tdlab/core';
import { type } from 'arktype';
import { defer } from 'rxjs';
import { findBlock } from './loss-hessian.js';
import { frobeniusNorm, leadingRows, tangentKernelMatrix } from './tangent-kernel-matrix.js';

/** yᵀKy / (‖K‖_F ‖y‖²) for a flat n×n K; NaN when K or y is zero. */
export function kernelAlignment(kernel: Float64Array, y: ArrayLike<number>, n: number): number {
  let quadratic = 0;
  let y2 = 0;
  for (let i = 0; i < n; i++) {
    y2 += y[i] * y[i];
    let row = 0;
    for (let j = 0; j < n; j++) row += kernel[i * n + j] * y[j];
    quadratic += y[i] * row;
  }
  return quadratic / (frobeniusNorm(kernel) * y2);
}

/**
 * `probes: [{ use: kernel-alignment, maxPoints: 128, every: 10 }]` — the kernel–target alignment
 * `kernel_alignment` = yᵀKy / (‖K‖_F ‖y‖²) = ⟨K, yyᵀ⟩_F / (‖K‖_F ‖yyᵀ‖_F), with K = J Jᵀ at θ_t on
 * the first min(n, maxPoints) training rows and y their targets. In [−1, 1] (in [0, 1] for a PSD K);
 * 1 exactly when K ∝ yyᵀ. Scale-free, so the loss normalization cancels. Not emitted when y = 0.
 *
 * Cost per measured step: n VJPs + n JVPs (the n×n K). Steps whose loss is not finite are skipped.
 */
export const kernelAlignmentProbe = defineProbe({
  id: 'kernel-alignment',
  description: 'Kernel-target alignment yᵀKy/(‖K‖_F‖y‖²) of the tangent kernel on the training set (kernel_alignment)',
  options: type({ maxPoints: 'number.integer > 0 = 256', 'block?': 'string > 0' }),
  create: ({ maxPoints, block }, context) => {
    const scope = (model: DifferentiableModel) => (block === undefined ? undefined : findBlock(model, block, 'kernel-alignment'));
    return {
      operator: (source) =>
        defer(() => {
          let kernel: Float64Array | undefined;
          return sampledProbe(context.every, (event, emit) => {
            if (!Number.isFinite(event.loss)) return;
            const { state } = event;
            const rows = leadingRows(state.data.train, state.data.inputDim, maxPoints);
            let y2 = 0;
            for (let i = 0; i < rows.n; i++) y2 += rows.y[i] * rows.y[i];
            if (!(y2 > 0)) return;
            kernel = tangentKernelMatrix(state.model, state.params, rows, kernel, scope(state.model));
            emit(block === undefined ? 'kernel_alignment' : `kernel_alignment/${block}`, kernelAlignment(kernel, rows.y, rows.n));
          }).operator(source);
        }),
    };
  },
});
