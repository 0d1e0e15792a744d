import { norm2 } from '@tdlab/tensor';
import type { StepEvent } from '../stream/step-event.js';
import type { RunOutcome } from '../stream/run-outcome.js';
import type { RunSummary } from './run-summary.js';

/** Follows a run's step events and builds its summary. */
export class SummaryTracker {
  private initialLoss = Number.NaN;
  private finalLoss = Number.NaN;
  private peakLoss = Number.NaN;
  private peakStep = 0;
  private steps = 0;
  private finalLambda = Number.NaN;
  private finalLr = Number.NaN;
  private weightNormRatio = Number.NaN;
  private lambda0 = Number.NaN;
  private outcome: RunOutcome | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly run: string,
    private readonly name: string,
    private readonly lossConvention: string,
    private readonly baseLr: number,
  ) {}

  /** Call during the emission: the state is read on the last event. */
  observe(event: StepEvent): void {
    if (event.step === 0) {
      this.initialLoss = event.loss;
      this.lambda0 = event.state.lambda0 ?? Number.NaN;
    }
    this.finalLoss = event.loss;
    this.steps = event.step;
    this.finalLr = event.lr;
    if (Number.isFinite(event.loss) && !(event.loss <= this.peakLoss)) {
      this.peakLoss = event.loss;
      this.peakStep = event.step;
    }
    if (event.outcome !== undefined) {
      this.outcome = event.outcome;
      const state = event.state;
      // (‖θ‖/‖θ₀‖)², not a ratio of sums of squares: those overflow to ∞/∞ in a diverging run.
      this.weightNormRatio = (norm2(state.params) / norm2(state.initialParams)) ** 2;
      this.finalLambda = event.outcome === 'diverged' ? Number.NaN : state.ntkTopEigenvalues(1)[0];
    }
  }

  summary(outcome?: RunOutcome): RunSummary {
    return {
      run: this.run,
      name: this.name,
      outcome: outcome ?? this.outcome ?? 'cancelled',
      steps: this.steps,
      lossConvention: this.lossConvention,
      initialLoss: this.initialLoss,
      finalLoss: this.finalLoss,
      peakLoss: this.peakLoss,
      peakStep: this.peakStep,
      lambda0: this.lambda0,
      finalLambda: this.finalLambda,
      lr: this.baseLr,
      normalizedLr: this.baseLr * this.lambda0,
      finalNormalizedLr: this.finalLr * this.finalLambda,
      weightNormRatio: this.weightNormRatio,
      wallSeconds: (performance.now() - this.started) / 1000,
    };
  }
}
