import { defineProbe, type ParameterBlock, sampledProbe } from '@tdlab/core';
import { type FloatArray, norm2 } from '@tdlab/tensor';
import { type } from 'arktype';

/** ‖a‖² / ‖b‖², computed as (‖a‖/‖b‖)² so that huge parameters of a diverging run do not overflow the ratio. */
function squaredNormRatio(numeratorNorm: number, denominatorNorm: number): number {
  const ratio = numeratorNorm / denominatorNorm;
  return ratio * ratio;
}

/**
 * `probes: [{ use: weight-norm, perBlock: true }]` — `weight_norm_ratio` = ‖θ_t‖²/‖θ₀‖² (Meltzer et
 * al.'s θ_t²/θ_0², papers.md §2: below 1 after a catapult, ≈ 1 in the lazy phase) and, with
 * `perBlock`, `weight_norm_ratio/<block>` for each parameter block of the model. A block initialized
 * at zero (a bias, say) has no finite ratio: it reports NaN while it is still zero, Infinity after.
 */
export const weightNormProbe = defineProbe({
  id: 'weight-norm',
  description: 'Squared weight-norm ratio ‖θ_t‖²/‖θ₀‖² (weight_norm_ratio; per block with perBlock: true)',
  options: type({ perBlock: 'boolean = false' }),
  create: ({ perBlock }, context) => {
    // θ₀ never changes during a run: its norms are computed once, on the first measurement.
    let initial: { readonly params: FloatArray; readonly total: number; readonly blocks: readonly number[] } | undefined;
    const blockView = (params: FloatArray, block: ParameterBlock): FloatArray =>
      params.subarray(block.offset, block.offset + block.length);
    return sampledProbe(context.every, (event, emit) => {
      const { params, initialParams, model } = event.state;
      if (initial === undefined || initial.params !== initialParams) {
        initial = {
          params: initialParams,
          total: norm2(initialParams),
          blocks: perBlock ? model.blocks.map((block) => norm2(blockView(initialParams, block))) : [],
        };
      }
      emit('weight_norm_ratio', squaredNormRatio(norm2(params), initial.total));
      if (!perBlock) return;
      model.blocks.forEach((block, i) => {
        emit(`weight_norm_ratio/${block.name}`, squaredNormRatio(norm2(blockView(params, block)), initial!.blocks[i]));
      });
    });
  },
});
