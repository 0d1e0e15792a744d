import type { RunOutcome } from './run-outcome.js';
import type { TrainingState } from './training-state.js';

/**
 * Emitted once per step, from step 0 (the initialization, before any update) to the last.
 * `lr` is the learning rate the update after this event uses; `outcome` is set on the last event.
 */
export interface StepEvent {
  readonly run: string;
  /**
   * The arm this event belongs to, in a study with `arms:` (undefined otherwise). Per step, every
   * live arm's event is emitted (the model's first) before any arm updates.
   */
  readonly arm?: string;
  readonly step: number;
  readonly totalSteps: number;
  readonly lr: number;
  readonly loss: number;
  readonly outcome?: RunOutcome;
  readonly state: TrainingState;
}
