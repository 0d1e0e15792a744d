import { defineProbe, type RunOutcome } from '@tdlab/core';
import { type } from 'arktype';
import { stepObservingProbe } from './step-observing-probe.js';

/** The phases, by their numeric code: `phase` = phaseNames.indexOf(name). */
export const phaseNames = ['lazy', 'catapult', 'edge-of-stability', 'divergent', 'unclassified'] as const;
export type PhaseName = (typeof phaseNames)[number];

export interface PhaseThresholds {
  /** Catapult: the loss must rise above spike·L₀. */
  readonly spike: number;
  /** Lazy: |λ_T/λ₀ − 1| < lazyTolerance. */
  readonly lazyTolerance: number;
  /** Edge of stability: every η·λ of the window within eosTolerance·2 of 2. */
  readonly eosTolerance: number;
}

/** What the phase is decided from: the whole loss curve and the sampled normalized learning rates. */
export interface PhaseEvidence {
  readonly outcome: RunOutcome | undefined;
  /** L₀, the loss at step 0. */
  readonly initialLoss: number;
  /** max_t L_t (+Infinity or NaN when a loss was). */
  readonly peakLoss: number;
  /** Whether some step after the (first) step of peakLoss has a loss below L₀. */
  readonly fellBelowInitialAfterPeak: boolean;
  /** Whether some step had a non-finite loss. */
  readonly nonFinite: boolean;
  /** λ at step 0 and at the last sampled step with a finite loss. */
  readonly lambda0: number;
  readonly lambdaFinal: number;
  /** η·λ at the last sampled steps with a finite loss (the window), oldest first. */
  readonly normalizedLr: readonly number[];
}

/**
 * Classifies a run. The first rule that holds wins:
 * 1. divergent — the outcome is `diverged` or some loss was non-finite;
 * 2. lazy — the loss never rose above L₀ and |λ_T/λ₀ − 1| < lazyTolerance (Lewkowycz eq. 2 regime η < 2/λ₀);
 * 3. catapult — max L > spike·L₀, a later step has L < L₀, and η·λ_T < 2 (papers.md §0 signature);
 * 4. edge-of-stability — every η·λ of the window satisfies |η·λ/2 − 1| ≤ eosTolerance;
 * 5. unclassified — none of these (a spike not yet back below L₀, a kernel that moved without a spike, …).
 */
export function classifyPhase(evidence: PhaseEvidence, thresholds: PhaseThresholds): PhaseName {
  const { initialLoss, peakLoss, normalizedLr } = evidence;
  if (evidence.outcome === 'diverged' || evidence.nonFinite) return 'divergent';
  if (peakLoss <= initialLoss && Math.abs(evidence.lambdaFinal / evidence.lambda0 - 1) < thresholds.lazyTolerance) return 'lazy';
  const finalNormalizedLr = normalizedLr.at(-1) ?? Number.NaN;
  if (peakLoss > thresholds.spike * initialLoss && evidence.fellBelowInitialAfterPeak && finalNormalizedLr < 2) return 'catapult';
  if (normalizedLr.length > 0 && normalizedLr.every((r) => Math.abs(r / 2 - 1) <= thresholds.eosTolerance)) return 'edge-of-stability';
  return 'unclassified';
}

/**
 * `probes: [{ use: phase, every: 10 }]` — at the last step only, `phase` = the code of the run's
 * phase (0 lazy, 1 catapult, 2 edge-of-stability, 3 divergent, 4 unclassified; rules in
 * classifyPhase), with its evidence: `phase_peak_loss_ratio` = max L/L₀, `phase_lambda_ratio` =
 * λ_T/λ₀ and `phase_normalized_lr` = η·λ_T. The loss is read on every step (free: `event.loss`);
 * λ, the top eigenvalue of the loss-matched NTK (`state.ntkTopEigenvalues(1)`, one Lanczos run,
 * cached per step and shared with ntk-top-eigenvalue and normalized-lr), only on the sampled steps
 * with a finite loss — `every:` sets that cost and the edge-of-stability window's spacing.
 */
export const phaseProbe = defineProbe({
  id: 'phase',
  description: 'Classifies the run as lazy (0), catapult (1), edge-of-stability (2), divergent (3) or unclassified (4), at the last step (phase)',
  options: type({
    spike: 'number > 1 = 2',
    lazyTolerance: 'number > 0 = 0.05',
    eosTolerance: 'number > 0 = 0.1',
    window: 'number.integer > 0 = 10',
  }),
  create: ({ window, ...thresholds }, context) => {
    let initialLoss = Number.NaN;
    let peakLoss = Number.NEGATIVE_INFINITY;
    let fellBelowInitialAfterPeak = false;
    let nonFinite = false;
    let lambda0 = Number.NaN;
    let lambdaFinal = Number.NaN;
    let normalizedLr: number[] = [];
    return stepObservingProbe(context.every, {
      observe: ({ step, loss }) => {
        if (step === 0) {
          initialLoss = loss;
          peakLoss = Number.NEGATIVE_INFINITY;
          fellBelowInitialAfterPeak = false;
          nonFinite = false;
          lambda0 = lambdaFinal = Number.NaN;
          normalizedLr = [];
        }
        if (!Number.isFinite(loss)) nonFinite = true;
        if (loss > peakLoss) {
          peakLoss = loss;
          fellBelowInitialAfterPeak = false;
        } else if (loss < initialLoss) fellBelowInitialAfterPeak = true;
      },
      measure: (event, emit) => {
        if (Number.isFinite(event.loss)) {
          const lambda = event.state.ntkTopEigenvalues(1)[0];
          if (event.step === 0) lambda0 = lambda;
          lambdaFinal = lambda;
          normalizedLr.push(event.lr * lambda);
          if (normalizedLr.length > window) normalizedLr.shift();
        }
        if (event.outcome === undefined) return;
        const evidence = { outcome: event.outcome, initialLoss, peakLoss, fellBelowInitialAfterPeak, nonFinite, lambda0, lambdaFinal, normalizedLr };
        emit('phase', phaseNames.indexOf(classifyPhase(evidence, thresholds)));
        emit('phase_peak_loss_ratio', peakLoss / initialLoss);
        emit('phase_lambda_ratio', lambdaFinal / lambda0);
        emit('phase_normalized_lr', normalizedLr.at(-1) ?? Number.NaN);
      },
    });
  },
});
