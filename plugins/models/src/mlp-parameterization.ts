/*
 * How each layer's parameters enter an MLP's forward pass: the per-layer multiplier table.
 *
 * Every layer l = 1, …, L + 1 (L hidden layers, then the readout) computes
 *
 *   z^l = a_l · W^l h^{l−1} + β_l · b^l,    W^l_ij ~ N(0, s_l²),   b^l_i ~ N(0, t_l²),
 *
 * with h^0 = x, h^l = φ(z^l) and f(x) = z^{L+1}: the readout is one more layer, of width 1 and
 * without activation. The stored parameters are W^l and b^l; the multipliers a_l, β_l are part of
 * the model, not of the parameters, so they change how gradient descent with one global learning
 * rate moves each layer (the "abc-parametrization" of Yang & Hu 2021, arXiv 2011.14522, §2: a
 * multiplier n^{−a}, an initial variance n^{−2b}, a learning rate n^{−c}; here c = 0 throughout, a
 * study sets the learning rate itself). A parameterization is a function from the widths and
 * (σ_w², σ_b²) to this table; `nu` (νP, papers.md §4) can be added as one more entry that also
 * chooses how widths grow with depth, without changing the model.
 *
 * With fan_in = n_{l−1} (n_0 = d, the input dimension) and n_l the width of layer l:
 *
 *   standard    a = 1,                  s = σ_w/√fan_in,   β = 1,   t = σ_b    (every layer)
 *   ntk         a = σ_w/√fan_in,        s = 1,             β = σ_b, t = 1      (every layer)
 *   mup         layer 1:     a = √(n_1/d),   s = σ_w/√n_1,   β = √n_l, t = σ_b/√n_l
 *               hidden l≥2:  a = 1,          s = σ_w/√fan_in, (bias as layer 1)
 *               readout:     a = 1/√n_L,     s = σ_w/√n_L,   β = 1,    t = σ_b
 *   mean-field  layer 1:     a = σ_w/√d,     s = 1,   β = σ_b, t = 1
 *               l ≥ 2:       a = σ_w/fan_in, s = 1,   β = σ_b, t = 1  (readout included)
 *
 * The effective weight a·W then has variance σ_w²/fan_in in every layer of standard and ntk, and
 * in every layer of mup but the readout (σ_w²/n_L²), so these three share the same forward
 * statistics at initialization and the same critical line (critical-initialization.ts); they
 * differ in how a gradient step moves each layer. Sources:
 * - standard: He et al. 2015 / PyTorch-style fan-in initialization (Yang & Hu 2021, "SP").
 * - ntk: Jacot et al. 2018; Lee et al. 2019 (arXiv 1902.06720) eq. 1, z = (σ_w/√n)Wh + σ_b b with
 *   W, b ~ N(0, 1). With σ_b = 0 the biases have multiplier 0 and never move.
 * - mup: Yang & Hu 2021, the μP row of their abc table (a_1 = −1/2, a_{2..L} = 0, a_{L+1} = 1/2,
 *   b = 1/2, c = 0) with d and σ_w made explicit; biases are treated as input weights of fan-in 1
 *   (Yang et al. 2022, Tensor Programs V, arXiv 2203.03466, Table 3: under SGD their learning rate
 *   scales with fan_out, which β² = n_l gives), the readout bias as an output of fan-out 1.
 * - mean-field: for L = 1, f = (σ_w/n) Σᵢ vᵢ φ(σ_w uᵢ·x/√d) (Mei, Montanari & Nguyen 2018;
 *   Yang & Hu 2021's MFP, a_2 = 1 where ntk has 1/2); for L ≥ 2 the 1/fan_in multiplier on every
 *   later layer of Nguyen & Pham 2020 (arXiv 2001.11443) and Araújo et al. 2019 (arXiv
 *   1906.00193). With i.i.d. centred weights, the pre-activations of layers l ≥ 2 are O(n^{−1/2})
 *   at initialization (a known degeneracy of the deep mean-field limit), and the critical-line
 *   analysis does not apply. Gradients are O(1/n) per parameter, so its learning rate must grow
 *   like the width (a normalized learning rate does this automatically).
 */

