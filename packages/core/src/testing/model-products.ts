import type { FloatArray } from '@tdlab/tensor';
import type { DifferentiableModel, Inputs } from '../model/differentiable-model.js';

/** The products of a model on fixed inputs, each returning a new Float64Array: easier to compare in a test than caller-owned buffers. */
export interface ModelProducts {
  /** f(θ; x_k), length n. */
  forward(params: FloatArray): Float64Array;
  /** J·tangent, length n. */
  jvp(params: FloatArray, tangent: FloatArray): Float64Array;
  /** Jᵀ·cotangent, length p. */
  vjp(params: FloatArray, cotangent: FloatArray): Float64Array;
  /** Σ_k w_k ∇²f_k·vector, length p. */
  hvp(params: FloatArray, weights: FloatArray, vector: FloatArray): Float64Array;
  /** vectorᵀ∇²f_k·vector, length n. */
  secondDirectional(params: FloatArray, vector: FloatArray): Float64Array;
}

/** The members of a DifferentiableModel the products need: a model, or an object standing in for some of its products. */
export type DerivativeProducts = Pick<DifferentiableModel, 'parameterCount' | 'forward' | 'jvp' | 'vjp' | 'hvp' | 'secondDirectional'>;

/** `model`'s products on `inputs`, allocating their results (for tests, not for training loops). */
export function modelProducts(model: DerivativeProducts, inputs: Inputs): ModelProducts {
  const n = inputs.n;
  const p = model.parameterCount;
  return {
    forward(params) {
      const out = new Float64Array(n);
      model.forward(params, inputs, out);
      return out;
    },
    jvp(params, tangent) {
      const out = new Float64Array(n);
      model.jvp(params, inputs, tangent, out);
      return out;
    },
    vjp(params, cotangent) {
      const out = new Float64Array(p);
      model.vjp(params, inputs, cotangent, out);
      return out;
    },
    hvp(params, weights, vector) {
      const out = new Float64Array(p);
      model.hvp(params, inputs, weights, vector, out);
      return out;
    },
    secondDirectional(params, vector) {
      const out = new Float64Array(n);
      model.secondDirectional(params, inputs, vector, out);
      return out;
    },
  };
}
