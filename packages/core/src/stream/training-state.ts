import type { FloatArray } from '@tdlab/tensor';
import type { DataSet } from '../data/data-set.js';
import type { Loss } from '../loss/loss.js';
import type { DifferentiableModel } from '../model/differentiable-model.js';

/**
 * A read-only view of the trainer's state at one step. The arrays are the trainer's own buffers:
 * valid only during the synchronous emission of the step event, never to be written. A probe that
 * needs a value later copies it.
 */
export interface TrainingState {
  readonly model: DifferentiableModel;
  readonly loss: Loss;
  readonly data: DataSet;
  /** θ_t. */
  readonly params: FloatArray;
  /** θ₀. */
  readonly initialParams: FloatArray;
  /** f(θ_t; x_i) on the training set. */
  readonly outputs: FloatArray;
  /**
   * The model's natural time at this step: Σ η_s/c over the updates so far, with c the model's
   * `timeScale` (1 when it has none). For gradient descent on a mean-field network this is the
   * mean-field time of papers.md §3; for `gradient-flow` it is step·dt.
   */
  readonly time: number;
  /** The gradient the update of this step uses; undefined on the last event. */
  readonly gradient: FloatArray | undefined;
  /** λ₀, the top eigenvalue of the loss-matched NTK at initialization, when the run measured it. */
  readonly lambda0: number | undefined;
  /**
   * Top-k eigenvalues (descending; at most n of them) of the loss-matched NTK D^½ J Jᵀ D^½ at θ_t on
   * the training set, by matrix-free Lanczos. Cached per step for the largest k asked, so several
   * probes asking cost one computation.
   */
  ntkTopEigenvalues(k: number): Float64Array;
  /**
   * In a study with `arms:`, the state of every arm live at this step (the model first), by arm
   * name, for probes that compare arms; each is at the same step as this one. An arm that has
   * stopped (diverged, converged) is absent from the steps after its last. Undefined without arms.
   */
  readonly arms?: ReadonlyMap<string, TrainingState>;
}
