import { defineProbe, sampledProbe } from '@tdlab/core';
import { allocate, type FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { hingeThreshold } from './hidden-units.js';

/** Fraction of rows with y·f < h, and of rows with sign(f) ≠ y (sign(0) = +1). */
export function marginCounts(outputs: ArrayLike<number>, y: ArrayLike<number>, n: number, h: number): { unsatisfied: number; wrong: number } {
  let unsatisfied = 0;
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    if (!(y[i] * outputs[i] >= h)) unsatisfied++;
    if (!((outputs[i] >= 0 ? 1 : -1) === y[i])) wrong++;
  }
  return { unsatisfied: unsatisfied / n, wrong: wrong / n };
}

/**
 * `probes: [{ use: unsatisfied-fraction }]` — the "time-dependent data set" of Pellegrini & Biroli
 * (papers.md §3): `unsatisfied_fraction`, the fraction of training rows with y·f < h (only these
 * drive a hinge loss's gradient), `train_class_error` (sign(f) ≠ y) and, with an eval split,
 * `test_class_error`. h is the loss's threshold for `linear-hinge`/`hinge`, else the `h` option.
 * A NaN output counts as unsatisfied and wrong.
 */
export const unsatisfiedFractionProbe = defineProbe({
  id: 'unsatisfied-fraction',
  description: 'Fraction of training rows with y·f < h (unsatisfied_fraction), train_class_error and test_class_error (eval split); labels ±1',
  options: type({
    /** The margin threshold; by default the hinge loss's own h (required with another loss). */
    'h?': 'number > 0',
  }),
  create: (options, context) => {
    let evalOutputs: FloatArray | undefined;
    return sampledProbe(context.every, (event, emit) => {
      const { state } = event;
      const h = options.h ?? hingeThreshold(state.loss);
      if (h === undefined) throw new Error(`probe "unsatisfied-fraction": the loss (${state.loss.convention}) has no threshold h; set h: in the probe`);
      const train = state.data.train;
      const counts = marginCounts(state.outputs, train.y, train.n, h);
      emit('unsatisfied_fraction', counts.unsatisfied);
      emit('train_class_error', counts.wrong);
      const evalSet = state.data.eval;
      if (evalSet) {
        evalOutputs ??= allocate(context.precision, evalSet.n);
        state.model.forward(state.params, evalSet, evalOutputs);
        emit('test_class_error', marginCounts(evalOutputs, evalSet.y, evalSet.n, h).wrong);
      }
    });
  },
});
