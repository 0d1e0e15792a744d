import { allocate, axpy, type FloatArray } from '@tdlab/tensor';
import { type Workload, maxRelativeError } from './harness.js';
import { twoLayerProblem } from './two-layer-setup.js';

/** Learning rate of the step; it only sets how far θ moves (the time does not depend on it). */
const ETA = 0.1;

/**
 * W2: one full-batch gradient-descent step of the two-layer ReLU net on L = ½·Σₖ(f(xₖ) − yₖ)²:
 * forward f, residual r = ∂L/∂f = f − y, gradient g = Jᵀr (one VJP), update θ ← θ − η·g.
 */
export const w2GdStep: Workload = {
  id: 'W2',
  title: (quick) => (quick ? 'W2 GD step d=16 m=256 n=64' : 'W2 GD step d=64 m=4096 n=512'),
  target: 1.0,
  // Measured on the updated θ relative to the step: max |Δθ₁| / max |θ₁ − θ₀|, so an error in the
  // gradient counts fully, not diluted by the size of θ.
  tolerance: { float64: 1e-10, float32: 1e-4 },
  script: 'w2_gd_step.py',
  prepare(precision, quick) {
    const { model, inputs, y, theta: theta0, shape } = twoLayerProblem(precision, quick);
    const { n } = inputs;
    const theta = allocate(precision, model.parameterCount);
    const f = allocate(precision, n);
    const r = allocate(precision, n);
    const g = allocate(precision, model.parameterCount);
    return {
      meta: { ...shape, eta: ETA },
      inputs: { x: inputs.x, y, theta: theta0 },
      reset: () => {
        // Evict the model's primal cache (keyed on the values of U and X), so every timed step
        // computes Z = X Uᵀ/√d afresh, as a step at new parameters does: resetting θ to θ₀ alone
        // would let the model reuse the Z of the previous run's θ₀.
        theta.set(theta0);
        theta[0] += 1;
        model.forward(theta, inputs, f);
        theta.set(theta0);
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
