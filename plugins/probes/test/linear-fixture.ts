// Test support (not built, not published): a hand-made linear model f(θ; x) = x·θ whose tangent
// kernel is X Xᵀ for every θ, and step events built around it without any training.
import {
  type DataSet,
  type Inputs,
  type LabeledInputs,
  type Loss,
  MeanSquaredError,
  type ParameterBlock,
  type RunOutcome,
  type StepEvent,
  type TrainingState,
} from '@tdlab/core';
import { LinearTestModel } from '@tdlab/core/testing';
import type { FloatArray } from '@tdlab/tensor';

/** The core's linear test model (J = X, so the NTK is X Xᵀ), recording the buffers `forward` writes into. */
export class LinearModel extends LinearTestModel {
  override readonly blocks: readonly ParameterBlock[];
  readonly forwardTargets: FloatArray[] = [];

  constructor(inputDim: number, blocks?: readonly ParameterBlock[]) {
    super(inputDim);
    this.blocks = blocks ?? [{ name: 'theta', offset: 0, length: inputDim, shape: [inputDim] }];
  }

  override initialize(): void {
    throw new Error('not used: the tests set θ by hand');
  }

  override forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.forwardTargets.push(out);
    super.forward(params, inputs, out);
  }
}

/** Eigenvalues, descending, of a symmetric 1×1, 2×2 or 3×3 matrix, in closed form. */
export function symmetricEigenvalues(m: readonly (readonly number[])[]): number[] {
  if (m.length === 1) return [m[0][0]];
  if (m.length === 2) {
    const [[a, b], [, d]] = m;
    const mean = (a + d) / 2;
    const radius = Math.hypot((a - d) / 2, b);
    return [mean + radius, mean - radius];
  }
  if (m.length !== 3) throw new Error('only 1×1, 2×2 and 3×3 matrices');
  // The trigonometric solution of the characteristic cubic (Smith 1961).
  const offDiagonal = m[0][1] ** 2 + m[0][2] ** 2 + m[1][2] ** 2;
  if (offDiagonal === 0) return [m[0][0], m[1][1], m[2][2]].sort((x, y) => y - x);
  const q = (m[0][0] + m[1][1] + m[2][2]) / 3;
  const p = Math.sqrt(((m[0][0] - q) ** 2 + (m[1][1] - q) ** 2 + (m[2][2] - q) ** 2 + 2 * offDiagonal) / 6);
  const b = m.map((row, i) => row.map((v, j) => (v - (i === j ? q : 0)) / p));
  const det =
    b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1]) -
    b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0]) +
    b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]);
  const phi = Math.acos(Math.min(1, Math.max(-1, det / 2))) / 3;
  const largest = q + 2 * p * Math.cos(phi);
  const smallest = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  return [largest, 3 * q - largest - smallest, smallest];
}

function labeled(rows: readonly (readonly number[])[], y: readonly number[]): LabeledInputs {
  return { x: Float64Array.from(rows.flat()), y: Float64Array.from(y), n: rows.length };
}

export interface LinearRunSpec {
  /** Training inputs (n ≤ 3 rows) and targets. */
  readonly x: readonly (readonly number[])[];
  readonly y: readonly number[];
  readonly eval?: { readonly x: readonly (readonly number[])[]; readonly y: readonly number[] };
  readonly initialParams: readonly number[];
  readonly blocks?: readonly ParameterBlock[];
  /** Default ½·Σ(f−y)². */
  readonly loss?: Loss;
  readonly precision?: 'float64' | 'float32';
}

export interface StepOptions {
  readonly params?: readonly number[];
  readonly lr?: number;
  /** Default: the loss of the outputs at `params`. */
  readonly loss?: number;
  readonly outcome?: RunOutcome;
}

/**
 * A fake run of the linear model: `event(step, options)` builds the step event at θ = `params`
 * with the outputs and loss computed from it. The loss-matched NTK D^½ X Xᵀ D^½ is diagonalized in
 * closed form; `eigenCalls` lists the steps at which a probe asked for it.
 */
export class LinearRun {
  readonly model: LinearModel;
  readonly loss: Loss;
  readonly data: DataSet;
  readonly initialParams: FloatArray;
  readonly eigenCalls: number[] = [];
  readonly totalSteps: number;
  private readonly array: (values: readonly number[]) => FloatArray;

  constructor(
    readonly spec: LinearRunSpec,
    totalSteps = 10,
  ) {
    this.totalSteps = totalSteps;
    this.array = spec.precision === 'float32' ? (v) => Float32Array.from(v) : (v) => Float64Array.from(v);
    this.model = new LinearModel(spec.initialParams.length, spec.blocks);
    this.loss = spec.loss ?? new MeanSquaredError('sum', true);
    this.data = {
      inputDim: spec.initialParams.length,
      train: labeled(spec.x, spec.y),
      ...(spec.eval ? { eval: labeled(spec.eval.x, spec.eval.y) } : {}),
    };
    this.initialParams = this.array(spec.initialParams);
  }

  /** The loss-matched kernel D^½ X Xᵀ D^½ as a dense n×n matrix. */
  kernel(outputs: FloatArray): number[][] {
    const { x, y, n } = this.data.train;
    const d = this.data.inputDim;
    const curvature = new Float64Array(n);
    this.loss.curvature(outputs, y, n, curvature);
    return Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => {
        let sum = 0;
        for (let c = 0; c < d; c++) sum += x[i * d + c] * x[j * d + c];
        return Math.sqrt(curvature[i] * curvature[j]) * sum;
      }),
    );
  }

  event(step: number, options: StepOptions = {}): StepEvent {
    const params = options.params ? this.array(options.params) : this.array(Array.from(this.initialParams));
    const train = this.data.train;
    const outputs = this.array(new Array<number>(train.n).fill(0));
    this.model.jvp(params, train, params, outputs);
    const eigenCalls = this.eigenCalls;
    const kernel = (): number[][] => this.kernel(outputs);
    const state: TrainingState = {
      model: this.model,
      loss: this.loss,
      data: this.data,
      params,
      initialParams: this.initialParams,
      outputs,
      time: step,
      gradient: options.outcome === undefined ? new Float64Array(params.length) : undefined,
      lambda0: undefined,
      ntkTopEigenvalues(k: number): Float64Array {
        eigenCalls.push(step);
        const values = new Float64Array(k);
        const all = symmetricEigenvalues(kernel());
        values.set(all.slice(0, Math.min(k, all.length)));
        return values;
      },
    };
    return {
      run: 'test-run',
      step,
      totalSteps: this.totalSteps,
      lr: options.lr ?? 0.1,
      loss: options.loss ?? this.loss.value(outputs, train.y, train.n),
      ...(options.outcome ? { outcome: options.outcome } : {}),
      state,
    };
  }
}

/** A probe context for tests: only `every` and `precision` are read by the probes. */
export function probeContext(every: number, precision: 'float64' | 'float32' = 'float64') {
  return {
    runId: 'test-run',
    spec: {} as never,
    precision,
    rng: () => {
      throw new Error('probes draw no random numbers');
    },
    baseDir: '.',
    outDir: undefined,
    every,
  };
}
