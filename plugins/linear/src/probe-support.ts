import type { DataSet, DifferentiableModel, LabeledInputs, StudySpec, TrainingState } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { FeatureModel } from './feature-model.js';
import { isLinearTeacherDataSet } from './linear-teacher.js';

/**
 * The `lambda:` option of the ridge probes: λ ≥ 0 in papers.md §5(i)'s normalization
 * (1/n)‖y − f‖² + λ‖θ‖², or `from-study`: the λ whose minimizer is the fixed point of the study's
 * own training, L(θ) + (w/2)‖θ‖² with w the optimizer's `weightDecay` (studyRidgeLambda).
 */
export const lambdaOption = "number >= 0 | 'from-study' = 'from-study'";

/**
 * The ridge λ that the study's training converges to. The optimizer (gd, sgd) steps along
 * ∇L + wθ, the gradient of L + (w/2)‖θ‖². For L = c·Σ(fᵢ − yᵢ)² (any mse normalization, read off the
 * loss's curvature ∂²L/∂fᵢ² = 2c) that is c·n·[(1/n)‖y − f‖² + (w/(2cn))‖θ‖²], so λ = w/(2c·n):
 * λ = w exactly for `mse` with `reduction: mean, half: true`.
 */
export function studyRidgeLambda(state: TrainingState, spec: StudySpec): number {
  const { train } = state.data;
  const decay = (spec.optimizer as { readonly weightDecay?: unknown }).weightDecay;
  const weightDecay = typeof decay === 'number' ? decay : 0;
  if (weightDecay === 0) return 0;
  const curvature = new Float64Array(train.n);
  state.loss.curvature(state.outputs, train.y, train.n, curvature);
  const twiceC = curvature[0];
  for (let i = 1; i < train.n; i++) {
    if (Math.abs(curvature[i] - twiceC) > 1e-12 * Math.abs(twiceC)) {
      throw new Error(`lambda: from-study needs a loss with constant curvature (mse); the study's loss "${state.loss.convention}" is not`);
    }
  }
  return weightDecay / (twiceC * train.n);
}

export function resolveLambda(option: number | 'from-study', state: TrainingState, spec: StudySpec): number {
  return option === 'from-study' ? studyRidgeLambda(state, spec) : option;
}

/** (1/n)Σ(fᵢ − yᵢ)²: the test error of papers.md §5–6 (mean, no ½), whatever the study's loss normalization. */
export function meanSquaredError(outputs: FloatArray, targets: FloatArray, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = outputs[i] - targets[i];
    sum += r * r;
  }
  return sum / n;
}

/** The held-out split, or a clear error naming the probe and the fix. */
export function requireEval(probe: string, data: DataSet): LabeledInputs {
  const evaluation = data.eval;
  if (evaluation === undefined || evaluation.n === 0) {
    throw new Error(`${probe}: the data set has no held-out split; add eval: { n: … } to the data section`);
  }
  return evaluation;
}

/**
 * ‖θ − β*‖²_Σ = E_x(⟨θ, x⟩ − ⟨β*, x⟩)², the exact excess risk, when the model is `linear-features`
 * (f = ⟨θ, x⟩) and the data set states β* and Σ (linear-teacher); undefined otherwise.
 */
export function exactExcessRisk(model: DifferentiableModel, data: DataSet, params: ArrayLike<number>): number | undefined {
  if (!(model instanceof FeatureModel) || !model.map.identity || !isLinearTeacherDataSet(data)) return undefined;
  const { teacher, covariance } = data;
  if (teacher.length !== model.parameterCount) return undefined;
  let sum = 0;
  for (let j = 0; j < teacher.length; j++) {
    const e = params[j] - teacher[j];
    sum += covariance[j] * e * e;
  }
  return sum;
}
