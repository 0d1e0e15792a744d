import { defineProbe, type LabeledInputs } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { evalOutputs, sampledMetric } from './eval-split.js';

/** How targets are read as classes: see `accuracy`. */
export type AccuracyLabels = 'plus-minus-one' | 'zero-one' | 'sign';

/** sign with sign(0) = +1 (the data plugin's label convention); NaN stays NaN, so it never agrees. */
function sign(value: number): number {
  return value >= 0 ? 1 : value < 0 ? -1 : Number.NaN;
}

/**
 * The fraction of rows whose predicted class agrees with the target's:
 * - `plus-minus-one`: targets must be −1 or +1; the prediction is sign(f), with sign(0) = +1;
 * - `zero-one`: targets must be 0 or 1; the prediction is 1 when f ≥ ½ (the labels' midpoint), else 0;
 * - `sign`: any real targets; counts rows where sign(f) = sign(y) (sign(0) = +1), the sign agreement
 *   of a regression — not a classification accuracy.
 * A NaN output never agrees.
 */
export function accuracy(outputs: ArrayLike<number>, targets: ArrayLike<number>, n: number, labels: AccuracyLabels): number {
  let agree = 0;
  if (labels === 'zero-one') {
    for (let i = 0; i < n; i++) if ((outputs[i] >= 0.5 ? 1 : outputs[i] < 0.5 ? 0 : Number.NaN) === targets[i]) agree++;
  } else {
    for (let i = 0; i < n; i++) if (sign(outputs[i]) === sign(targets[i])) agree++;
  }
  return agree / n;
}

/** Throws, naming the first offending row, when a target is not a label of the `labels` convention. */
export function checkLabels(targets: ArrayLike<number>, n: number, labels: AccuracyLabels): void {
  if (labels === 'sign') return;
  const allowed = labels === 'plus-minus-one' ? [-1, 1] : [0, 1];
  for (let i = 0; i < n; i++) {
    if (!allowed.includes(targets[i])) {
      const advice =
        labels === 'plus-minus-one'
          ? 'set labels: zero-one for 0/1 targets, or labels: sign for the sign agreement of real-valued targets'
          : 'set labels: plus-minus-one for ±1 targets, or labels: sign for the sign agreement of real-valued targets';
      throw new Error(`probe "eval-accuracy": eval target y[${i}] = ${targets[i]} is not ${allowed.join(' or ')} (labels: ${labels}); ${advice}`);
    }
  }
}

/**
 * `probes: [{ use: eval-accuracy, labels: plus-minus-one, every: 10 }]` — the fraction of eval rows
 * the model classifies right (`eval_accuracy`, in [0, 1]); see `accuracy` for the conventions.
 */
export const evalAccuracyProbe = defineProbe({
  id: 'eval-accuracy',
  description: 'Fraction of eval rows classified right (eval_accuracy): sign(f) = y for ±1 labels, [f ≥ ½] = y for 0/1, sign agreement for real targets',
  options: type({
    /** `plus-minus-one` (default): ±1 targets; `zero-one`: 0/1 targets; `sign`: any targets, sign agreement. */
    labels: "'plus-minus-one' | 'zero-one' | 'sign' = 'plus-minus-one'",
  }),
  create: ({ labels }, context) => {
    // The targets are checked once per eval split (a run has one).
    let checked: FloatArray | undefined;
    return sampledMetric(context.every, 'eval_accuracy', (event) => {
      const { split, outputs } = evalOutputs(event, 'eval-accuracy', context);
      checkOnce(split);
      return accuracy(outputs, split.y, split.n, labels);
    });
    function checkOnce(split: LabeledInputs): void {
      if (checked === split.y) return;
      checkLabels(split.y, split.n, labels);
      checked = split.y;
    }
  },
});
