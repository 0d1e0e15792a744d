import type { DifferentiableModel, Inputs, LinearizedModel, ParameterBlock } from '@tdlab/core';
import { activationPass, allocate, type FloatArray, gemm, gemmActivation, gemv, KernelWorkspace, type Precision, type Rng } from '@tdlab/tensor';
import { Activation, type ActivationName } from './activation.js';
import { criticalWeightVariance } from './critical-initialization.js';
import { checkInputs, checkLength } from './internal.js';
import { type LayerScaling, type ParameterizationName, parameterizations } from './mlp-parameterization.js';

export interface MlpModelOptions {
  /** Input dimension d. */
  readonly inputDim: number;
  /** Hidden widths n_1, …, n_L (at least one layer). */
  readonly widths: readonly number[];
  readonly activation?: ActivationName;
  /** Negative-side slope of leaky ReLU (default 0.01); ignored by the other activations. */
  readonly leakySlope?: number;
  /** Default 'ntk'. See mlp-parameterization.ts for the exact table. */
  readonly parameterization?: ParameterizationName;
  /** Whether layers have biases (default false). */
  readonly bias?: boolean;
  /** σ_w²; default: on the critical line for the activation and σ_b² (critical-initialization.ts). */
  readonly weightVariance?: number;
  /** σ_b²; default 0.05 for tanh with biases, else 0. Must be 0 without biases. */
  readonly biasVariance?: number;
  /**
   * The multiplier table itself (L + 1 rows, readout last), overriding `parameterization`: for
   * parameterizations that are not built in.
   */
  readonly scalings?: readonly LayerScaling[];
  /** Precision of the scratch buffers (activations); default float64. */
  readonly precision?: Precision;
}

const NAME = 'mlp';

/**
 * One layer's geometry and scaling (layers 0 … L − 1 hidden, L the readout). A class, not an object
 * literal: a double read from a literal's field and passed to a function (gemm's alpha) is boxed,
 * 16 B per call, while the constructor-assigned fields of a class instance are passed as they are
 * (measured with V8 in Node 20); for the same reason 2a is a field, not computed at the call.
 */
class Layer {
  readonly twiceWeightMultiplier: number;

  constructor(
    readonly fanIn: number,
    readonly fanOut: number,
    readonly weightOffset: number,
    /** −1 without biases. */
    readonly biasOffset: number,
    readonly weightMultiplier: number,
    readonly biasMultiplier: number,
  ) {
    this.twiceWeightMultiplier = 2 * weightMultiplier;
  }
}

/**
 * Per-layer matrices n × width_l that grow (never shrink) to the largest batch seen. They live in
 * the model's KernelWorkspace, inside the gemm kernels' memory, so gemm uses them in place.
 */
class LayerScratch {
  private capacity = -1;
  private buffers: FloatArray[] = [];

  constructor(
    private readonly workspace: KernelWorkspace,
    private readonly precision: Precision,
    private readonly widths: readonly number[],
  ) {}

  ensure(n: number): readonly FloatArray[] {
    if (n > this.capacity) {
      for (const buffer of this.buffers) this.workspace.free(buffer);
      this.buffers = this.widths.map((width) => this.workspace.allocate(this.precision, n * width));
      this.capacity = n;
    }
    return this.buffers;
  }
}

/**
 * An exact copy of a caller's array (θ or X) in the kernels' memory, of the caller's own array type
 * (so the copy is exact and gemm sees the same values and types as it would with the original),
 * reallocated only when the type changes or the length grows.
 */
class ResidentCopy {
  array: FloatArray | undefined;

  constructor(private readonly workspace: KernelWorkspace) {}

  /** Makes `array` hold source[0, length) and returns it. */
  copy(source: FloatArray, length: number): FloatArray {
    const array = this.ensure(source instanceof Float64Array, length);
    copyInto(source, array, length);
    return array;
  }

  ensure(double: boolean, length: number): FloatArray {
    let array = this.array;
    if (array === undefined || array instanceof Float64Array !== double || array.length < length) {
      if (array) this.workspace.free(array);
      array = this.workspace.allocate(double ? 'float64' : 'float32', length);
      this.array = array;
    }
    return array;
  }
}

/** The primal quantities every product starts from: H^l = φ(Z^l) and S^l = φ'(Z^l) per hidden layer. */
interface Primal {
  readonly values: readonly FloatArray[];
  readonly slopes: readonly FloatArray[];
}

