import { defineProbe, LinearHinge, sampledProbe, type TrainingState } from '@tdlab/core';
import { type } from 'arktype';
import { hiddenUnitLayout, teacherDirection } from './hidden-units.js';
import { inputLaw, type InputLawName } from './input-law.js';
import { MeanFieldHingeTheory } from './mean-field-hinge-theory.js';
import { marginCounts } from './unsatisfied-fraction-probe.js';

const PROBE = 'mean-field-theory';

/** What the theory reads off a mean-field network (`mean-field-two-layer`). */
interface MeanFieldNetwork {
  readonly alpha: number;
  readonly initScale: { readonly a: number; readonly w: number };
}

function isMeanFieldNetwork(model: unknown): model is MeanFieldNetwork {
  const candidate = model as Partial<MeanFieldNetwork>;
  return typeof candidate.alpha === 'number' && typeof candidate.initScale?.a === 'number' && typeof candidate.initScale?.w === 'number';
}

export interface MeanFieldTheoryProbeOptions {
  readonly samples: 'finite' | 'infinite';
  readonly inputs?: InputLawName;
  readonly maxStep: number;
  readonly integrator: 'rk4' | 'euler';
  readonly units: number;
}

/** Builds the theory for the run the state belongs to: same α, h, σ's, teacher and (finite) data. */
export function theoryForRun(state: TrainingState, options: MeanFieldTheoryProbeOptions, specInputs: unknown): MeanFieldHingeTheory {
  const { model, loss, data } = state;
  if (!isMeanFieldNetwork(model)) throw new Error(`probe "${PROBE}" needs the model mean-field-two-layer (f = (1/(αM)) Σ aᵢ ReLU(wᵢ·x/√d))`);
  if (!(loss instanceof LinearHinge)) throw new Error(`probe "${PROBE}" is the theory of the linear hinge: use loss: { use: linear-hinge, … } (the study's loss is ${loss.convention})`);
  hiddenUnitLayout(model, PROBE);
  const teacher = teacherDirection(data, PROBE);
  const train = data.train;
  for (let i = 0; i < train.n; i++) {
    if (train.y[i] !== 1 && train.y[i] !== -1) throw new Error(`probe "${PROBE}": training label y[${i}] = ${train.y[i]} is not ±1`);
  }
  const d = data.inputDim;
  let source: ConstructorParameters<typeof MeanFieldHingeTheory>[0]['data'];
  if (options.samples === 'finite') {
    source = { kind: 'finite', train };
  } else {
    if (loss.reduction !== 'mean') throw new Error(`probe "${PROBE}": samples: infinite needs the mean hinge (reduction: mean); a summed loss grows without bound with N`);
    const name = options.inputs ?? (specInputs === 'sphere' ? 'sphere' : 'gaussian');
    source = { kind: 'infinite', law: inputLaw(name, d) };
  }
  return new MeanFieldHingeTheory({
    d,
    alpha: model.alpha,
    h: loss.h,
    sigmaA: model.initScale.a,
    sigmaW: model.initScale.w,
    teacher,
    data: source,
    lossScale: loss.reduction === 'sum' ? train.n : 1,
    maxStep: options.maxStep,
    integrator: options.integrator,
  });
}

/**
 * `probes: [{ use: mean-field-theory, samples: finite }]` — the mean-field (M = ∞) theory of the
 * run's own set-up, solved beside the simulation (README of this plugin for the equations). At each
 * measured step it integrates the theory to the run's natural time t (TrainingState.time) and emits
 * the simulation's metrics with the prefix `theory_`: `theory_loss`, `theory_unsatisfied_fraction`,
 * `theory_train_class_error`, `theory_test_class_error`, `theory_a2_mean`, `theory_wpar2_mean`,
 * `theory_a_wpar_mean`, `theory_wperp2_mean`, the speed `theory_speed` and its integral
 * `theory_gamma`, and for the first `units` units of this run the predicted `theory_unit_a`,
 * `theory_unit_wpar` (from their initial values). The test error uses the eval split when there is
 * one, else the isotropic formula angle(c, ŵ*)/π.
 */
export const meanFieldTheoryProbe = defineProbe({
  id: PROBE,
  description: 'Mean-field theory (M = ∞; finite or infinite N) of the hinge classifier, solved beside the run: theory_* metrics (Pellegrini & Biroli, papers.md §3)',
  options: type({
    /** `finite`: the run's own N training rows (exact for an antipodal set); `infinite`: N = ∞. Default finite. */
    samples: "'finite' | 'infinite' = 'finite'",
    /** The input law for samples: infinite; by default the data section's `inputs` (sign-teacher), else gaussian. */
    'inputs?': "'gaussian' | 'sphere'",
    /** The theory's largest integration step in natural time. Default 0.01. */
    maxStep: 'number > 0 = 0.01',
    /** Default rk4. */
    integrator: "'rk4' | 'euler' = 'rk4'",
    /** How many of the run's units to predict trajectories for (theory_unit_a, theory_unit_wpar). Default 0. */
    units: 'number.integer >= 0 = 0',
    /** The metric names' prefix, so one study can run two theories (finite and infinite N) side by side. Default theory. */
    prefix: "/^[a-z][a-z0-9_]*$/ = 'theory'",
  }),
  create: (options, context) => {
    let theory: MeanFieldHingeTheory | undefined;
    let evalOutputs = new Float64Array(0);
    const unit = new Float64Array(0);
    let unitInitial = unit;
    return sampledProbe(context.every, (event, emitMetric) => {
      const { state } = event;
      theory ??= theoryForRun(state, options, context.spec.data?.inputs);
      theory.advanceTo(state.time);
      const prediction = theory.predict();
      const emit = (name: string, value: number, index?: number): void => emitMetric(`${options.prefix}_${name}`, value, index);
      emit('loss', prediction.loss);
      emit('unsatisfied_fraction', prediction.unsatisfiedFraction);
      emit('train_class_error', prediction.trainClassError);
      const evalSet = state.data.eval;
      if (evalSet) {
        if (evalOutputs.length !== evalSet.n) evalOutputs = new Float64Array(evalSet.n);
        theory.outputs(evalSet.x, evalSet.n, evalOutputs);
        emit('test_class_error', marginCounts(evalOutputs, evalSet.y, evalSet.n, 0).wrong);
      } else {
        emit('test_class_error', theory.isotropicTestError());
      }
      emit('a2_mean', prediction.a2Mean);
      emit('wpar2_mean', prediction.wParallel2Mean);
      emit('a_wpar_mean', prediction.aWParallelMean);
      emit('wperp2_mean', prediction.wPerpendicular2Mean);
      emit('speed', prediction.speed);
      emit('gamma', prediction.gamma);
      if (options.units > 0) {
        const layout = hiddenUnitLayout(state.model, PROBE);
        if (unitInitial.length === 0) unitInitial = new Float64Array(layout.inputDim + 1);
        for (let i = 0; i < Math.min(options.units, layout.width); i++) {
          unitInitial[0] = state.initialParams[layout.outerOffset + i];
          for (let j = 0; j < layout.inputDim; j++) unitInitial[1 + j] = state.initialParams[layout.innerOffset + i * layout.inputDim + j];
          const predicted = theory.unit(unitInitial);
          emit('unit_a', predicted.a, i);
          emit('unit_wpar', predicted.wParallel, i);
        }
      }
    });
  },
});
