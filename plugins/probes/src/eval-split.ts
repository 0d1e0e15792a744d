import type { LabeledInputs, Probe, ProbeContext, StepEvent, TrainingState } from '@tdlab/core';
import { allocate, type FloatArray } from '@tdlab/tensor';
import { filter, map } from 'rxjs';

/**
 * A probe that emits one metric, `name`, on steps 0, every, 2·every, … and on the last step (the
 * cadence of the core's `sampledProbe`). Unlike `sampledProbe`, whose measurement runs inside a
 * plain observer, an error thrown by `measure` ends the stream with that error (rxjs would
 * otherwise report it as an uncaught exception and keep training).
 */
export function sampledMetric(every: number, name: string, measure: (event: StepEvent) => number): Probe {
  return {
    operator: (source) =>
      source.pipe(
        filter((event) => event.step % every === 0 || event.outcome !== undefined),
        map((event) => ({ run: event.run, step: event.step, name, value: measure(event) })),
      ),
  };
}

interface EvalOutputs {
  step: number;
  readonly split: LabeledInputs;
  readonly outputs: FloatArray;
}

// One eval forward pass per run and step, shared by the eval probes: keyed by the run's training
// state (one object per run, valid during the synchronous step emission), so eval-loss and
// eval-accuracy on the same step cost one pass. The buffer is allocated once per run.
const lastForward = new WeakMap<TrainingState, EvalOutputs>();

/**
 * f(θ_t; x) on the data set's eval split, in the run's precision. Computed once per step and run,
 * whichever eval probe asks first. Throws a clear error, naming `probe`, when there is no eval split.
 */
export function evalOutputs(event: StepEvent, probe: string, context: ProbeContext): EvalOutputs {
  const { state } = event;
  const split = state.data.eval;
  if (split === undefined || split.n === 0) throw new Error(missingEvalMessage(probe, context));
  let entry = lastForward.get(state);
  if (entry !== undefined && entry.split === split && entry.step === event.step) return entry;
  if (entry === undefined || entry.split !== split) {
    entry = { step: -1, split, outputs: allocate(context.precision, split.n) };
    lastForward.set(state, entry);
  }
  state.model.forward(state.params, split, entry.outputs);
  entry.step = event.step;
  return entry;
}

function missingEvalMessage(probe: string, context: ProbeContext): string {
  const use = (context.spec as { data?: { use?: string } } | undefined)?.data?.use;
  return (
    `probe "${probe}" needs held-out data, but the data set${use ? ` "${use}"` : ''} has no eval split. ` +
    'Add one to the study\'s data section: eval: { n: 2000 } for the synthetic sets and mnist, ' +
    'eval: { path } | { n } | { fraction } for from-file, eval: { x: [[…]], y: […] } for single-example.'
  );
}