/**
 * Multilayer perceptron with L hidden layers and a scalar readout (see mlp-parameterization.ts):
 *
 *   z^l = a_l W^l h^{l−1} + β_l b^l  (l = 1 … L + 1),   h^0 = x,   h^l = φ(z^l),   f(x) = z^{L+1}.
 *
 * Parameters are one flat vector of per-layer blocks `layer1.weight` [n_1, d], `layer1.bias` [n_1],
 * …, `readout.weight` [1, n_L], `readout.bias` [1] (biases only when enabled), weights row-major
 * (row i holds unit i's incoming weights).
 *
 * For a batch X (n×d, row-major) every product is a sequence of gemms over the batch: the primal
 * pass Z^l = a_l H^{l−1} W^lᵀ (+ bias) keeps H^l and S^l = φ'(Z^l) for each hidden layer, and
 *
 * - jvp: forward tangents Ż^l = a_l (Ḣ^{l−1} W^lᵀ + H^{l−1} δW^lᵀ) + β_l δb^l, Ḣ^l = S^l ⊙ Ż^l;
 * - vjp: backpropagation, Δ^{L+1} = g, ∇W^l = a_l Δ^lᵀ H^{l−1}, ∇b^l = β_l 1ᵀΔ^l,
 *   Δ^{l−1} = (a_l Δ^l W^l) ⊙ S^{l−1};
 * - hvp: Pearlmutter's R-operator applied to that backward pass with g = w (forward-over-reverse):
 *   the tangents Ḣ^l, Ṡ^l = φ''(Z^l) ⊙ Ż^l, then Δ̇^{L+1} = 0, ∇̇W^l = a_l (Δ̇^lᵀ H^{l−1} + Δ^lᵀ Ḣ^{l−1}),
 *   ∇̇b^l = β_l 1ᵀΔ̇^l, Δ̇^{l−1} = a_l (Δ̇^l W^l + Δ^l δW^l) ⊙ S^{l−1} + (a_l Δ^l W^l) ⊙ Ṡ^{l−1}. Exact,
 *   and nothing p×p is formed;
 * - secondDirectional: second-order forward mode, Z̈^l = a_l (Ḧ^{l−1} W^lᵀ + 2 Ḣ^{l−1} δW^lᵀ),
 *   Ḧ^l = S^l ⊙ Z̈^l + φ''(Z^l) ⊙ (Ż^l)², out = Z̈^{L+1}.
 *
 * φ'' is 0 for the piecewise-linear activations (their terms are skipped) and −2φφ' for tanh.
 *
 * Primal cache: H and S depend only on the hidden layers' parameters and X, and the trainer calls
 * forward then vjp at the same θ. The model keeps exact copies of θ and X (in their own array
 * types, inside the gemm kernels' memory, where every product's gemms read them in place) and
 * reuses the primal when a call has the same n, array types and values of θ's hidden blocks and X
 * (as TwoLayerModel does): every product stays a pure function of its arguments. All per-layer
 * matrices live in the model's KernelWorkspace too (`dispose` frees them). Nothing is allocated per
 * call once the buffers have grown to the batch (and the gemm views of an array have been made
 * once, see `weights`).
 */
