import type { FloatArray } from '@tdlab/tensor';

/** Updates parameters in place from a gradient and a learning rate. */
export interface Optimizer {
  /** Minibatch size; undefined means full batch (every step sees the whole training set). */
  readonly batchSize?: number;
  /** Fills `out` (length batchSize) with the training-row indices of this step's minibatch. */
  selectBatch?(step: number, n: number, out: Int32Array): void;
  /**
   * Set by an optimizer that chooses its own step instead of taking one from a schedule
   * (`gradient-flow`: η = dt·timeScale, the learning rate of the explicit-Euler step of the same
   * size). A study with such an optimizer has no `schedule:`; the trainer reports this rate at every step.
   */
  readonly fixedLearningRate?: number;
  /** θ ← update(θ, ∇L, η). `step` counts updates from 0. */
  update(params: FloatArray, gradient: FloatArray, lr: number, step: number): void;
}
