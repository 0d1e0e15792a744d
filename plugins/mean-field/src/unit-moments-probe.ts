import { defineProbe, sampledProbe } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { type HiddenUnitLayout, hiddenUnitLayout, teacherDirection } from './hidden-units.js';

export interface UnitMoments {
  readonly a2Mean: number;
  readonly wParallel2Mean: number;
  readonly aWParallelMean: number;
  readonly wPerpendicular2Mean: number;
}

/** The unit (aᵢ, wᵢ·ŵ*) of unit i. */
export function unitCoordinates(params: FloatArray, layout: HiddenUnitLayout, teacher: Float64Array, i: number): { a: number; wParallel: number } {
  const row = layout.innerOffset + i * layout.inputDim;
  let wParallel = 0;
  for (let j = 0; j < layout.inputDim; j++) wParallel += params[row + j] * teacher[j];
  return { a: params[layout.outerOffset + i], wParallel };
}

/** E[a²], E[w∥²], E[a·w∥], E‖w⊥‖² over the units (w∥ = ŵ*·w, w⊥ = w − w∥ŵ*). */
export function unitMoments(params: FloatArray, layout: HiddenUnitLayout, teacher: Float64Array): UnitMoments {
  const { width, inputDim: d, innerOffset } = layout;
  let a2 = 0;
  let par2 = 0;
  let aPar = 0;
  let w2 = 0;
  for (let i = 0; i < width; i++) {
    const { a, wParallel } = unitCoordinates(params, layout, teacher, i);
    const row = innerOffset + i * d;
    for (let j = 0; j < d; j++) w2 += params[row + j] * params[row + j];
    a2 += a * a;
    par2 += wParallel * wParallel;
    aPar += a * wParallel;
  }
  return { a2Mean: a2 / width, wParallel2Mean: par2 / width, aWParallelMean: aPar / width, wPerpendicular2Mean: (w2 - par2) / width };
}

/**
 * `probes: [{ use: unit-moments, units: 5 }]` — the hidden units as a distribution, in the
 * coordinates of the mean-field theory (papers.md §3): `a2_mean`, `wpar2_mean`, `a_wpar_mean`,
 * `wperp2_mean`, the lazy↔rich measure `w_relative_change` = ‖W_t − W₀‖/‖W₀‖ (inner weights), and
 * for the first `units` units their trajectories `unit_a` and `unit_wpar` (index = unit). Needs a
 * data set with a teacher direction (sign-teacher) and a two-layer network.
 */
export const unitMomentsProbe = defineProbe({
  id: 'unit-moments',
  description: 'Hidden units as a distribution: a2_mean, wpar2_mean, a_wpar_mean, wperp2_mean (w∥ along the teacher), w_relative_change, and unit_a/unit_wpar for the first `units` units',
  options: type({
    /** How many units' (a, w∥) trajectories to emit. Default 0. */
    units: 'number.integer >= 0 = 0',
  }),
  create: (options, context) =>
    sampledProbe(context.every, (event, emit) => {
      const { state } = event;
      const layout = hiddenUnitLayout(state.model, 'unit-moments');
      const teacher = teacherDirection(state.data, 'unit-moments');
      const moments = unitMoments(state.params, layout, teacher);
      emit('a2_mean', moments.a2Mean);
      emit('wpar2_mean', moments.wParallel2Mean);
      emit('a_wpar_mean', moments.aWParallelMean);
      emit('wperp2_mean', moments.wPerpendicular2Mean);
      const length = layout.width * layout.inputDim;
      let change = 0;
      let initial = 0;
      for (let k = layout.innerOffset; k < layout.innerOffset + length; k++) {
        const delta = state.params[k] - state.initialParams[k];
        change += delta * delta;
        initial += state.initialParams[k] * state.initialParams[k];
      }
      emit('w_relative_change', Math.sqrt(change / initial));
      for (let i = 0; i < Math.min(options.units, layout.width); i++) {
        const unit = unitCoordinates(state.params, layout, teacher, i);
        emit('unit_a', unit.a, i);
        emit('unit_wpar', unit.wParallel, i);
      }
    }),
});
