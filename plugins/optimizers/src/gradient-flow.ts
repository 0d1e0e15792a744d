import { defineOptimizer, type Optimizer } from '@tdlab/core';
import { allocate, type FloatArray, type Precision } from '@tdlab/tensor';
import { type } from 'arktype';

export type FlowIntegrator = 'euler' | 'rk4';

/** ∇L at any θ (the trainer's full-batch gradient, `OptimizerContext.gradientAt`). */
export type GradientOracle = (params: FloatArray, out: FloatArray) => void;

/**
 * Gradient flow dθ/dt = −c·(∇L(θ) + λθ) integrated in the model's natural time t, with c the
 * model's `timeScale` (α·M for a mean-field network, papers.md §3; 1 otherwise) and λ an optional
 * L2 weight decay. One update advances t by `dt`, so a run's trajectory at time t does not depend
 * on a learning rate, only (weakly, through the discretization) on dt.
 *
 *   euler: θ ← θ + dt·k₁                            (k = −c(∇L + λθ); = gd with η = c·dt)
 *   rk4:   θ ← θ + dt/6·(k₁ + 2k₂ + 2k₃ + k₄), k₂ at θ + dt/2·k₁, k₃ at θ + dt/2·k₂, k₄ at θ + dt·k₃
 *
 * k₁ is the trainer's gradient of this step; RK4 evaluates three more through `gradientAt`. The
 * reported learning rate is c·dt, the step of the explicit-Euler update of the same size, so
 * `normalized-lr` reads c·dt·λ (Euler is stable on the NTK's top direction while it is below 2).
 * The stage buffers are allocated once; arithmetic is in the run's precision.
 */
export class GradientFlow implements Optimizer {
  readonly fixedLearningRate: number;
  private readonly stage: FloatArray;
  private readonly slope: FloatArray;
  private readonly sum: FloatArray;

  constructor(
    parameterCount: number,
    readonly dt: number,
    readonly method: FlowIntegrator,
    readonly timeScale: number,
    private readonly gradientAt: GradientOracle,
    readonly weightDecay = 0,
    precision: Precision = 'float64',
  ) {
    if (!(Number.isFinite(dt) && dt > 0)) throw new Error(`gradient-flow: dt must be a positive finite number (was ${dt})`);
    if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new Error(`gradient-flow: the model's timeScale must be positive and finite (was ${timeScale})`);
    this.fixedLearningRate = dt * timeScale;
    const stages = method === 'rk4' ? parameterCount : 0;
    this.stage = allocate(precision, stages);
    this.slope = allocate(precision, stages);
    this.sum = allocate(precision, stages);
  }

  update(params: FloatArray, gradient: FloatArray, _lr: number, _step: number): void {
    const c = this.timeScale;
    const { dt, weightDecay } = this;
    const p = params.length;
    if (this.method === 'euler') {
      for (let i = 0; i < p; i++) params[i] -= dt * c * (gradient[i] + weightDecay * params[i]);
      return;
    }
    const { stage, slope, sum } = this;
    // k₁ from the trainer's gradient at θ; `sum` accumulates k₁ + 2k₂ + 2k₃ + k₄.
    for (let i = 0; i < p; i++) {
      const k = -c * (gradient[i] + weightDecay * params[i]);
      sum[i] = k;
      stage[i] = params[i] + 0.5 * dt * k;
    }
    this.slopeAt(stage, slope); // k₂
    for (let i = 0; i < p; i++) {
      sum[i] += 2 * slope[i];
      stage[i] = params[i] + 0.5 * dt * slope[i];
    }
    this.slopeAt(stage, slope); // k₃
    for (let i = 0; i < p; i++) {
      sum[i] += 2 * slope[i];
      stage[i] = params[i] + dt * slope[i];
    }
    this.slopeAt(stage, slope); // k₄
    for (let i = 0; i < p; i++) params[i] += (dt / 6) * (sum[i] + slope[i]);
  }

  /** out = −c(∇L(θ) + λθ); `theta` is a stage buffer, distinct from `out`. */
  private slopeAt(theta: FloatArray, out: FloatArray): void {
    this.gradientAt(theta, out);
    const c = this.timeScale;
    const { weightDecay } = this;
    for (let i = 0; i < out.length; i++) out[i] = -c * (out[i] + weightDecay * theta[i]);
  }
}

/**
 * `optimizer: { use: gradient-flow, dt: 0.1, method: euler | rk4 }` — with no `schedule:` (the flow
 * has no learning rate to schedule).
 */
export const gradientFlow = defineOptimizer({
  id: 'gradient-flow',
  description: "Gradient flow dθ/dt = −c(∇L + λθ) in the model's natural time (c = its timeScale, αM for mean-field nets), explicit Euler or RK4 with step dt; the study has no schedule",
  options: type({
    /** The step in natural time: each update advances t by dt. */
    dt: 'number > 0',
    /** `euler` (one gradient per step, = gd with η = c·dt) or `rk4` (four). Default euler. */
    method: "'euler' | 'rk4' = 'euler'",
    /** λ ≥ 0: L2 weight decay inside the flow, dθ/dt = −c(∇L + λθ). Default 0. */
    weightDecay: 'number >= 0 = 0',
  }),
  create: (options, context) =>
    new GradientFlow(context.parameterCount, options.dt, options.method, context.timeScale, context.gradientAt, options.weightDecay, context.precision),
});
