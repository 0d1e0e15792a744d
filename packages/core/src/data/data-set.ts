import type { FloatArray } from '@tdlab/tensor';
import type { Inputs } from '../model/differentiable-model.js';

/** Inputs with one scalar target per row. */
export interface LabeledInputs extends Inputs {
  readonly y: FloatArray;
}

/** A training set and, optionally, a held-out evaluation set with the same input dimension. */
export interface DataSet {
  readonly inputDim: number;
  readonly train: LabeledInputs;
  readonly eval?: LabeledInputs;
}
