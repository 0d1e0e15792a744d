import type { FloatArray } from '@tdlab/tensor';

/** Updates parameters in place from a gradient and a learning rate. */
export interface Optimizer {
  /** Minibatch size; undefined means full batch (every step sees the whole training set). */
  readonly batchSize?: number;
  /** Fills `out` (length batchSize) with the training-row indices of this step's minibatch. */
  selectBatch?(step: number, n: number, out: Int32Array): void;
  /** θ ← update(θ, ∇L, η). `step` counts updates from 0. */
  update(params: FloatArray, gradient: FloatArray, lr: number, step: number): void;
}