export const parameterizationNames = ['standard', 'ntk', 'mup', 'mean-field'] as const;
export type ParameterizationName = (typeof parameterizationNames)[number];

/** One row of the multiplier table: z = weightMultiplier·W h + biasMultiplier·b. */
export interface LayerScaling {
  /** a_l, the forward multiplier of the weight matrix. */
  readonly weightMultiplier: number;
  /** s_l, the standard deviation the stored weights are drawn with. */
  readonly weightStd: number;
  /** β_l, the forward multiplier of the bias (unused when the model has no biases). */
  readonly biasMultiplier: number;
  /** t_l, the standard deviation the stored biases are drawn with. */
  readonly biasStd: number;
}

/** What a parameterization sees of the network. */
export interface ScalingInputs {
  /** Input dimension d = n_0. */
  readonly inputDim: number;
  /** Hidden widths n_1, …, n_L (L ≥ 1). */
  readonly widths: readonly number[];
  /** σ_w². */
  readonly weightVariance: number;
  /** σ_b². */
  readonly biasVariance: number;
}

/** A parameterization: the table for layers 1, …, L and the readout (L + 1 rows, readout last). */
export type Parameterization = (inputs: ScalingInputs) => LayerScaling[];

function fanIns({ inputDim, widths }: ScalingInputs): number[] {
  return [inputDim, ...widths];
}

export const parameterizations: Readonly<Record<ParameterizationName, Parameterization>> = {
  standard: (inputs) => {
    const sigmaW = Math.sqrt(inputs.weightVariance);
    const sigmaB = Math.sqrt(inputs.biasVariance);
    return fanIns(inputs).map((fanIn) => ({ weightMultiplier: 1, weightStd: sigmaW / Math.sqrt(fanIn), biasMultiplier: 1, biasStd: sigmaB }));
  },
  ntk: (inputs) => {
    const sigmaW = Math.sqrt(inputs.weightVariance);
    const sigmaB = Math.sqrt(inputs.biasVariance);
    return fanIns(inputs).map((fanIn) => ({ weightMultiplier: sigmaW / Math.sqrt(fanIn), weightStd: 1, biasMultiplier: sigmaB, biasStd: 1 }));
  },
  mup: (inputs) => {
    const { inputDim, widths } = inputs;
    const sigmaW = Math.sqrt(inputs.weightVariance);
    const sigmaB = Math.sqrt(inputs.biasVariance);
    const last = widths[widths.length - 1];
    const hidden = widths.map((width, l) => {
      const fanIn = l === 0 ? inputDim : widths[l - 1];
      const bias = { biasMultiplier: Math.sqrt(width), biasStd: sigmaB / Math.sqrt(width) };
      return l === 0
        ? { weightMultiplier: Math.sqrt(width / inputDim), weightStd: sigmaW / Math.sqrt(width), ...bias }
        : { weightMultiplier: 1, weightStd: sigmaW / Math.sqrt(fanIn), ...bias };
    });
    return [...hidden, { weightMultiplier: 1 / Math.sqrt(last), weightStd: sigmaW / Math.sqrt(last), biasMultiplier: 1, biasStd: sigmaB }];
  },
  'mean-field': (inputs) => {
    const sigmaW = Math.sqrt(inputs.weightVariance);
    const sigmaB = Math.sqrt(inputs.biasVariance);
    return fanIns(inputs).map((fanIn, l) => ({
      weightMultiplier: l === 0 ? sigmaW / Math.sqrt(fanIn) : sigmaW / fanIn,
      weightStd: 1,
      biasMultiplier: sigmaB,
      biasStd: 1,
    }));
  },
};