export class MlpModel implements DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly widths: readonly number[];
  readonly blocks: readonly ParameterBlock[];
  readonly activation: Activation;
  /** The parameterization's name, or 'custom' when a table was given. */
  readonly parameterization: ParameterizationName | 'custom';
  readonly scalings: readonly LayerScaling[];
  readonly bias: boolean;
  readonly weightVariance: number;
  readonly biasVariance: number;
  private readonly layers: readonly Layer[];
  /** Number of hidden layers L. */
  private readonly depth: number;
  /** Parameters before the readout: the primal depends on θ[0, hiddenCount) only. */
  private readonly hiddenCount: number;
  private readonly curved: boolean;
  private readonly precision: Precision;
  private readonly maxWidth: number;
  /** H^l and S^l of the model's own primal (the cached one). */
  private readonly values: LayerScratch;
  private readonly slopes: LayerScratch;
  /** Ḣ^l per hidden layer (hvp). */
  private readonly tangents: LayerScratch;
  /** Four n × maxWidth work matrices (ping-pong pairs). */
  private readonly work: LayerScratch;
  /** n ones (resident): bias gradients are the gemv β·Δᵀ1. */
  private readonly ones: LayerScratch;
  /** a θ_w of the readout, as a float64 row (the readout's backward step). */
  private readonly readoutRow: Float64Array;
  /** Per hidden layer, β b (or β δb) as a row of the scratch precision, copied into each row of Z. */
  private readonly biasRows: readonly FloatArray[];
  /** Per array, its weight blocks as views (gemm reads from index 0). */
  private readonly weightViews = new WeakMap<FloatArray, FloatArray[]>();
  /** Per array, its bias blocks as views (empty without biases). */
  private readonly biasViews = new WeakMap<FloatArray, FloatArray[]>();
  /**
   * Exact copies of the last θ and X (in their own array types) in the kernels' memory: the primal
   * cache key (θ[0, hiddenCount) and X), and the operands every product's gemms read in place.
   */
  private readonly theta: ResidentCopy;
  private readonly inputs: ResidentCopy;
  private cachedN = -1;
  private cachedValues: FloatArray | undefined;
  /** { values, slopes } of the current scratch, remade only when the scratch grows. */
  private primalView: Primal = { values: [], slopes: [] };
  private linearization: MlpLinearization | undefined;
  private readonly workspace = new KernelWorkspace();

  constructor(options: MlpModelOptions) {
    const { inputDim, widths } = options;
    if (!Number.isSafeInteger(inputDim) || inputDim < 1) throw new RangeError(`${NAME}: inputDim must be a positive integer, got ${inputDim}`);
    if (widths.length < 1) throw new RangeError(`${NAME}: needs at least one hidden layer`);
    for (const width of widths) {
      if (!Number.isSafeInteger(width) || width < 1) throw new RangeError(`${NAME}: widths must be positive integers, got ${widths.join(', ')}`);
    }
    this.inputDim = inputDim;
    this.widths = [...widths];
    this.activation = new Activation(options.activation ?? 'relu', options.leakySlope ?? 0.01);
    this.bias = options.bias ?? false;
    const biasVariance = options.biasVariance ?? (this.bias && this.activation.name === 'tanh' ? 0.05 : 0);
    if (!(biasVariance >= 0) || !Number.isFinite(biasVariance)) throw new RangeError(`${NAME}: biasVariance must be finite and ≥ 0, got ${biasVariance}`);
    if (!this.bias && biasVariance > 0) throw new RangeError(`${NAME}: biasVariance ${biasVariance} needs bias: true`);
    this.biasVariance = biasVariance;
    this.weightVariance = options.weightVariance ?? criticalWeightVariance(this.activation.name, biasVariance, this.activation.leakySlope);
    if (!(this.weightVariance > 0) || !Number.isFinite(this.weightVariance)) {
      throw new RangeError(`${NAME}: weightVariance must be finite and > 0, got ${this.weightVariance}`);
    }
    if (options.scalings) {
      if (options.scalings.length !== widths.length + 1) {
        throw new RangeError(`${NAME}: scalings needs ${widths.length + 1} rows (one per layer and the readout), got ${options.scalings.length}`);
      }
      this.parameterization = 'custom';
      this.scalings = [...options.scalings];
    } else {
      this.parameterization = options.parameterization ?? 'ntk';
      this.scalings = parameterizations[this.parameterization]({ inputDim, widths: this.widths, weightVariance: this.weightVariance, biasVariance });
    }

    const blocks: ParameterBlock[] = [];
    const layers: Layer[] = [];
    let offset = 0;
    const fanIns = [inputDim, ...this.widths];
    const fanOuts = [...this.widths, 1];
    for (let l = 0; l < fanIns.length; l++) {
      const name = l === this.widths.length ? 'readout' : `layer${l + 1}`;
      const fanIn = fanIns[l];
      const fanOut = fanOuts[l];
      const weightOffset = offset;
      blocks.push({ name: `${name}.weight`, offset, length: fanIn * fanOut, shape: [fanOut, fanIn] });
      offset += fanIn * fanOut;
      let biasOffset = -1;
      if (this.bias) {
        biasOffset = offset;
        blocks.push({ name: `${name}.bias`, offset, length: fanOut, shape: [fanOut] });
        offset += fanOut;
      }
      const scaling = this.scalings[l];
      layers.push(new Layer(fanIn, fanOut, weightOffset, biasOffset, scaling.weightMultiplier, scaling.biasMultiplier));
    }
    this.blocks = blocks;
    this.layers = layers;
    this.parameterCount = offset;
    this.depth = this.widths.length;
    this.hiddenCount = layers[this.depth].weightOffset;
    this.curved = !this.activation.piecewiseLinear;
    this.precision = options.precision ?? 'float64';
    this.maxWidth = Math.max(...this.widths);
    this.values = new LayerScratch(this.workspace, this.precision, this.widths);
    this.slopes = new LayerScratch(this.workspace, this.precision, this.widths);
    this.tangents = new LayerScratch(this.workspace, this.precision, this.widths);
    this.work = new LayerScratch(this.workspace, this.precision, [this.maxWidth, this.maxWidth, this.maxWidth, this.maxWidth]);
    this.ones = new LayerScratch(this.workspace, this.precision, [1]);
    this.readoutRow = new Float64Array(this.maxWidth);
    this.biasRows = this.bias ? this.widths.map((width) => allocate(this.precision, width)) : [];
    this.theta = new ResidentCopy(this.workspace);
    this.inputs = new ResidentCopy(this.workspace);
  }

  /** Draws every block from its own stream `rng.derive(block name)`, so toggling biases leaves the weights unchanged. */
  initialize(rng: Rng, params: FloatArray): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l];
      const { weightStd, biasStd } = this.scalings[l];
      const name = l === this.depth ? 'readout' : `layer${l + 1}`;
      fillNormal(rng.derive(`${name}.weight`), params.subarray(layer.weightOffset, layer.weightOffset + layer.fanIn * layer.fanOut), weightStd);
      if (layer.biasOffset >= 0) fillNormal(rng.derive(`${name}.bias`), params.subarray(layer.biasOffset, layer.biasOffset + layer.fanOut), biasStd);
    }
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'out', out, n);
    const primal = this.primal(params, inputs);
    const readout = this.layers[this.depth];
    const last = primal.values[this.depth - 1];
    gemv(false, n, readout.fanIn, readout.weightMultiplier, last, this.weights(this.theta.array!)[this.depth], 0, out);
    if (readout.biasOffset >= 0) addScalar(out, n, readout.biasMultiplier, params, readout.biasOffset);
  }

  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'tangent', tangent, this.parameterCount);
    checkLength(NAME, 'out', out, inputs.n);
    const primal = this.primal(params, inputs);
    this.jvpFrom(primal, this.theta.array!, this.inputs.array!, inputs.n, tangent, out);
  }

  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    checkLength(NAME, 'cotangent', cotangent, inputs.n);
    checkLength(NAME, 'out', out, this.parameterCount);
    const primal = this.primal(params, inputs);
    this.vjpFrom(primal, this.theta.array!, this.inputs.array!, inputs.n, cotangent, out);
  }

  /**
   * out = Σ_k w_k ∇²f_k·v by forward-over-reverse (the R-operator of the backward pass, see the class
   * comment): one tangent pass storing Ḣ^l, then one backward pass carrying (Δ, Δ̇).
   */
  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'weights', weights, n);
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, this.parameterCount);
    const { values, slopes } = this.primal(params, inputs);
    const x = this.inputs.array!;
    const tangents = this.tangents.ensure(n);
    this.tangentPass(values, slopes, this.theta.array!, x, n, vector, tangents, undefined);
    const L = this.depth;
    const theta = this.weights(this.theta.array!);
    const direction = this.weights(vector);
    const grads = this.weights(out);
    const readout = this.layers[L];
    const work = this.work.ensure(n);
    const curved = this.curved;
    // Readout: ∇̇w = a wᵀ Ḣ^L (Δ̇^{L+1} = 0), ∇̇b = 0; U = a w θ_wᵀ, U̇ = a w δwᵀ.
    gemv(true, n, readout.fanIn, readout.weightMultiplier, tangents[L - 1], weights, 0, grads[L]);
    if (readout.biasOffset >= 0) out[readout.biasOffset] = 0;
    let delta = work[0];
    let deltaDot = work[1];
    this.readoutSecondBackward(weights, this.theta.array!, vector, readout, n, slopes[L - 1], values[L - 1], tangents[L - 1], delta, deltaDot);
    for (let l = L - 1; l >= 0; l--) {
      const layer = this.layers[l];
      const { fanIn, fanOut, weightMultiplier } = layer;
      const input = l === 0 ? x : values[l - 1];
      gemm(true, false, fanOut, fanIn, n, weightMultiplier, deltaDot, input, 0, grads[l]);
      if (l > 0) gemm(true, false, fanOut, fanIn, n, weightMultiplier, delta, tangents[l - 1], 1, grads[l]);
      if (layer.biasOffset >= 0) this.biasGradient(deltaDot, n, l, out);
      if (l === 0) break;
      const u = delta === work[0] ? work[2] : work[0];
      const uDot = deltaDot === work[1] ? work[3] : work[1];
      gemm(false, false, n, fanIn, fanOut, weightMultiplier, delta, theta[l], 0, u);
      gemm(false, false, n, fanIn, fanOut, weightMultiplier, deltaDot, theta[l], 0, uDot);
      gemm(false, false, n, fanIn, fanOut, weightMultiplier, delta, direction[l], 1, uDot);
      secondMask(u, uDot, slopes[l - 1], values[l - 1], tangents[l - 1], n * fanIn, curved);
      delta = u;
      deltaDot = uDot;
    }
  }

  /** out_k = vᵀ∇²f_k v by second-order forward mode (see the class comment). */
  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.check(params, inputs);
    const { n } = inputs;
    checkLength(NAME, 'vector', vector, this.parameterCount);
    checkLength(NAME, 'out', out, n);
    const { values, slopes } = this.primal(params, inputs);
    const x = this.inputs.array!;
    const theta = this.weights(this.theta.array!);
    const direction = this.weights(vector);
    const work = this.work.ensure(n);
    const curved = this.curved;
    let first: FloatArray | undefined; // Ḣ^{l−1}
    let second: FloatArray | undefined; // Ḧ^{l−1}, undefined while it is zero
    for (let l = 0; l < this.depth; l++) {
      const layer = this.layers[l];
      const { fanIn, fanOut, weightMultiplier } = layer;
      const zDot = work[l & 1];
      const zDdot = work[2 + (l & 1)];
      const input = l === 0 ? x : values[l - 1];
      gemm(false, true, n, fanOut, fanIn, weightMultiplier, input, direction[l], this.fillBias(zDot, n, vector, l), zDot);
      if (first) {
        gemm(false, true, n, fanOut, fanIn, weightMultiplier, first, theta[l], 1, zDot);
        gemm(false, true, n, fanOut, fanIn, layer.twiceWeightMultiplier, first, direction[l], 0, zDdot);
        if (second) gemm(false, true, n, fanOut, fanIn, weightMultiplier, second, theta[l], 1, zDdot);
      }
      const hasSecond = first !== undefined || curved;
      secondForward(zDot, zDdot, slopes[l], values[l], n * fanOut, first !== undefined, curved);
      first = zDot;
      second = hasSecond ? zDdot : undefined;
    }
    const readout = this.layers[this.depth];
    gemv(false, n, readout.fanIn, readout.twiceWeightMultiplier, first!, direction[this.depth], 0, out);
    if (second) gemv(false, n, readout.fanIn, readout.weightMultiplier, second, theta[this.depth], 1, out);
  }

  /**
   * J at (params, inputs) for many products (a Lanczos run): H^l and S^l are computed (or taken
   * from the primal cache) once and copied with θ and X, so each product skips the primal pass and
   * the cache-key comparison. Agrees exactly with jvp/vjp at the same arguments. Like
   * TwoLayerModel.linearize, the returned object belongs to the model and is reused: the next
   * `linearize` call replaces what it holds; other calls do not disturb it, and it keeps J at the θ
   * and X it was made with even if those arrays change afterwards.
   */
  linearize(params: FloatArray, inputs: Inputs): LinearizedModel {
    this.check(params, inputs);
    const { n } = inputs;
    const source = this.primal(params, inputs);
    const lin = (this.linearization ??= this.createLinearization());
    const values = lin.values.ensure(n);
    const slopes = lin.slopes.ensure(n);
    for (let l = 0; l < this.depth; l++) {
      const count = n * this.widths[l];
      copyInto(source.values[l], values[l], count);
      copyInto(source.slopes[l], slopes[l], count);
    }
    lin.theta.copy(this.theta.array!, this.parameterCount);
    lin.inputs.copy(this.inputs.array!, n * this.inputDim);
    lin.n = n;
    if (lin.primal.values !== values || lin.primal.slopes !== slopes) lin.primal = { values, slopes };
    return lin.linear;
  }

  private createLinearization(): MlpLinearization {
    const p = this.parameterCount;
    const lin: MlpLinearization = {
      n: 0,
      theta: new ResidentCopy(this.workspace),
      inputs: new ResidentCopy(this.workspace),
      values: new LayerScratch(this.workspace, this.precision, this.widths),
      slopes: new LayerScratch(this.workspace, this.precision, this.widths),
      primal: { values: [], slopes: [] },
      linear: {
        jvp: (tangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'tangent', tangent, p);
          checkLength(NAME, 'out', out, lin.n);
          this.jvpFrom(lin.primal, lin.theta.array!, lin.inputs.array!, lin.n, tangent, out);
        },
        vjp: (cotangent: FloatArray, out: FloatArray): void => {
          checkLength(NAME, 'cotangent', cotangent, lin.n);
          checkLength(NAME, 'out', out, p);
          this.vjpFrom(lin.primal, lin.theta.array!, lin.inputs.array!, lin.n, cotangent, out);
        },
      },
    };
    return lin;
  }

  /** The hidden layers, named as their parameter blocks (`layer1` … `layerL`). */
  get hiddenLayers(): readonly string[] {
    return this.layers.slice(0, this.depth).map((_, l) => `layer${l + 1}`);
  }

  /**
   * out[l] = fraction of pre-activations z ≤ 0 in hidden layer l + 1 (papers.md §2), counted on
   * H^l = φ(Z^l) from the primal pass: every activation here is sign-preserving with φ(0) = 0, so
   * φ(z) ≤ 0 ⇔ z ≤ 0 (a NaN counts as not sparse).
   */
  preactivationSparsity(params: FloatArray, inputs: Inputs, out: Float64Array): void {
    this.check(params, inputs);
    const { n } = inputs;
    const primal = this.primal(params, inputs);
    for (let l = 0; l < this.depth; l++) {
      const values = primal.values[l];
      const count = n * this.layers[l].fanOut;
      let sparse = 0;
      for (let i = 0; i < count; i++) if (values[i] <= 0) sparse++;
      out[l] = count === 0 ? Number.NaN : sparse / count;
    }
  }

  /** Returns the model's scratch memory to the kernels; the model must not be used afterwards. */
  dispose(): void {
    this.workspace.release();
  }

  private check(params: FloatArray, inputs: Inputs): void {
    checkLength(NAME, 'params', params, this.parameterCount);
    checkInputs(NAME, this.inputDim, inputs);
  }

  /**
   * The weight blocks of `array` as views, made once per array and kept in a WeakMap: gemm reads its
   * operands from index 0, and a `subarray` per call would allocate. The trainer passes the same
   * parameter and gradient arrays every step, so a step allocates nothing.
   */
  private weights(array: FloatArray): readonly FloatArray[] {
    let views = this.weightViews.get(array);
    if (views === undefined) {
      views = this.layers.map((layer) => array.subarray(layer.weightOffset, layer.weightOffset + layer.fanIn * layer.fanOut));
      this.weightViews.set(array, views);
    }
    return views;
  }

  /**
   * H^l and S^l for (params, inputs), and `this.theta` / `this.inputs` holding exact copies of θ and
   * X for the products' gemms: the primal is reused when θ's hidden blocks, X, n and the array types
   * are unchanged (only the readout part of the copy is refreshed), else recomputed from the copies.
   */
  private primal(params: FloatArray, inputs: Inputs): Primal {
    const { n, x } = inputs;
    const d = this.inputDim;
    const values = this.values.ensure(n);
    const slopes = this.slopes.ensure(n);
    if (this.primalView.values !== values || this.primalView.slopes !== slopes) this.primalView = { values, slopes };
    const primal = this.primalView;
    const cachedTheta = this.theta.array;
    const cachedX = this.inputs.array;
    if (
      this.cachedN === n &&
      this.cachedValues === values[0] &&
      cachedTheta !== undefined &&
      cachedX !== undefined &&
      cachedTheta instanceof Float64Array === params instanceof Float64Array &&
      cachedX instanceof Float64Array === x instanceof Float64Array &&
      sameValues(cachedTheta, params, 0, this.hiddenCount) &&
      sameValues(cachedX, x, 0, n * d)
    ) {
      copyRange(params, cachedTheta, this.hiddenCount, this.parameterCount);
      return primal;
    }
    this.cachedN = -1;
    const thetaCopy = this.theta.copy(params, this.parameterCount);
    const xCopy = this.inputs.copy(x, n * d);
    const theta = this.weights(thetaCopy);
    const activation = this.activation;
    for (let l = 0; l < this.depth; l++) {
      const layer = this.layers[l];
      const { fanIn, fanOut, weightMultiplier } = layer;
      const input = l === 0 ? xCopy : values[l - 1];
      const z = values[l];
      const slope = slopes[l];
      const count = n * fanOut;
      if (activation.name === 'tanh') {
        gemm(false, true, n, fanOut, fanIn, weightMultiplier, input, theta[l], this.fillBias(z, n, thetaCopy, l), z);
        tanhPass(z, slope, count);
      } else if (layer.biasOffset < 0) {
        // Z, φ(Z) and φ'(Z) in one call (the activation pass runs in the WASM kernels' memory).
        gemmActivation(false, true, n, fanOut, fanIn, weightMultiplier, input, theta[l], z, slope, activation.name, activation.leakySlope);
      } else {
        gemm(false, true, n, fanOut, fanIn, weightMultiplier, input, theta[l], this.fillBias(z, n, thetaCopy, l), z);
        activationPass(activation.name, activation.leakySlope, z, slope, count);
      }
    }
    this.cachedN = n;
    this.cachedValues = values[0];
    return primal;
  }

  /**
   * With biases, fills every row of z (n × width_l) with β_l·source[biasOffset …] and returns 1, the
   * beta of the gemm that then adds the product onto it; without, returns 0. Each row is one
   * `TypedArray.set` (a memcpy), several times cheaper than adding the bias in an element loop.
   */
  private fillBias(z: FloatArray, n: number, source: FloatArray, l: number): number {
    const layer = this.layers[l];
    if (layer.biasOffset < 0) return 0;
    const row = this.biasRows[l];
    const beta = layer.biasMultiplier;
    const width = layer.fanOut;
    for (let j = 0; j < width; j++) row[j] = beta * source[layer.biasOffset + j];
    fillRows(z, row, n, width);
    return 1;
  }

  /**
   * The forward-tangent pass: Ż^l and Ḣ^l = S^l ⊙ Ż^l for every hidden layer, into `into[l]` when
   * given (hvp keeps them all) or into two alternating work matrices. Returns Ḣ^L.
   */
  private tangentPass(
    values: readonly FloatArray[],
    slopes: readonly FloatArray[],
    theta: FloatArray,
    x: FloatArray,
    n: number,
    tangent: FloatArray,
    into: readonly FloatArray[] | undefined,
    work?: readonly FloatArray[],
  ): FloatArray {
    const weights = this.weights(theta);
    const direction = this.weights(tangent);
    let previous: FloatArray | undefined;
    for (let l = 0; l < this.depth; l++) {
      const layer = this.layers[l];
      const { fanIn, fanOut, weightMultiplier } = layer;
      const z = into ? into[l] : work![l & 1];
      const beta = this.fillBias(z, n, tangent, l);
      gemm(false, true, n, fanOut, fanIn, weightMultiplier, l === 0 ? x : values[l - 1], direction[l], beta, z);
      if (previous) gemm(false, true, n, fanOut, fanIn, weightMultiplier, previous, weights[l], 1, z);
      multiplyInPlace(z, slopes[l], n * fanOut);
      previous = z;
    }
    return previous!;
  }

  /** out = J·tangent from the primal H^l, S^l at θ and X. */
  private jvpFrom(primal: Primal, theta: FloatArray, x: FloatArray, n: number, tangent: FloatArray, out: FloatArray): void {
    const { values } = primal;
    const last = this.tangentPass(values, primal.slopes, theta, x, n, tangent, undefined, this.work.ensure(n));
    const readout = this.layers[this.depth];
    const a = readout.weightMultiplier;
    gemv(false, n, readout.fanIn, a, last, this.weights(theta)[this.depth], 0, out);
    gemv(false, n, readout.fanIn, a, values[this.depth - 1], this.weights(tangent)[this.depth], 1, out);
    if (readout.biasOffset >= 0) addScalar(out, n, readout.biasMultiplier, tangent, readout.biasOffset);
  }

  /** out = Jᵀ·cotangent by backpropagation from the primal H^l, S^l at θ and X. */
  private vjpFrom(primal: Primal, theta: FloatArray, x: FloatArray, n: number, cotangent: FloatArray, out: FloatArray): void {
    const { values, slopes } = primal;
    const L = this.depth;
    const weights = this.weights(theta);
    const grads = this.weights(out);
    const work = this.work.ensure(n);
    const readout = this.layers[L];
    const last = values[L - 1];
    gemv(true, n, readout.fanIn, readout.weightMultiplier, last, cotangent, 0, grads[L]);
    if (readout.biasOffset >= 0) writeScaledSum(out, readout.biasOffset, readout.biasMultiplier, cotangent, n);
    // Δ^L = a (g θ_wᵀ) ⊙ S^L.
    let delta = work[0];
    const row = this.readoutRow;
    for (let j = 0; j < readout.fanIn; j++) row[j] = readout.weightMultiplier * theta[readout.weightOffset + j];
    outerMask(delta, cotangent, row, slopes[L - 1], n, readout.fanIn);
    for (let l = L - 1; l >= 0; l--) {
      const layer = this.layers[l];
      const { fanIn, fanOut, weightMultiplier } = layer;
      gemm(true, false, fanOut, fanIn, n, weightMultiplier, delta, l === 0 ? x : values[l - 1], 0, grads[l]);
      if (layer.biasOffset >= 0) this.biasGradient(delta, n, l, out);
      if (l === 0) break;
      const next = delta === work[0] ? work[1] : work[0];
      gemm(false, false, n, fanIn, fanOut, weightMultiplier, delta, weights[l], 0, next);
      multiplyInPlace(next, slopes[l - 1], n * fanIn);
      delta = next;
    }
  }

  /**
   * The readout step of the hvp's backward pass: with U = a w θ_wᵀ and U̇ = a w δwᵀ (n × n_L),
   * Δ = U ⊙ S and Δ̇ = U̇ ⊙ S + U ⊙ Ṡ, where Ṡ = φ''(Z) ⊙ Ż = −2 H ⊙ Ḣ for tanh.
   */
  private readoutSecondBackward(
    w: FloatArray,
    theta: FloatArray,
    vector: FloatArray,
    readout: Layer,
    n: number,
    slope: FloatArray,
    value: FloatArray,
    tangent: FloatArray,
    delta: FloatArray,
    deltaDot: FloatArray,
  ): void {
    const width = readout.fanIn;
    const offset = readout.weightOffset;
    const a = readout.weightMultiplier;
    for (let k = 0; k < n; k++) {
      const row = k * width;
      const wk = a * w[k];
      for (let j = 0; j < width; j++) {
        const s = slope[row + j];
        const u = wk * theta[offset + j];
        let dot = wk * vector[offset + j] * s;
        if (this.curved) dot -= 2 * u * value[row + j] * tangent[row + j];
        delta[row + j] = u * s;
        deltaDot[row + j] = dot;
      }
    }
  }

  /** out's bias block of layer l ← β_l·Δᵀ1 (Δ is n × width_l): one gemv against a vector of ones. */
  private biasGradient(delta: FloatArray, n: number, l: number, out: FloatArray): void {
    const layer = this.layers[l];
    const ones = this.ones.ensure(n)[0];
    if (ones[0] !== 1) ones.fill(1);
    gemv(true, n, layer.fanOut, layer.biasMultiplier, delta, ones, 0, this.biasBlocks(out)[l]);
  }

  /** The bias blocks of `array` as views, made once per array (see `weights`). */
  private biasBlocks(array: FloatArray): readonly FloatArray[] {
    let views = this.biasViews.get(array);
    if (views === undefined) {
      views = this.layers.map((layer) => array.subarray(layer.biasOffset, layer.biasOffset + layer.fanOut));
      this.biasViews.set(array, views);
    }
    return views;
  }
}

