import type { RunOutcome } from '../stream/run-outcome.js';

/** What a finished run reports; written as summary.json in the run directory. */
export interface RunSummary {
  readonly run: string;
  readonly name: string;
  readonly outcome: RunOutcome;
  /** Updates taken. */
  readonly steps: number;
  /** The loss convention, e.g. "½·Σ(f−y)²". */
  readonly lossConvention: string;
  readonly initialLoss: number;
  readonly finalLoss: number;
  readonly peakLoss: number;
  readonly peakStep: number;
  /** Top eigenvalue of the loss-matched NTK at initialization and at the end (NaN if not finite). */
  readonly lambda0: number;
  readonly finalLambda: number;
  /** The base learning rate η and r = η·λ₀. */
  readonly lr: number;
  readonly normalizedLr: number;
  /** η·λ at the end of training (with the final learning rate). */
  readonly finalNormalizedLr: number;
  /** ‖θ_T‖² / ‖θ₀‖². */
  readonly weightNormRatio: number;
  readonly wallSeconds: number;
  /**
   * In a study with `arms:`, each arm's own summary by arm name, the model first. The fields above
   * are then the model arm's (the learning rate is the model's, shared by every arm).
   */
  readonly arms?: Readonly<Record<string, ArmSummary>>;
}

/** What one arm of a study with `arms:` reports: its outcome, losses, curvature and weights. */
export type ArmSummary = Pick<
  RunSummary,
  | 'outcome'
  | 'steps'
  | 'initialLoss'
  | 'finalLoss'
  | 'peakLoss'
  | 'peakStep'
  | 'lambda0'
  | 'finalLambda'
  | 'normalizedLr'
  | 'finalNormalizedLr'
  | 'weightNormRatio'
>;
