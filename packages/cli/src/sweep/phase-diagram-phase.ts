import type { RunSummary } from '@tdlab/core';

/**
 * The phase of one run (Lewkowycz et al. 2020, papers.md §1a), read from its summary alone:
 *
 * - `diverged`: the run's outcome is `diverged`, or its final loss is not finite (NaN or ±∞), or
 *   it ended above where it started (finalLoss > initialLoss · (1 + CATAPULT_RISE)): a run still
 *   blowing up when its steps ran out is not a catapult;
 * - `catapult`: not diverged, and the loss rose above where it started before the end:
 *   `peakLoss > initialLoss · (1 + CATAPULT_RISE)`, with `CATAPULT_RISE` = 1 %;
 * - `lazy`: otherwise — the loss never rose by more than 1 % (the peak is the initial loss).
 *
 * Normalization (papers.md §0): the paper's thresholds r = 2 (lazy → catapult) and r = 4 (uv
 * model: catapult → divergence; ≈ 12 for ReLU nets) hold for r = η·λ_max of the kernel matched
 * to the loss convention (K = J·Jᵀ for ½·Σ(f−y)², K/n for ½·mean, 2K/n for torch's MSELoss);
 * the run's `lossConvention` names it, and `normalizedLr` / `finalNormalizedLr` are computed with
 * it. The classification itself does not use r: it reads only losses, and the peak/initial loss
 * ratio is the same under every convention (they differ by a constant factor). That ratio depends
 * on the random initial loss, so it is shown, never thresholded beyond the 1 % rise.
 *
 * A `cancelled` run is classified by the same rule, from the losses it reached.
 */
export type Phase = 'lazy' | 'catapult' | 'diverged';

/** The phases from mildest to most severe (the order of legends and of tie-breaks). */
export const phases: readonly Phase[] = ['lazy', 'catapult', 'diverged'];

/** Relative rise of the peak over the initial loss above which a converging run is a catapult. */
export const CATAPULT_RISE = 0.01;

/** One run's phase and the two numbers a phase diagram shows beside it. */
export interface RunPhase {
  readonly phase: Phase;
  /** peakLoss / initialLoss (∞ when the initial loss is 0 and the peak is not; NaN passes through). */
  readonly peakRatio: number;
  /** η·λ at the end of training, from the summary (< 2 after a catapult). */
  readonly finalNormalizedLr: number;
}

/** Classifies a run by the criteria of {@link Phase}. */
export function classifyPhase(summary: RunSummary): RunPhase {
  const { outcome, initialLoss, peakLoss, finalLoss, finalNormalizedLr } = summary;
  let phase: Phase;
  if (outcome === 'diverged' || !Number.isFinite(finalLoss) || finalLoss > initialLoss * (1 + CATAPULT_RISE)) phase = 'diverged';
  else if (peakLoss > initialLoss * (1 + CATAPULT_RISE)) phase = 'catapult';
  else phase = 'lazy';
  return { phase, peakRatio: lossRatio(peakLoss, initialLoss), finalNormalizedLr };
}

function lossRatio(peak: number, initial: number): number {
  if (initial === 0) return peak === 0 ? 1 : peak > 0 ? Number.POSITIVE_INFINITY : Number.NaN;
  return peak / initial;
}
