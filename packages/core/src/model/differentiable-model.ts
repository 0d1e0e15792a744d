import type { FloatArray, Rng } from '@tdlab/tensor';

/** A batch of inputs: `n` rows of `inputDim` features, row-major. */
export interface Inputs {
  readonly x: FloatArray;
  readonly n: number;
}

/** A named, contiguous slice of the flat parameter vector (a layer's weights, say). */
export interface ParameterBlock {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
  /** Logical shape, e.g. [width, inputDim] for a weight matrix stored row-major. */
  readonly shape: readonly number[];
}

/**
 * J at one θ and one batch, for many products in a row (a Lanczos run): the model may keep what the
 * forward pass computed (pre-activations, masks). Valid until the parameters change.
 */
export interface LinearizedModel {
  /** out (length n) = J·tangent. */
  jvp(tangent: FloatArray, out: FloatArray): void;
  /** out (length p) = Jᵀ·cotangent. */
  vjp(cotangent: FloatArray, out: FloatArray): void;
}

/**
 * A scalar-output model f(θ; x) with the derivative products training-dynamics studies need.
 * Parameters live in one flat typed array; every product writes into a caller-owned buffer so a
 * training loop allocates nothing per step. Implementations may keep scratch buffers sized to the
 * largest batch they have seen, but every product is a pure function of its arguments: no result
 * may depend on an earlier call (probes interleave forward passes on other inputs with kernel products).
 *
 * J is the n×p Jacobian, J_ij = ∂f(x_i)/∂θ_j.
 */
export interface DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly blocks: readonly ParameterBlock[];
  /** Draws initial parameters into `params` from `rng`. */
  initialize(rng: Rng, params: FloatArray): void;
  /** out_i = f(θ; x_i). */
  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void;
  /** Jacobian-vector product: out (length n) = J·tangent. */
  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void;
  /** Vector-Jacobian product: out (length p) = Jᵀ·cotangent. */
  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void;
  /** Hessian-vector product of a weighted sum of outputs: out = Σᵢ wᵢ ∇²fᵢ(θ)·v. */
  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void;
  /** Second directional derivative per sample: out_i = vᵀ∇²fᵢ(θ)v. */
  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void;
  /**
   * Optional: J at (params, inputs) for repeated products, like JAX's `linearize`. Must agree with
   * jvp/vjp; callers use it only while `params` and `inputs` stay unchanged.
   */
  linearize?(params: FloatArray, inputs: Inputs): LinearizedModel;
  /**
   * Optional, for networks: the names of the hidden layers whose pre-activations
   * `preactivationSparsity` reports, in order (e.g. ["hidden"] or ["layer1", "layer2", "layer3"]).
   */
  readonly hiddenLayers?: readonly string[];
  /**
   * Optional: out[l] = the fraction of non-positive pre-activations z ≤ 0 of hidden layer l over
   * all units and the n inputs (Meltzer et al.'s activation sparsity, papers.md §2; a NaN
   * pre-activation counts as not sparse). `out` has one entry per `hiddenLayers` name.
   */
  preactivationSparsity?(params: FloatArray, inputs: Inputs, out: Float64Array): void;
  /**
   * Optional: c in the model's natural gradient flow dθ/dt = −c·∇L(θ), 1 when absent. A mean-field
   * network whose output is averaged over M units (times 1/α) moves each unit by O(1/(αM)) per
   * unit of plain time; its natural time is rescaled by c = α·M (papers.md §3), so an update of
   * learning rate η advances that time by η/c. The trainer's `time` and `gradient-flow` use it.
   */
  readonly timeScale?: number;
  /**
   * Optional: frees what the model holds outside the JavaScript heap (buffers in the WASM kernels'
   * memory). The trainer calls it once the run's stream has ended; the model is not used afterwards.
   */
  dispose?(): void;
}