/** The model-owned state behind `MlpModel.linearize`. */
interface MlpLinearization {
  n: number;
  /** Exact copies of θ and X, in the kernels' memory. */
  readonly theta: ResidentCopy;
  readonly inputs: ResidentCopy;
  readonly values: LayerScratch;
  readonly slopes: LayerScratch;
  primal: Primal;
  readonly linear: LinearizedModel;
}

function fillNormal(rng: Rng, out: FloatArray, std: number): void {
  if (std === 0) out.fill(0);
  else rng.fillNormal(out, 0, std);
}

/** tanh's primal pass: z ← tanh(z), slope ← 1 − tanh² (one tanh per element). */
function tanhPass(z: FloatArray, slope: FloatArray, count: number): void {
  for (let i = 0; i < count; i++) {
    const t = Math.tanh(z[i]);
    z[i] = t;
    slope[i] = 1 - t * t;
  }
}

/** z[k·width, (k + 1)·width) ← row for every k < n: one memcpy per row. */
function fillRows(z: FloatArray, row: FloatArray, n: number, width: number): void {
  if (z instanceof Float64Array === row instanceof Float64Array) {
    for (let k = 0; k < n; k++) z.set(row, k * width);
  } else {
    for (let k = 0; k < n; k++) for (let j = 0; j < width; j++) z[k * width + j] = row[j];
  }
}

