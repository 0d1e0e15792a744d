import { allocate, type FloatArray, type Precision, type Rng } from '@tdlab/tensor';

/** How the fixed first-layer weights w_j of the random-feature and neural-tangent-feature models are drawn. */
export const firstLayerDistributions = ['sphere', 'gaussian'] as const;
export type FirstLayerDistribution = (typeof firstLayerDistributions)[number];

/**
 * W (N×d, row-major, rows w_j) with w_j ~ Unif(S^{d−1}) (`sphere`, papers.md §5(iii)) or
 * w_j ~ N(0, I_d/d) (`gaussian`). Either way ⟨w_j, x⟩ has variance ‖x‖²/d, about 1 for x on
 * S^{d−1}(√d) or x ~ N(0, I_d). Drawn in float64 (N·d normals, row by row; a sphere row is the
 * normalized Gaussian row), rounded once to the run's precision.
 */
export function drawFirstLayer(rng: Rng, width: number, inputDim: number, distribution: FirstLayerDistribution, precision: Precision): FloatArray {
  const w = allocate(precision, width * inputDim);
  const row = new Float64Array(inputDim);
  for (let j = 0; j < width; j++) {
    rng.fillNormal(row);
    let scale = 1 / Math.sqrt(inputDim);
    if (distribution === 'sphere') {
      let sum = 0;
      for (let l = 0; l < inputDim; l++) sum += row[l] * row[l];
      scale = 1 / Math.sqrt(sum);
    }
    for (let l = 0; l < inputDim; l++) w[j * inputDim + l] = row[l] * scale;
  }
  return w;
}
