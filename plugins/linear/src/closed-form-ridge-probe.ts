import { defineProbe, type TrainingState, sampledProbe } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { allocateJacobian, formJacobian } from './jacobian.js';
import { exactExcessRisk, lambdaOption, meanSquaredError, resolveLambda } from './probe-support.js';
import { linearizedRidge } from './ridge-solver.js';

/** What the closed form gives, computed once per run. */
export interface ClosedFormRidge {
  readonly lambda: number;
  /** θ̂ (float64, length p). */
  readonly solution: Float64Array;
  readonly trainError: number;
  readonly testError: number | undefined;
  readonly excessRisk: number | undefined;
}

/**
 * Solves the ridge problem of the study exactly, from the Jacobian J at θ₀ on the training set
 * (linearizedRidge): θ̂ and the errors of the predictor f₀(x) + J(x)(θ̂ − θ₀) — for the linear
 * models of this plugin, f(θ̂; x) itself.
 */
export function solveClosedFormRidge(state: TrainingState, lambda: number): ClosedFormRidge {
  const { model, data, initialParams } = state;
  const { train } = data;
  const p = model.parameterCount;
  const n = train.n;
  const jacobian = allocateJacobian('closed-form-ridge', n, p);
  formJacobian(model, initialParams, train, jacobian);
  const f0 = new Float64Array(n);
  model.forward(initialParams, train, f0);
  const solution = new Float64Array(p);
  linearizedRidge(jacobian, n, p, initialParams, f0, train.y, lambda, solution);

  const step = new Float64Array(p);
  for (let i = 0; i < p; i++) step[i] = solution[i] - initialParams[i];
  const predictions = (inputs: typeof train): Float64Array => {
    const base = new Float64Array(inputs.n);
    const change = new Float64Array(inputs.n);
    model.forward(initialParams, inputs, base);
    model.jvp(initialParams, inputs, step, change);
    for (let i = 0; i < inputs.n; i++) base[i] += change[i];
    return base;
  };
  const trainError = meanSquaredError(predictions(train), train.y, n);
  const evaluation = data.eval;
  const testError = evaluation && evaluation.n > 0 ? meanSquaredError(predictions(evaluation), evaluation.y, evaluation.n) : undefined;
  return { lambda, solution, trainError, testError, excessRisk: exactExcessRisk(model, data, solution) };
}

function distance(a: FloatArray, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

/**
 * `probes: [{ use: closed-form-ridge, lambda: from-study }]` — the exact solution θ̂ of the ridge
 * problem (1/n)‖y − f(θ)‖² + λ‖θ‖² (papers.md §5(i)) next to what gradient descent is doing:
 * `ridge_test_error`, `ridge_train_error`, `ridge_excess_risk` (linear-features on linear-teacher)
 * and `ridge_lambda` (constant; computed on the first measurement), and at every measurement
 * `ridge_distance` = ‖θ_t − θ̂‖/‖θ̂‖ (‖θ_t − θ̂‖ when θ̂ = 0), which GD drives to 0.
 *
 * λ = `from-study` (default) is the λ of the point the study's optimizer converges to: w/(2c·n)
 * for weight decay w and the loss c·Σ(f − y)², so λ = w for `mse` mean with ½. With λ = 0 θ̂ is
 * θ₀ + J⁺(y − f₀), the fit closest to θ₀ (the minimum-norm fit for θ₀ = 0), where GD from θ₀ ends.
 * For a model that is not linear in θ, θ̂ is the solution of its linearization at θ₀ (lazy training).
 */
export const closedFormRidgeProbe = defineProbe({
  id: 'closed-form-ridge',
  description: 'Exact ridge solution θ̂ (of the linearization at θ₀): ridge_test_error, ridge_train_error, ridge_lambda, ridge_distance = ‖θ_t − θ̂‖/‖θ̂‖ (papers.md §5(i))',
  options: type({
    /** λ ≥ 0 in (1/n)‖y − f‖² + λ‖θ‖², or `from-study` (default): the λ the study's optimizer converges to. */
    lambda: lambdaOption,
  }),
  create: (options, context) => {
    let solved: ClosedFormRidge | undefined;
    let norm = 0;
    return sampledProbe(context.every, (event, emit) => {
      if (solved === undefined) {
        solved = solveClosedFormRidge(event.state, resolveLambda(options.lambda, event.state, context.spec));
        norm = Math.sqrt(solved.solution.reduce((sum, value) => sum + value * value, 0));
      }
      emit('ridge_lambda', solved.lambda);
      emit('ridge_train_error', solved.trainError);
      if (solved.testError !== undefined) emit('ridge_test_error', solved.testError);
      if (solved.excessRisk !== undefined) emit('ridge_excess_risk', solved.excessRisk);
      const gap = distance(event.state.params, solved.solution);
      emit('ridge_distance', norm > 0 ? gap / norm : gap);
    });
  },
});