/** out[k] += β·source[index] (the product is formed here: a double computed at the call would be boxed). */
function addScalar(out: FloatArray, n: number, beta: number, source: FloatArray, index: number): void {
  const value = beta * source[index];
  for (let k = 0; k < n; k++) out[k] += value;
}

/** out[index] = β·Σ_k g[k] (written here: a double returned from a call would be boxed). */
function writeScaledSum(out: FloatArray, index: number, beta: number, g: FloatArray, n: number): void {
  let total = 0;
  for (let k = 0; k < n; k++) total += g[k];
  out[index] = beta * total;
}

/**
 * m ← m ⊙ s over `count` elements. The loop is written once per array type so that each copy stays
 * monomorphic (a loop that has seen both Float32Array and Float64Array runs several times slower in
 * V8, and a benchmark runs both precisions in one process).
 */
function multiplyInPlace(m: FloatArray, s: FloatArray, count: number): void {
  if (m instanceof Float64Array && s instanceof Float64Array) multiply64(m, s, count);
  else if (m instanceof Float32Array && s instanceof Float32Array) multiply32(m, s, count);
  else for (let i = 0; i < count; i++) m[i] *= s[i];
}

function multiply64(m: Float64Array, s: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) m[i] *= s[i];
}

function multiply32(m: Float32Array, s: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) m[i] *= s[i];
}

