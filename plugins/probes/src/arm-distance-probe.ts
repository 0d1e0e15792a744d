import { defineProbe, MODEL_ARM, type ProbeContext, type StepEvent } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { filter } from 'rxjs';
import { evalOutputs, sampledMetric } from './eval-split.js';

/** √(mean (a − b)²) over n outputs. */
function rmsDistance(a: FloatArray, b: FloatArray, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum / n);
}

/**
 * `probes: [{ use: arm-distance, every: 10 }]` — in a study with `arms:`, how far each arm's
 * function is from the network's: `arm_distance` = ‖f_arm − f_model‖_RMS = √(mean_i (f_arm(x_i) −
 * f_model(x_i))²) over the data set's **eval split** when it has one, else over the **training
 * set**. One record per arm other than `model`, tagged with that arm, at the same step (the arms step
 * in lockstep). Nothing is emitted once the model arm has stopped (diverged, converged).
 *
 * This is Zhu et al.'s comparison of f, f_quad and f_lin (papers.md §1b) as a metric.
 */
export const armDistanceProbe = defineProbe({
  id: 'arm-distance',
  description: "RMS distance of each arm's outputs from the model arm's, on the eval split (else the train set) (arm_distance)",
  options: type({}),
  create: (_options, context) => {
    const emitting = sampledMetric(context.every, 'arm_distance', (event) => distance(event, context));
    // Steps with nothing to compare (the model arm's own events, a stopped model arm) are skipped.
    return { operator: (source) => emitting.operator(source.pipe(comparable)) };
  },
});

/** The events of arms other than the model while the model arm is live; throws without arms. */
const comparable = filter((event: StepEvent) => {
  const arms = event.state.arms;
  if (arms === undefined) {
    throw new Error('probe "arm-distance" compares the arms of a study, but this study declares no arms: (add arms: { <name>: <model section> }; README, "Arms")');
  }
  return event.arm !== MODEL_ARM && arms.has(MODEL_ARM);
});

function distance(event: StepEvent, context: ProbeContext): number {
  const { state } = event;
  const reference = state.arms!.get(MODEL_ARM)!;
  const split = state.data.eval;
  if (split !== undefined && split.n > 0) {
    const own = evalOutputs(event, 'arm-distance', context).outputs;
    // The same step (lockstep); evalOutputs caches per state and step, shared with eval-loss.
    const theirs = evalOutputs({ ...event, arm: MODEL_ARM, state: reference }, 'arm-distance', context).outputs;
    return rmsDistance(own, theirs, split.n);
  }
  // The training outputs of this step are already in both states.
  return rmsDistance(state.outputs, reference.outputs, state.data.train.n);
}
