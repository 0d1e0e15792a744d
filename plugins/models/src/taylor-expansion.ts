import type { DifferentiableModel, Inputs, LinearizedModel, ParameterBlock } from '@tdlab/core';
import { allocate, type FloatArray, type Precision, type Rng } from '@tdlab/tensor';
import { checkInputs, checkLength } from './internal.js';

/**
 * When a wrapper takes its expansion point θ₀:
 * - `initialize`: the parameters its `initialize` draws (through the base, from the same rng, so
 *   θ₀ is the bare network's initialization);
 * - `first-call`: the parameters of the first product called after `initialize` (or ever). The
 *   trainer's first call is the forward pass at the final θ₀, after any `initialParameters` file
 *   has overwritten the drawn values, so this is the mode for loaded parameters.
 * Either way, a product called before any θ₀ is set takes its own parameters as θ₀, and
 * `expandAt(θ₀)` sets it explicitly.
 */
export type ExpansionAnchor = 'initialize' | 'first-call';

export interface TaylorExpansionOptions {
  /** When θ₀ is taken (default `initialize`). */
  readonly anchor?: ExpansionAnchor;
  /** Precision of the wrapper's scratch vectors (Δ = θ − θ₀, …); default float64. */
  readonly precision?: Precision;
}

/** What is constant at θ₀ for one batch of inputs: f₀ = f(θ₀; X) and J₀ = J(θ₀; X). */
export interface ExpansionBatch {
  /** The batch the entry is for (a copy of X, exact and of the same array type). Valid until the next call. */
  readonly inputs: Inputs;
  /** f(θ₀; x_k), in float64. */
  readonly f0: Float64Array;
  /** J₀ on this batch: the base's `linearize(θ₀, X)`, or its jvp/vjp at θ₀. */
  readonly linear: LinearizedModel;
}

/**
 * What the linearized and quadratic wrappers share: a base model, the expansion point θ₀ and, per
 * batch of inputs, what is constant at θ₀ (f₀ and J₀). A wrapper has the base's parameters
 * (same count, same blocks, same initialization), so the trainer, optimizers and probes see the
 * same θ for the network and for its expansions.
 *
 * Cache: one batch at a time (the training batch, in a run). The key is the values of X (and n and
 * its array type), compared in O(n·d) per call, never the array's identity. A miss recomputes f₀
 * and relinearizes the base at θ₀: one primal pass of the base.
 *
 * The wrapper owns its base: it calls `base.linearize`, whose result the base reuses on its next
 * `linearize`, so a base must not be shared between wrappers or used for linearizations elsewhere.
 */