/** Δ[k, j] = g_k row[j] S[k, j] (the readout's backward step, row = a θ_w); monomorphic copies as above. */
function outerMask(delta: FloatArray, g: FloatArray, row: Float64Array, slope: FloatArray, n: number, width: number): void {
  if (delta instanceof Float64Array && slope instanceof Float64Array) {
    for (let k = 0; k < n; k++) outerRow64(delta, g, k, row, slope, width);
  } else if (delta instanceof Float32Array && slope instanceof Float32Array) {
    for (let k = 0; k < n; k++) outerRow32(delta, g, k, row, slope, width);
  } else {
    for (let k = 0; k < n; k++) for (let j = 0; j < width; j++) delta[k * width + j] = g[k] * row[j] * slope[k * width + j];
  }
}

function outerRow64(delta: Float64Array, g: FloatArray, k: number, row: Float64Array, slope: Float64Array, width: number): void {
  const gk = g[k];
  const base = k * width;
  for (let j = 0; j < width; j++) delta[base + j] = gk * row[j] * slope[base + j];
}

function outerRow32(delta: Float32Array, g: FloatArray, k: number, row: Float64Array, slope: Float32Array, width: number): void {
  const gk = g[k];
  const base = k * width;
  for (let j = 0; j < width; j++) delta[base + j] = gk * row[j] * slope[base + j];
}

