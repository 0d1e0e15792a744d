import type { Inputs } from '@tdlab/core';
import { MlpModel } from '@tdlab/plugin-models';
import { allocate, axpy, type FloatArray, type Precision, Rng } from '@tdlab/tensor';
import { type Workload, maxRelativeError } from './harness.js';

/** Learning rate of the step; it only sets how far θ moves (the time does not depend on it). */
const ETA = 0.01;

/** Shape of W5 (issue 3): input dimension d, hidden width and depth, batch n. */
export function mlpShape(quick: boolean): { d: number; width: number; depth: number; n: number } {
  return quick ? { d: 64, width: 64, depth: 3, n: 32 } : { d: 784, width: 512, depth: 3, n: 512 };
}

/** Round to a multiple of 1/grid (see below). */
function quantize(array: FloatArray, grid: number): void {
  for (let i = 0; i < array.length; i++) array[i] = Math.round(array[i] * grid) / grid;
}

export interface MlpProblem {
  readonly model: MlpModel;
  readonly inputs: Inputs;
  readonly y: FloatArray;
  readonly theta: FloatArray;
  readonly shape: ReturnType<typeof mlpShape>;
}

/**
 * The net and data of W5, from fixed seeds: a 3-hidden-layer ReLU MLP in standard parameterization
 * with biases (z^l = W^l h^{l−1} + b^l, W^l ~ N(0, 2/fan_in), b^l = 0: He initialization, the critical
 * point for ReLU), inputs x ~ N(0, I_d), targets y ~ N(0, 1).
 *
 * The weights are rounded to multiples of 1/64 and x to multiples of 1/4, so that every
 * pre-activation of both implementations is computed exactly, in float32 too, whatever the
 * summation order: z¹ is a multiple of 2⁻⁸, z² of 2⁻¹⁴ and z³ of 2⁻²⁰, and with |z| (and every
 * partial sum) below 16 each needs at most 24 significant bits. Both sides therefore see the same
 * ReLU masks; a pre-activation within rounding of 0 on different sides of the kink would be a jump
 * in the gradient no tolerance covers (see README.md, W2). The multiplier of the standard
 * parameterization is 1, so nothing else rounds before the masks.
 */
export function mlpProblem(precision: Precision, quick: boolean): MlpProblem {
  const shape = mlpShape(quick);
  const { d, width, depth, n } = shape;
  const rng = new Rng(5);
  const model = new MlpModel({
    inputDim: d,
    widths: Array.from({ length: depth }, () => width),
    activation: 'relu',
    parameterization: 'standard',
    bias: true,
    precision,
  });
  const theta = allocate(precision, model.parameterCount);
  model.initialize(rng.derive('params'), theta);
  quantize(theta, 64);
  const x = allocate(precision, n * d);
  rng.derive('x').fillNormal(x);
  quantize(x, 4);
  const y = allocate(precision, n);
  rng.derive('y').fillNormal(y);
  return { model, inputs: { x, n }, y, theta, shape };
}

/**
 * W5: one full-batch gradient-descent step of the 3-hidden-layer ReLU MLP on L = ½·Σₖ(f(xₖ) − yₖ)²:
 * forward f, residual r = f − y, gradient g = Jᵀr (one VJP: backpropagation), θ ← θ − η·g.
 */
export const w5MlpStep: Workload = {
  id: 'W5',
  title: (quick) => (quick ? 'W5 MLP GD step 3×64 d=64 n=32' : 'W5 MLP GD step 3×512 d=784 n=512'),
  target: 1.0,
  // As W2: max |Δθ₁| / max |θ₁ − θ₀|, relative to the step.
  tolerance: { float64: 1e-10, float32: 1e-4 },
  script: 'w5_mlp_step.py',
  prepare(precision, quick) {
    const { model, inputs, y, theta: theta0, shape } = mlpProblem(precision, quick);
    const { n } = inputs;
    const theta = allocate(precision, model.parameterCount);
    const f = allocate(precision, n);
    const r = allocate(precision, n);
    const g = allocate(precision, model.parameterCount);
    const evict = { x: inputs.x, n: 1 };
    return {
      meta: { ...shape, eta: ETA },
      inputs: { x: inputs.x, y, theta: theta0 },
      reset: () => {
        theta.set(theta0);
        // Evict the model's primal cache (a forward on a one-row batch): the timed step must not
        // find the pre-activations at θ₀ from the previous run's vjp, since in training every step
        // starts from a θ the model has not seen, and numpy recomputes them too.
        model.forward(theta, evict, f);
      },
      run: () => {
        model.forward(theta, inputs, f);
        for (let k = 0; k < n; k++) r[k] = f[k] - y[k];
        model.vjp(theta, inputs, r, g);
        axpy(-ETA, g, theta);
      },
      result: () => theta,
      error: (ours: FloatArray, theirs: FloatArray) => maxRelativeError(ours, theirs, theta0),
    };
  },
};
