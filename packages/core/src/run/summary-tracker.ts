import { norm2 } from '@tdlab/tensor';
import type { StepEvent } from '../stream/step-event.js';
import type { RunOutcome } from '../stream/run-outcome.js';
import type { ArmSummary, RunSummary } from './run-summary.js';

/** Follows one arm's step events (the whole run's, without arms). */
class ArmTracker {
  initialLoss = Number.NaN;
  finalLoss = Number.NaN;
  peakLoss = Number.NaN;
  peakStep = 0;
  steps = 0;
  finalLambda = Number.NaN;
  finalLr = Number.NaN;
  weightNormRatio = Number.NaN;
  lambda0 = Number.NaN;
  outcome: RunOutcome | undefined;

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

  summary(baseLr: number, outcome?: RunOutcome): ArmSummary {
    return {
      // An arm that finished keeps its outcome when the run is cancelled after it.
      outcome: this.outcome ?? outcome ?? 'cancelled',
      steps: this.steps,
      initialLoss: this.initialLoss,
      finalLoss: this.finalLoss,
      peakLoss: this.peakLoss,
      peakStep: this.peakStep,
      lambda0: this.lambda0,
      finalLambda: this.finalLambda,
      normalizedLr: baseLr * this.lambda0,
      finalNormalizedLr: this.finalLr * this.finalLambda,
      weightNormRatio: this.weightNormRatio,
    };
  }
}

/** Follows a run's step events and builds its summary (per arm too, in a study with `arms:`). */
export class SummaryTracker {
  private readonly trackers = new Map<string | undefined, ArmTracker>();
  private readonly started = performance.now();

  /** `arms`: the arms' names, the model first, for a study with `arms:`. */
  constructor(
    private readonly run: string,
    private readonly name: string,
    private readonly lossConvention: string,
    private readonly baseLr: number,
    private readonly arms?: readonly string[],
  ) {
    for (const arm of arms ?? [undefined]) this.trackers.set(arm, new ArmTracker());
  }

  /** Call during the emission: the state is read on the last event. */
  observe(event: StepEvent): void {
    this.trackers.get(event.arm)?.observe(event);
  }

  summary(outcome?: RunOutcome): RunSummary {
    const first = this.trackers.get(this.arms?.[0])!;
    const own = first.summary(this.baseLr);
    return {
      run: this.run,
      name: this.name,
      // A summary asked for with an outcome (`cancelled`) is the run's, whatever its arms reached.
      outcome: outcome ?? first.outcome ?? 'cancelled',
      steps: own.steps,
      lossConvention: this.lossConvention,
      initialLoss: own.initialLoss,
      finalLoss: own.finalLoss,
      peakLoss: own.peakLoss,
      peakStep: own.peakStep,
      lambda0: own.lambda0,
      finalLambda: own.finalLambda,
      lr: this.baseLr,
      normalizedLr: own.normalizedLr,
      finalNormalizedLr: own.finalNormalizedLr,
      weightNormRatio: own.weightNormRatio,
      wallSeconds: (performance.now() - this.started) / 1000,
      ...(this.arms
        ? { arms: Object.fromEntries(this.arms.map((arm) => [arm, this.trackers.get(arm)!.summary(this.baseLr, outcome)])) }
        : {}),
    };
  }
}
