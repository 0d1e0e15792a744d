// Test support for the curvature and kernel probes (not built, not published): the uv model of
// papers.md §1a with its derivatives in closed form, step events around any model, and a probe
// context with a seeded random stream.
import { type DataSet, type DifferentiableModel, type Inputs, type Loss, MeanSquaredError, type ParameterBlock, type ProbeContext, type StepEvent, type TrainingState } from '@tdlab/core';
import { type FloatArray, Rng } from '@tdlab/tensor';

/**
 * f(θ; x) = m^{-1/2} vᵀu x with θ = (u, v) ∈ ℝ^{2m} (Lewkowycz et al. §1a): ∇f = m^{-1/2} x (v, u)
 * and ∇²f = m^{-1/2} x [[0, I], [I, 0]].
 */
export class UvModel implements DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim = 1;
  readonly blocks: readonly ParameterBlock[];
  private readonly scale: number;

  constructor(readonly width: number) {
    this.parameterCount = 2 * width;
    this.scale = 1 / Math.sqrt(width);
    this.blocks = [
      { name: 'u', offset: 0, length: width, shape: [width] },
      { name: 'v', offset: width, length: width, shape: [width] },
    ];
  }

  initialize(rng: Rng, params: FloatArray): void {
    rng.fillNormal(params);
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    let uv = 0;
    for (let k = 0; k < this.width; k++) uv += params[k] * params[this.width + k];
    for (let i = 0; i < inputs.n; i++) out[i] = this.scale * uv * inputs.x[i];
  }

  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    const m = this.width;
    let directional = 0;
    for (let k = 0; k < m; k++) directional += params[m + k] * tangent[k] + params[k] * tangent[m + k];
    for (let i = 0; i < inputs.n; i++) out[i] = this.scale * directional * inputs.x[i];
  }

  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    const m = this.width;
    let weight = 0;
    for (let i = 0; i < inputs.n; i++) weight += cotangent[i] * inputs.x[i];
    for (let k = 0; k < m; k++) {
      out[k] = this.scale * weight * params[m + k];
      out[m + k] = this.scale * weight * params[k];
    }
  }

  hvp(_params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    const m = this.width;
    let weight = 0;
    for (let i = 0; i < inputs.n; i++) weight += weights[i] * inputs.x[i];
    for (let k = 0; k < m; k++) {
      out[k] = this.scale * weight * vector[m + k];
      out[m + k] = this.scale * weight * vector[k];
    }
  }

  secondDirectional(_params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    const m = this.width;
    let uv = 0;
    for (let k = 0; k < m; k++) uv += vector[k] * vector[m + k];
    for (let i = 0; i < inputs.n; i++) out[i] = 2 * this.scale * uv * inputs.x[i];
  }
}

export interface ModelRunSpec {
  readonly model: DifferentiableModel;
  /** Training inputs, n rows of model.inputDim, and targets. */
  readonly x: readonly (readonly number[])[];
  readonly y: readonly number[];
  readonly initialParams: readonly number[];
  /** Default ½·Σ(f−y)². */
  readonly loss?: Loss;
}

/** Step events of a fake run of any model at hand-set parameters; no training. */
export class ModelRun {
  readonly loss: Loss;
  readonly data: DataSet;
  readonly initialParams: Float64Array;

  constructor(readonly spec: ModelRunSpec) {
    this.loss = spec.loss ?? new MeanSquaredError('sum', true);
    this.data = {
      inputDim: spec.model.inputDim,
      train: { x: Float64Array.from(spec.x.flat()), y: Float64Array.from(spec.y), n: spec.x.length },
    };
    this.initialParams = Float64Array.from(spec.initialParams);
  }

  event(step: number, params: readonly number[] = Array.from(this.initialParams), options: { outcome?: 'converged'; loss?: number } = {}): StepEvent {
    const { model } = this.spec;
    const train = this.data.train;
    const theta = Float64Array.from(params);
    const outputs = new Float64Array(train.n);
    model.forward(theta, train, outputs);
    const state: TrainingState = {
      model,
      loss: this.loss,
      data: this.data,
      params: theta,
      initialParams: this.initialParams,
      outputs,
      time: step,
      gradient: undefined,
      lambda0: undefined,
      ntkTopEigenvalues: () => {
        throw new Error('not used by these probes');
      },
    };
    return {
      run: 'test-run',
      step,
      totalSteps: 10,
      lr: 0.1,
      loss: options.loss ?? this.loss.value(outputs, train.y, train.n),
      ...(options.outcome ? { outcome: options.outcome } : {}),
      state,
    };
  }
}

/** A probe context whose random streams derive from `seed` like a run's. */
export function seededProbeContext(every: number, seed = 0): ProbeContext {
  const root = new Rng(seed);
  return {
    runId: 'test-run',
    spec: {} as never,
    precision: 'float64',
    rng: (purpose) => root.derive(purpose),
    baseDir: '.',
    outDir: undefined,
    every,
  };
}

/** The p×p loss Hessian, column by column from any operator v ↦ Hv (for checks on tiny models). */
export function denseFromOperator(apply: (v: Float64Array, out: Float64Array) => void, p: number): Float64Array {
  const matrix = new Float64Array(p * p);
  const basis = new Float64Array(p);
  const column = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    basis.fill(0);
    basis[j] = 1;
    apply(basis, column);
    for (let i = 0; i < p; i++) matrix[i * p + j] = column[i];
  }
  return matrix;
}

/**
 * The uv model's loss Hessian for one sample (x, y) under ½·(f − y)², formed entry by entry from
 * its closed form H = x² g gᵀ + (f − y) x m^{-1/2} [[0, I], [I, 0]], g = m^{-1/2}(v, u).
 */
export function uvLossHessian(params: readonly number[], x: number, y: number): Float64Array {
  const p = params.length;
  const m = p / 2;
  const scale = 1 / Math.sqrt(m);
  const g = Array.from({ length: p }, (_, k) => scale * x * (k < m ? params[m + k] : params[k - m]));
  let uv = 0;
  for (let k = 0; k < m; k++) uv += params[k] * params[m + k];
  const residual = scale * uv * x - y;
  const matrix = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) matrix[i * p + j] = g[i] * g[j] + (Math.abs(i - j) === m ? residual * x * scale : 0);
  }
  return matrix;
}
