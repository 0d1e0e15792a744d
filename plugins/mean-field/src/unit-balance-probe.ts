import { defineProbe, sampledProbe } from '@tdlab/core';
import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { type HiddenUnitLayout, hiddenUnitLayout } from './hidden-units.js';

/** qᵢ = aᵢ² − ‖wᵢ‖² for every unit into `out`. */
export function unitBalances(params: FloatArray, layout: HiddenUnitLayout, out: Float64Array): void {
  const { width, inputDim: d, outerOffset, innerOffset } = layout;
  for (let i = 0; i < width; i++) {
    const a = params[outerOffset + i];
    let w2 = 0;
    const row = innerOffset + i * d;
    for (let j = 0; j < d; j++) w2 += params[row + j] * params[row + j];
    out[i] = a * a - w2;
  }
}

/**
 * `probes: [{ use: unit-balance }]` — the conserved quantity of a ReLU two-layer net under gradient
 * flow, qᵢ = aᵢ² − ‖wᵢ‖² (ReLU is 1-homogeneous, so d/dt(aᵢ²) = d/dt‖wᵢ‖²; papers.md §3 "Derived
 * invariant"). Emits `balance_drift` = maxᵢ|qᵢ(t) − qᵢ(0)| / meanᵢ|qᵢ(0)| (0 for exact flow; a
 * discrete step of size dt drifts by O(dt)) and `balance_mean` = meanᵢ qᵢ(t).
 */
export const unitBalanceProbe = defineProbe({
  id: 'unit-balance',
  description: 'The gradient-flow invariant aᵢ² − ‖wᵢ‖² of a ReLU two-layer net: balance_drift (max change / mean |initial|) and balance_mean',
  options: type({}),
  create: (_options, context) => {
    let initial: Float64Array | undefined;
    let current = new Float64Array(0);
    let initialScale = 0;
    return sampledProbe(context.every, (event, emit) => {
      const { state } = event;
      const layout = hiddenUnitLayout(state.model, 'unit-balance');
      if (!initial) {
        initial = new Float64Array(layout.width);
        current = new Float64Array(layout.width);
        unitBalances(state.initialParams, layout, initial);
        initialScale = initial.reduce((sum, q) => sum + Math.abs(q), 0) / layout.width;
      }
      unitBalances(state.params, layout, current);
      let drift = 0;
      let sum = 0;
      for (let i = 0; i < layout.width; i++) {
        const change = Math.abs(current[i] - initial[i]);
        drift = change > drift || Number.isNaN(change) ? change : drift;
        sum += current[i];
      }
      emit('balance_drift', drift / initialScale);
      emit('balance_mean', sum / layout.width);
    });
  },
});
