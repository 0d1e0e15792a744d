import { defineSchedule, type MetricBoard, type Schedule } from '@tdlab/core';
import { type } from 'arktype';

/** The metric of the `ntk-top-eigenvalue` probe: λ_t, top eigenvalue of the loss-matched NTK. */
export const NTK_LAMBDA = 'ntk_lambda';

/**
 * η_t = r* / λ_t, λ_t the newest `ntk_lambda` on the board. The trainer computes a metric-reading
 * schedule's rate after the step's probes ran, so λ_t is measured at θ_t when the probe measures
 * every step; on steps it skips (`every: k`) the newest earlier value is used.
 *
 * How far λ falls depends on the targets, not only on r* (README, "How far λ falls"): for a
 * homogeneous net (uv, bias-free two-layer ReLU) f and λ are both quadratic in the weight scale, so
 * with targets y = 0 λ keeps falling (geometrically, at 2 < r* < 4), while targets of size |y|
 * stop it at a floor ∝ |y| where the loss keeps oscillating. λ_t = 0 (a vanished kernel, hence a
 * zero gradient) is an error.
 */
export class CurvatureLockedSchedule implements Schedule {
  readonly requires: readonly string[] = [NTK_LAMBDA];
  constructor(readonly rStar: number) {}

  learningRate(step: number, metrics: MetricBoard): number {
    const lambda = metrics.latest(NTK_LAMBDA);
    if (lambda === undefined) {
      throw new Error(
        `schedule "curvature-locked" needs the metric ${NTK_LAMBDA}, which no probe has emitted by step ${step}: ` +
          'add `{ use: ntk-top-eigenvalue }` to probes: (before any probe that reads lr, such as normalized-lr)',
      );
    }
    if (lambda === 0) {
      // K = J Jᵀ/n = 0 means J = 0: the gradient Jᵀ∂L/∂f is zero as well, so GD has stopped for good.
      throw new Error(
        `schedule "curvature-locked": ${NTK_LAMBDA} = 0 at step ${step} gives no learning rate r* / λ: the NTK vanished, so the ` +
          'gradient is zero too and training has stopped (e.g. every ReLU unit is off on every training input, which a ' +
          "zero target allows; see the schedule's README)",
      );
    }
    if (!(lambda > 0)) throw new Error(`schedule "curvature-locked": ${NTK_LAMBDA} = ${lambda} at step ${step} gives no learning rate r* / λ`);
    // Terjék's geometry-aware schedule, our stand-in (papers.md §4): η_t·λ_t = r* at every step.
    return this.rStar / lambda;
  }
}

/**
 * `schedule: { use: curvature-locked, lr: { normalized: 3 } }` — η_t = r* / λ_t with r* = baseLr·λ₀
 * (r* = r for a normalized lr; η·λ₀ for an absolute lr η). With 2 < r* < 4, η_t·λ_t stays above 2,
 * so the catapult never ends (papers.md §4 stand-in, not the paper's formula): with targets y = 0 λ
 * keeps falling; targets of size |y| stop it at a floor ∝ |y| (README, "How far λ falls").
 */
export const curvatureLockedSchedule = defineSchedule({
  id: 'curvature-locked',
  description:
    'η_t = r* / λ_t, λ_t the latest ntk_lambda (probe ntk-top-eigenvalue), r* = η·λ₀ (= r for lr: { normalized: r }); keeps η·λ = r* (papers.md §4 stand-in)',
  // No options: r* is the section's core `lr` as a normalized rate.
  options: type({}),
  create: (_options, context) => {
    if (context.lambda0 === undefined) throw new Error('schedule "curvature-locked" needs λ₀ to turn lr into r* = η·λ₀');
    return new CurvatureLockedSchedule(context.baseLr * context.lambda0);
  },
});
