import { defineProbe, type LabeledInputs, sampledProbe } from '@tdlab/core';
import { allocate, type FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';

/**
 * `probes: [{ use: loss }]` — the training loss of the step (`loss`, the value the trainer computed
 * for this event) and, when the data set has an evaluation split, the same loss on it (`eval_loss`).
 */
export const lossProbe = defineProbe({
  id: 'loss',
  description: 'Training loss (loss) and, when the data set has an eval split, the loss on it (eval_loss)',
  options: type({}),
  create: (_options, context) => {
    // The eval outputs buffer is allocated on the first measurement and reused afterwards.
    let evalOutputs: FloatArray | undefined;
    let evalSet: LabeledInputs | undefined;
    return sampledProbe(context.every, (event, emit) => {
      emit('loss', event.loss);
      const { model, loss, data, params } = event.state;
      const evaluation = data.eval;
      if (evaluation === undefined || evaluation.n === 0) return;
      if (evalOutputs === undefined || evalSet !== evaluation || evalOutputs.length < evaluation.n) {
        evalOutputs = allocate(context.precision, evaluation.n);
        evalSet = evaluation;
      }
      model.forward(params, evaluation, evalOutputs);
      emit('eval_loss', loss.value(evalOutputs, evaluation.y, evaluation.n));
    });
  },
});
