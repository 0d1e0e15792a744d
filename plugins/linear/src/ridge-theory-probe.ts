import { type DataSet, defineProbe, sampledProbe } from '@tdlab/core';
import { type } from 'arktype';
import { isLinearTeacherDataSet, type LinearTeacherDataSet } from './linear-teacher.js';
import { lambdaOption, resolveLambda } from './probe-support.js';
import { isotropicRidgelessRisk, type RidgeTheory, ridgeTheory } from './ridge-theory.js';

function requireLinearTeacher(data: DataSet): LinearTeacherDataSet {
  if (!isLinearTeacherDataSet(data)) {
    throw new Error('ridge-theory: the data set does not state its covariance Σ, teacher β* and noise σ; use data: { use: linear-teacher, … }');
  }
  return data;
}

/** The theory's predictions for a linear-teacher data set, ridge λ (papers.md §5(i)). */
export interface RidgeTheoryReport {
  readonly theory: RidgeTheory;
  /** The predicted test error: the excess risk plus the held-out label noise σ_eval². */
  readonly testError: number;
  /** The isotropic ridgeless formula (+ σ_eval²), when Σ = I. */
  readonly ridgeless: number | undefined;
}

export function ridgeTheoryReport(data: LinearTeacherDataSet, lambda: number): RidgeTheoryReport {
  const n = data.train.n;
  const theory = ridgeTheory({ spectrum: data.covariance, teacher: data.teacher, noise: data.noise, n, lambda });
  const evalVariance = data.evalNoise * data.evalNoise;
  const isotropic = data.covariance.every((value) => value === 1);
  let ridgeless: number | undefined;
  if (isotropic) {
    let r2 = 0;
    for (const value of data.teacher) r2 += value * value;
    ridgeless = isotropicRidgelessRisk(data.inputDim / n, Math.sqrt(r2), data.noise) + evalVariance;
  }
  return { theory, testError: theory.risk + evalVariance, ridgeless };
}

/**
 * `probes: [{ use: ridge-theory, lambda: from-study }]` — the deterministic-equivalent prediction of
 * ridge regression on a linear-teacher data set (papers.md §5(i)), to read beside the simulated
 * `test_error` (test-error probe) or `ridge_test_error` (closed-form-ridge) in the same stream:
 *   `ridge_theory`               predicted test error: [λ*²β*ᵀ(Σ+λ*)⁻²Σβ* + σ²df₂]/(1 − df₂) + σ_eval²
 *   `ridge_theory_bias`, `ridge_theory_variance`, `ridge_theory_lambda_star` (λ*), `ridge_theory_df2`
 *   `ridgeless_theory`           when Σ = I: σ²γ/(1−γ) (γ = d/n < 1) or r²(1 − 1/γ) + σ²/(γ−1) (γ > 1), + σ_eval²
 * σ_eval is 0 for linear-teacher's default noiseless held-out labels, so the predictions are the
 * excess risk. The theory is of the estimator β̂ on raw inputs (model linear-features); computed
 * once, repeated at every measurement.
 */
export const ridgeTheoryProbe = defineProbe({
  id: 'ridge-theory',
  description: 'Deterministic-equivalent ridge risk (λ* fixed point, df₂) and the isotropic ridgeless formula for a linear-teacher data set (papers.md §5(i))',
  options: type({
    /** λ ≥ 0 in (1/n)‖y − Xβ‖² + λ‖β‖², or `from-study` (default): the λ the study's optimizer converges to. */
    lambda: lambdaOption,
  }),
  create: (options, context) => {
    let report: RidgeTheoryReport | undefined;
    return sampledProbe(context.every, (event, emit) => {
      report ??= ridgeTheoryReport(requireLinearTeacher(event.state.data), resolveLambda(options.lambda, event.state, context.spec));
      const { theory } = report;
      emit('ridge_theory', report.testError);
      emit('ridge_theory_bias', theory.bias);
      emit('ridge_theory_variance', theory.variance);
      emit('ridge_theory_lambda_star', theory.lambdaStar);
      emit('ridge_theory_df2', theory.df2);
      if (report.ridgeless !== undefined) emit('ridgeless_theory', report.ridgeless);
    });
  },
});
