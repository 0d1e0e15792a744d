import { defineProbe, type DifferentiableModel, type LabeledInputs, sampledProbe } from '@tdlab/core';
import { type FloatArray, gemm, gemv } from '@tdlab/tensor';
import { type } from 'arktype';
import { allocateJacobian, formJacobian } from './jacobian.js';
import { type AnalyticKernelSpec, createKernel, kernelSchema } from './kernel-spec.js';
import { type DotProductKernel, kernelMatrix } from './kernels.js';
import { meanSquaredError, requireEval } from './probe-support.js';
import { kernelRidgeCoefficients } from './ridge-solver.js';

export interface KernelRidgeFit {
  readonly trainError: number;
  readonly testError: number;
  /** α = (K + nλI)⁻¹y (float64, length n). */
  readonly coefficients: Float64Array;
}

/**
 * Kernel ridge regression with a closed-form kernel: α = (K + nλI)⁻¹y (K⁺y for λ = 0), the
 * minimizer of (1/n)Σ(yᵢ − f(xᵢ))² + λ‖f‖²_H, and the errors (1/n)Σ(f − y)² of f(x) = Σᵢ αᵢ k(x, xᵢ).
 */
export function fitKernelRidge(kernel: DotProductKernel, train: LabeledInputs, test: LabeledInputs, d: number, lambda: number): KernelRidgeFit {
  const n = train.n;
  const gram = new Float64Array(n * n);
  kernelMatrix(kernel, train.x, n, train.x, n, d, gram);
  const coefficients = kernelRidgeCoefficients(gram, n, train.y, lambda);
  const fitted = new Float64Array(n);
  gemv(false, n, n, 1, gram, coefficients, 0, fitted);
  // Held-out predictions in blocks of rows, so K(test, train) is never held whole.
  const block = Math.max(1, Math.min(test.n, Math.floor(4_000_000 / Math.max(1, n))));
  const cross = new Float64Array(block * n);
  const predictions = new Float64Array(test.n);
  for (let start = 0; start < test.n; start += block) {
    const rows = Math.min(block, test.n - start);
    kernelMatrix(kernel, test.x.subarray(start * d, (start + rows) * d), rows, train.x, n, d, cross);
    gemv(false, rows, n, 1, cross, coefficients, 0, predictions.subarray(start, start + rows));
  }
  return { trainError: meanSquaredError(fitted, train.y, n), testError: meanSquaredError(predictions, test.y, test.n), coefficients };
}

/**
 * Kernel ridge regression with the empirical tangent kernel of `model` at θ, K = J Jᵀ on the
 * training set. Predictions f(x) = Σᵢ αᵢ⟨∇f(x), ∇f(xᵢ)⟩ = ∇f(x)·(Jᵀα): one VJP and one JVP, without
 * the test-by-train kernel matrix.
 */
export function fitEmpiricalNtkRidge(model: DifferentiableModel, params: FloatArray, train: LabeledInputs, test: LabeledInputs, lambda: number): KernelRidgeFit {
  const n = train.n;
  const p = model.parameterCount;
  const jacobian = allocateJacobian('kernel-ridge (empirical-ntk)', n, p);
  formJacobian(model, params, train, jacobian);
  const gram = new Float64Array(n * n);
  gemm(false, true, n, n, p, 1, jacobian, jacobian, 0, gram);
  const coefficients = kernelRidgeCoefficients(gram, n, train.y, lambda);
  const fitted = new Float64Array(n);
  gemv(false, n, n, 1, gram, coefficients, 0, fitted);
  const direction = new Float64Array(p);
  gemv(true, n, p, 1, jacobian, coefficients, 0, direction);
  const predictions = new Float64Array(test.n);
  model.jvp(params, test, direction, predictions);
  return { trainError: meanSquaredError(fitted, train.y, n), testError: meanSquaredError(predictions, test.y, test.n), coefficients };
}

/**
 * `probes: [{ use: kernel-ridge, kernel: { use: relu-ntk }, lambda: 1e-3 }]` — the closed-form
 * kernel ridge regression predictor on the study's training set, reported beside the trained
 * model's errors: `krr_test_error` and `krr_train_error` ((1/n)Σ(f − y)²; suffixed `/<label>` when
 * a label is given, so one study can list several kernels). Computed once, on the first measurement,
 * and repeated at every measurement so it plots as a reference line; `empirical-ntk` with
 * `at: current` recomputes it at every measurement from the model's kernel at θ_t.
 *
 * Normalization: α = (K + nλI)⁻¹y, the minimizer of (1/n)Σ(yᵢ − f(xᵢ))² + λ‖f‖²_H; λ = 0 is the
 * minimum-RKHS-norm interpolant. With `kernel: { use: linear }` this is the ridge regression of
 * papers.md §5(i). The empirical NTK here is plain kernel regression on y (no f₀ offset); the
 * lazy-training limit of the study's own model, f₀ + J(θ̂ − θ₀), is what closed-form-ridge reports.
 */
export const kernelRidgeProbe = defineProbe({
  id: 'kernel-ridge',
  description: 'Closed-form kernel ridge regression (inner-product, RBF, arc-cosine, ReLU NTK or empirical NTK kernels): krr_test_error, krr_train_error',
  options: type({
    /** The kernel, a section { use: <name>, … } (see kernel-spec.ts). */
    kernel: kernelSchema,
    /** λ ≥ 0 in (1/n)Σ(yᵢ − f(xᵢ))² + λ‖f‖²_H. */
    lambda: 'number >= 0',
    /** Suffix of the metric names (`krr_test_error/<label>`), to tell several kernel-ridge probes apart. */
    'label?': /^[\w.-]+$/,
  }),
  create: (options, context) => {
    const suffix = options.label === undefined ? '' : `/${options.label}`;
    const spec = options.kernel;
    let fit: KernelRidgeFit | undefined;
    return sampledProbe(context.every, (event, emit) => {
      const { data, model } = event.state;
      const test = requireEval('kernel-ridge', data);
      if (spec.use === 'empirical-ntk') {
        // The kernel of a diverged model is meaningless (and its products non-finite).
        if (spec.at === 'current' && !Number.isFinite(event.loss)) return;
        if (fit === undefined || spec.at === 'current') {
          fit = fitEmpiricalNtkRidge(model, spec.at === 'current' ? event.state.params : event.state.initialParams, data.train, test, options.lambda);
        }
      } else {
        fit ??= fitKernelRidge(createKernel(spec as AnalyticKernelSpec), data.train, test, data.inputDim, options.lambda);
      }
      emit(`krr_train_error${suffix}`, fit.trainError);
      emit(`krr_test_error${suffix}`, fit.testError);
    });
  },
});
