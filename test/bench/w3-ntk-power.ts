import type { LinearizedModel } from '@tdlab/core';
import { allocate, copy, dot, type FloatArray, norm2, Rng, scale } from '@tdlab/tensor';
import { type Workload, maxRelativeError } from './harness.js';
import { twoLayerProblem } from './two-layer-setup.js';

const ITERATIONS = 20;

/**
 * W3: top eigenvalue of the NTK K = J·Jᵀ (n×n) of the W2 net and data, by 20 matrix-free power
 * iterations b ← K·b/‖K·b‖ from a fixed random start, each K·b = J(Jᵀb) (one VJP, one JVP).
 * The estimate is the last Rayleigh quotient bᵀKb (b of unit norm). The model's `linearize` is
 * used, once for all 20 iterations, when it has one; otherwise plain jvp/vjp calls.
 */
export const w3NtkPower: Workload = {
  id: 'W3',
  title: (quick) => (quick ? 'W3 NTK λmax, 20 power its, small' : 'W3 NTK λmax, 20 power its'),
  target: 1.0,
  // Relative error of the eigenvalue estimate.
  tolerance: { float64: 1e-6, float32: 1e-3 },
  script: 'w3_ntk_power.py',
  prepare(precision, quick) {
    const { model, inputs, theta, shape } = twoLayerProblem(precision, quick);
    const { n } = inputs;
    const start = allocate(precision, n);
    new Rng(3).derive('start').fillNormal(start);
    const b = allocate(precision, n);
    const kb = allocate(precision, n);
    const jtb = allocate(precision, model.parameterCount);
    const estimate = allocate(precision, 1);
    return {
      meta: { ...shape, iterations: ITERATIONS },
      inputs: { x: inputs.x, theta, start },
      reset: () => b.set(start),
      run: () => {
        const linear: LinearizedModel = model.linearize?.(theta, inputs) ?? {
          jvp: (tangent, out) => model.jvp(theta, inputs, tangent, out),
          vjp: (cotangent, out) => model.vjp(theta, inputs, cotangent, out),
        };
        scale(1 / norm2(b), b);
        let lambda = 0;
        for (let it = 0; it < ITERATIONS; it++) {
          linear.vjp(b, jtb);
          linear.jvp(jtb, kb);
          lambda = dot(b, kb);
          copy(kb, b);
          scale(1 / norm2(kb), b);
        }
        estimate[0] = lambda;
      },
      result: () => estimate,
      error: (ours: FloatArray, theirs: FloatArray) => maxRelativeError(ours, theirs),
    };
  },
};
