import type { DifferentiableModel, Inputs } from '@tdlab/core';
import { TwoLayerModel } from '@tdlab/plugin-models';
import { allocate, type FloatArray, type Precision, Rng } from '@tdlab/tensor';

/** Shapes of W2 and W3: input dimension d, width m, batch n (issue 3). */
export function twoLayerShape(quick: boolean): { d: number; m: number; n: number } {
  return quick ? { d: 16, m: 256, n: 64 } : { d: 64, m: 4096, n: 512 };
}

export interface TwoLayerProblem {
  readonly model: DifferentiableModel;
  readonly inputs: Inputs;
  /** Targets y, N(0, 1). */
  readonly y: FloatArray;
  /** Initial parameters θ₀ = [U (m×d, row-major), v (m)]. */
  readonly theta: FloatArray;
  readonly shape: { d: number; m: number; n: number };
}

/** Round to a multiple of 1/16 (see below). */
function quantize(array: FloatArray): void {
  for (let i = 0; i < array.length; i++) array[i] = Math.round(array[i] * 16) / 16;
}

/**
 * The ReLU net of W2 and W3 with its data, from fixed seeds: θ₀ from the model's own
 * initialization (U, v ~ N(0, 1)), inputs x ~ N(0, I_d), targets y ~ N(0, 1).
 *
 * U and x are rounded to multiples of 1/16. Then every product uᵢⱼxₖⱼ is a multiple of 1/256 and
 * every pre-activation uᵢ·xₖ/√d (√d = 8 or 4 is a power of two) is computed exactly, in float32
 * too, whatever the summation order. Both implementations therefore see the same ReLU masks:
 * otherwise a pre-activation within rounding of 0 can flip a mask, a jump in the gradient that no
 * tolerance covers (with 2 M pre-activations in float32 that is a real chance, not a curiosity).
 */
export function twoLayerProblem(precision: Precision, quick: boolean): TwoLayerProblem {
  const shape = twoLayerShape(quick);
  const { d, m, n } = shape;
  const rng = new Rng(3);
  const model = new TwoLayerModel({ width: m, inputDim: d, activation: 'relu', precision });
  const theta = allocate(precision, model.parameterCount);
  model.initialize(rng.derive('params'), theta);
  quantize(theta.subarray(0, m * d));
  const x = allocate(precision, n * d);
  rng.derive('x').fillNormal(x);
  quantize(x);
  const y = allocate(precision, n);
  rng.derive('y').fillNormal(y);
  return { model, inputs: { x, n }, y, theta, shape };
}
