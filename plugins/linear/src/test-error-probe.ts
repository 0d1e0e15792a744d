import { defineProbe, type LabeledInputs, sampledProbe } from '@tdlab/core';
import { allocate, type FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { exactExcessRisk, meanSquaredError, requireEval } from './probe-support.js';

/**
 * `probes: [{ use: test-error }]` — the errors of papers.md §5–6, (1/n)Σ(f − y)² (mean, no ½,
 * whatever the study's loss): `train_error` on the training set, `test_error` on the held-out set
 * (required). With the noiseless held-out labels of linear-teacher (its default) test_error
 * estimates the excess risk; for `linear-features` on linear-teacher data the exact excess risk
 * ‖θ − β*‖²_Σ is emitted too (`excess_risk`).
 */
export const testErrorProbe = defineProbe({
  id: 'test-error',
  description: 'train_error and test_error = mean (f − y)² on the train / held-out sets; excess_risk = ‖θ − β*‖²_Σ for linear-features on linear-teacher',
  options: type({}),
  create: (_options, context) => {
    let outputs: FloatArray | undefined;
    let evalSet: LabeledInputs | undefined;
    return sampledProbe(context.every, (event, emit) => {
      const { model, data, params } = event.state;
      const train = data.train;
      const evaluation = requireEval('test-error', data);
      emit('train_error', meanSquaredError(event.state.outputs, train.y, train.n));
      if (outputs === undefined || evalSet !== evaluation) {
        outputs = allocate(context.precision, evaluation.n);
        evalSet = evaluation;
      }
      model.forward(params, evaluation, outputs);
      emit('test_error', meanSquaredError(outputs, evaluation.y, evaluation.n));
      const excess = exactExcessRisk(model, data, params);
      if (excess !== undefined) emit('excess_risk', excess);
    });
  },
});
