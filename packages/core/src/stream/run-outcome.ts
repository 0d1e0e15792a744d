/**
 * How a run ended. `converged`: the loss fell below the spec's `stop.lossBelow`; `max-steps`: it
 * took every step; `diverged`: the loss or a parameter became non-finite (or passed
 * `stop.lossAbove`); `cancelled`: the subscriber unsubscribed (Ctrl-C, say).
 */
export type RunOutcome = 'converged' | 'max-steps' | 'diverged' | 'cancelled';
export const runOutcomes: readonly RunOutcome[] = ['converged', 'max-steps', 'diverged', 'cancelled'];
