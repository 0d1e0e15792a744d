import { defineProbe, type DifferentiableModel, type LabeledInputs, type Loss, sampledProbe } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';

/** The simple noise scale and its two parts. */
export interface GradientNoiseScale {
  /** B_simple = tr(Σ)/‖G‖². */
  readonly noiseScale: number;
  /** tr(Σ) = (1/n) Σ_i ‖g_i − G‖². */
  readonly trace: number;
  /** ‖G‖², G = (1/n) Σ_i g_i. */
  readonly meanGradientSquaredNorm: number;
}

/**
 * Reusable buffers for `gradientNoiseScale`, so a probe measuring every few steps allocates once.
 * Everything is float64 whatever the run's precision: the sums are the numerically delicate part.
 */
export class GradientNoiseScratch {
  readonly row: Float64Array;
  readonly output = new Float64Array(1);
  readonly target = new Float64Array(1);
  readonly cotangent = new Float64Array(1);
  readonly gradient: Float64Array;
  readonly mean: Float64Array;

  constructor(
    readonly parameterCount: number,
    readonly inputDim: number,
  ) {
    this.row = new Float64Array(inputDim);
    this.gradient = new Float64Array(parameterCount);
    this.mean = new Float64Array(parameterCount);
  }
}

/**
 * The simple gradient noise scale of McCandlish et al. (2018), B_simple = tr(Σ)/‖G‖², over the
 * per-example gradients of the training loss at θ.
 *
 * Loss normalization: the per-example loss ℓ_i is the study's loss evaluated on example i alone (a
 * batch of one, where `sum` and `mean` coincide), so g_i = ℓ'(f_i, y_i)·∇_θ f(θ; x_i), computed
 * with the model's vjp on the single row x_i and cotangent ℓ'. G = (1/n) Σ_i g_i is the gradient of
 * the mean training loss (1/n)Σℓ_i — the full-batch gradient for `reduction: mean`, 1/n of it for
 * `reduction: sum` — and Σ = (1/n) Σ_i (g_i − G)(g_i − G)ᵀ is the covariance of a gradient drawn
 * uniformly from the training set, the distribution minibatch SGD samples (a population covariance,
 * 1/n not 1/(n − 1)). B_simple is unchanged by any constant factor in ℓ (½, 1/n), since both tr(Σ)
 * and ‖G‖² scale by its square. `count` restricts the estimate to the first `count` examples.
 *
 * G and Σ are accumulated in one pass with Welford's update, so no per-example gradient is stored.
 */
export function gradientNoiseScale(
  model: DifferentiableModel,
  loss: Loss,
  params: FloatArray,
  train: LabeledInputs,
  scratch: GradientNoiseScratch,
  count = train.n,
): GradientNoiseScale {
  const d = model.inputDim;
  const p = model.parameterCount;
  const n = Math.min(count, train.n);
  const { row, output, target, cotangent, gradient, mean } = scratch;
  const inputs = { x: row, n: 1 };
  mean.fill(0);
  let squaredDeviation = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = train.x[i * d + j];
    target[0] = train.y[i];
    model.forward(params, inputs, output);
    loss.gradient(output, target, 1, cotangent);
    model.vjp(params, inputs, cotangent, gradient);
    const k = i + 1;
    for (let j = 0; j < p; j++) {
      const delta = gradient[j] - mean[j];
      mean[j] += delta / k;
      squaredDeviation += delta * (gradient[j] - mean[j]);
    }
  }
  let meanSquaredNorm = 0;
  for (let j = 0; j < p; j++) meanSquaredNorm += mean[j] * mean[j];
  const trace = squaredDeviation / n;
  return { noiseScale: trace / meanSquaredNorm, trace, meanGradientSquaredNorm: meanSquaredNorm };
}

/**
 * `probes: [{ use: gradient-noise-scale, every: 10 }]` — emits `gradient_noise_scale` (B_simple),
 * `gradient_noise_trace` (tr Σ) and `mean_gradient_sq_norm` (‖G‖²); see `gradientNoiseScale`.
 */
export const gradientNoiseScaleProbe = defineProbe({
  id: 'gradient-noise-scale',
  description: 'Simple gradient noise scale B_simple = tr(Σ)/‖G‖² over per-example gradients of the training loss (McCandlish et al. 2018)',
  options: type({
    /** Use only the first this many training examples (all by default). */
    'examples?': 'number.integer > 0',
  }),
  create: (options, context) => {
    let scratch: GradientNoiseScratch | undefined;
    return sampledProbe(context.every, (event, emit) => {
      const { model, loss, params, data } = event.state;
      if (scratch === undefined || scratch.parameterCount !== model.parameterCount || scratch.inputDim !== model.inputDim) {
        scratch = new GradientNoiseScratch(model.parameterCount, model.inputDim);
      }
      const result = gradientNoiseScale(model, loss, params, data.train, scratch, options.examples);
      emit('gradient_noise_scale', result.noiseScale);
      emit('gradient_noise_trace', result.trace);
      emit('mean_gradient_sq_norm', result.meanGradientSquaredNorm);
    });
  },
});
