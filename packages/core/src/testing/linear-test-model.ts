import type { FloatArray, Rng } from '@tdlab/tensor';
import type { DifferentiableModel, Inputs, ParameterBlock } from '../model/differentiable-model.js';

/**
 * f(θ; x) = θ·x, for tests: J = X whatever θ is, so the tangent kernel is X Xᵀ, second-order
 * products vanish and gradient descent has closed forms. θ₀ is drawn N(0, 1) from the run's
 * stream, or set from `init` (one value for every entry, or the whole vector).
 */
export class LinearTestModel implements DifferentiableModel {
  readonly parameterCount: number;
  readonly blocks: readonly ParameterBlock[];

  constructor(
    readonly inputDim: number,
    private readonly init?: number | readonly number[],
  ) {
    this.parameterCount = inputDim;
    this.blocks = [{ name: 'theta', offset: 0, length: inputDim, shape: [inputDim] }];
  }

  initialize(rng: Rng, params: FloatArray): void {
    if (this.init === undefined) rng.fillNormal(params);
    else if (typeof this.init === 'number') params.fill(this.init);
    else params.set(this.init);
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.jvp(params, inputs, params, out);
  }

  jvp(_params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    const d = this.inputDim;
    for (let i = 0; i < inputs.n; i++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += inputs.x[i * d + j] * tangent[j];
      out[i] = sum;
    }
  }

  vjp(_params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    const d = this.inputDim;
    out.fill(0);
    for (let i = 0; i < inputs.n; i++) for (let j = 0; j < d; j++) out[j] += inputs.x[i * d + j] * cotangent[i];
  }

  hvp(_params: FloatArray, _inputs: Inputs, _weights: FloatArray, _vector: FloatArray, out: FloatArray): void {
    out.fill(0);
  }

  secondDirectional(_params: FloatArray, inputs: Inputs, _vector: FloatArray, out: FloatArray): void {
    out.fill(0, 0, inputs.n);
  }
}