export abstract class TaylorExpansion implements DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly blocks: readonly ParameterBlock[];
  readonly anchor: ExpansionAnchor;
  protected readonly precision: Precision;
  private theta0: FloatArray | undefined;
  private readonly cache: BatchCache;
  /** Δ = θ − θ₀ of the last call (scratch). */
  private readonly deltaBuffer: FloatArray;

  constructor(
    readonly base: DifferentiableModel,
    protected readonly name: string,
    options: TaylorExpansionOptions = {},
  ) {
    this.parameterCount = base.parameterCount;
    this.inputDim = base.inputDim;
    this.blocks = base.blocks;
    this.anchor = options.anchor ?? 'initialize';
    this.precision = options.precision ?? 'float64';
    this.deltaBuffer = allocate(this.precision, this.parameterCount);
    this.cache = new BatchCache(base);
  }

  /** θ₀ drawn by the base from `rng`: the bare network's initialization, bit for bit. */
  initialize(rng: Rng, params: FloatArray): void {
    this.base.initialize(rng, params);
    if (this.anchor === 'initialize') this.expandAt(params);
    else this.clear();
  }

  /** Sets the expansion point θ₀ (copied, in the array type given) and drops what was cached at the old one. */
  expandAt(theta0: FloatArray): void {
    checkLength(this.name, 'theta0', theta0, this.parameterCount);
    const own = theta0 instanceof Float32Array ? new Float32Array(this.parameterCount) : new Float64Array(this.parameterCount);
    own.set(theta0.subarray(0, this.parameterCount));
    this.theta0 = own;
    this.cache.valid = false;
  }

  /** The expansion point, or undefined until it is set (see ExpansionAnchor). Do not modify it. */
  get origin(): FloatArray | undefined {
    return this.theta0;
  }

  private clear(): void {
    this.theta0 = undefined;
    this.cache.valid = false;
  }

  abstract forward(params: FloatArray, inputs: Inputs, out: FloatArray): void;
  abstract jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void;
  abstract vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void;
  abstract hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void;
  abstract secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void;
  abstract linearize(params: FloatArray, inputs: Inputs): LinearizedModel;

  /** Checks the shapes and returns θ₀, taking `params` as θ₀ if none is set yet. */
  protected originFor(params: FloatArray, inputs: Inputs): FloatArray {
    checkLength(this.name, 'params', params, this.parameterCount);
    checkInputs(this.name, this.inputDim, inputs);
    if (!this.theta0) this.expandAt(params);
    return this.theta0!;
  }

  /** Δ = θ − θ₀, into the wrapper's scratch vector. */
  protected delta(params: FloatArray, theta0: FloatArray): FloatArray {
    const delta = this.deltaBuffer;
    for (let j = 0; j < this.parameterCount; j++) delta[j] = params[j] - theta0[j];
    return delta;
  }

  /**
   * f₀ and J₀ on this batch at θ₀, from the cache when θ₀ (the wrapper's own array, replaced, never
   * changed in place) and X (values, n, array type) are the cached ones.
   */
  protected batch(theta0: FloatArray, inputs: Inputs): ExpansionBatch {
    const { n, x } = inputs;
    const length = n * this.inputDim;
    const cache = this.cache;
    const sameKind = cache.inputs.x instanceof Float32Array === x instanceof Float32Array;
    if (cache.valid && cache.theta0 === theta0 && cache.inputs.n === n && sameKind) {
      const own = cache.inputs.x;
      let j = 0;
      while (j < length && own[j] === x[j]) j++;
      if (j === length) return cache;
    }
    // A miss: copy X (so a later in-place change of X is seen as a new batch), then f₀ and J₀.
    cache.valid = false;
    cache.inputs.x = copyInto(x, length, cache.inputs.x);
    cache.inputs.n = n;
    if (cache.f0.length < n) cache.f0 = new Float64Array(n);
    this.base.forward(theta0, cache.inputs, cache.f0);
    cache.theta0 = theta0;
    cache.linear = this.base.linearize?.(theta0, cache.inputs) ?? cache.fallback;
    cache.valid = true;
    return cache;
  }
}

/** The per-batch cache of a TaylorExpansion; its buffers grow to the largest batch seen. */
class BatchCache implements ExpansionBatch {
  valid = false;
  readonly inputs: { x: FloatArray; n: number } = { x: new Float64Array(0), n: 0 };
  f0 = new Float64Array(0);
  theta0: FloatArray = new Float64Array(0);
  linear: LinearizedModel;
  /** J₀ through the base's jvp/vjp at θ₀, for a base without `linearize`. */
  readonly fallback: LinearizedModel;

  constructor(base: DifferentiableModel) {
    this.fallback = {
      jvp: (tangent, out) => base.jvp(this.theta0, this.inputs, tangent, out),
      vjp: (cotangent, out) => base.vjp(this.theta0, this.inputs, cotangent, out),
    };
    this.linear = this.fallback;
  }
}

/**
 * Copies source[0, length) into `into` when it has the same array type and room, else into a new
 * array of the source's type (exact either way); returns the array written.
 */
export function copyInto(source: FloatArray, length: number, into: FloatArray): FloatArray {
  const target =
    into.length >= length && into instanceof Float32Array === source instanceof Float32Array
      ? into
      : source instanceof Float32Array
        ? new Float32Array(length)
        : new Float64Array(length);
  target.set(source.subarray(0, length));
  return target;
}