/**
 * The hvp's backward mask step, in place: Δ̇ ← U̇ ⊙ S + U ⊙ Ṡ, then Δ ← U ⊙ S, with
 * Ṡ = −2 H ⊙ Ḣ for tanh (curved) and 0 otherwise.
 */
function secondMask(u: FloatArray, uDot: FloatArray, slope: FloatArray, value: FloatArray, tangent: FloatArray, count: number, curved: boolean): void {
  if (curved) {
    for (let i = 0; i < count; i++) {
      const s = slope[i];
      const ui = u[i];
      uDot[i] = uDot[i] * s - 2 * ui * value[i] * tangent[i];
      u[i] = ui * s;
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const s = slope[i];
    uDot[i] *= s;
    u[i] *= s;
  }
}

/**
 * The second-order forward step, in place: Ḣ ← S ⊙ Ż, and Ḧ ← S ⊙ Z̈ + φ''(Z) ⊙ Ż² with
 * φ'' = −2 H S for tanh. `hasZdd` says whether Z̈ holds a value (it is 0 in the first layer).
 */
function secondForward(zDot: FloatArray, zDdot: FloatArray, slope: FloatArray, value: FloatArray, count: number, hasZdd: boolean, curved: boolean): void {
  if (!curved) {
    for (let i = 0; i < count; i++) {
      const s = slope[i];
      zDot[i] *= s;
      if (hasZdd) zDdot[i] *= s;
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const s = slope[i];
    const z = zDot[i];
    const first = s * z;
    zDot[i] = first;
    // φ''(Z) Ż² = −2 H S Ż² = −2 H Ḣ Ż.
    zDdot[i] = (hasZdd ? s * zDdot[i] : 0) - 2 * value[i] * first * z;
  }
}

/** target[0, length) ← source[0, length) (one memcpy when possible; no subarray, which would allocate). */
function copyInto(source: FloatArray, target: FloatArray, length: number): void {
  if (source.length === length && target.length >= length && source instanceof Float64Array === target instanceof Float64Array) {
    target.set(source);
    return;
  }
  copyRange(source, target, 0, length);
}

/**
 * target[i] ← source[i] for i in [from, to). The loops over two arrays are written once per pair of
 * same-type arrays, so each stays monomorphic (a loop that has seen both Float32Array and
 * Float64Array runs several times slower in V8).
 */
function copyRange(source: FloatArray, target: FloatArray, from: number, to: number): void {
  if (source instanceof Float64Array && target instanceof Float64Array) copy64(source, target, from, to);
  else if (source instanceof Float32Array && target instanceof Float32Array) copy32(source, target, from, to);
  else for (let i = from; i < to; i++) target[i] = source[i];
}

function copy64(source: Float64Array, target: Float64Array, from: number, to: number): void {
  for (let i = from; i < to; i++) target[i] = source[i];
}

function copy32(source: Float32Array, target: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) target[i] = source[i];
}

/** Whether a[from, to) and b[from, to) are equal (NaN never is); monomorphic like copyRange. */
function sameValues(a: FloatArray, b: FloatArray, from: number, to: number): boolean {
  if (a instanceof Float64Array && b instanceof Float64Array) return same64(a, b, from, to);
  if (a instanceof Float32Array && b instanceof Float32Array) return same32(a, b, from, to);
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}

function same64(a: Float64Array, b: Float64Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}

function same32(a: Float32Array, b: Float32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}
