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
 *   nu (νP)     hidden k:    a = √λ_k, s = σ_w/(a√fan_in), λ_k = √(n_k·n_L)/(L·fan_in)
 *               bias k:      β = √(√(n_k·n_L)/L), t = σ_b/β
 *               readout:     a = 1/√n_L,     s = σ_w/√n_L,   β = 1,    t = σ_b   (mup's)
 *               widths n_k = n_1·k^r by default (`nuWidths`); see `NuLayerPlan` for why
 *
 * The effective weight a·W then has variance σ_w²/fan_in in every layer of standard and ntk, and
 * in every layer of mup and nu but the readout (σ_w²/n_L²), so these four share the same forward
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
 * - nu: our stand-in for Terjék 2025's νP (papers.md §4; the paper's formulas are unverified): μP
 *   generalized to unequal widths, on the critical line, with a depthwise learning-rate factor 1/L
 *   folded into the multipliers (exact for plain GD; see `NuLayerPlan` and the README).
 */

export const parameterizationNames = ['standard', 'ntk', 'mup', 'mean-field', 'nu'] as const;
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

/**
 * νP's hidden widths n_k = round(n_1·k^r), k = 1 … L (r = 2 by default). A stand-in, NOT verified
 * against Terjék 2025 (papers.md §4: "polynomial hidden-width pattern; r = 2 works best"). Why r > 1:
 * the finite-width corrections of a deep network add up like Σ_k 1/n_k (the depth-to-width ratio
 * L/n for constant width), which stays bounded as L grows exactly when r > 1 (Σ 1/k² = π²/6).
 */
export function nuWidths(depth: number, baseWidth: number, widthExponent = 2): number[] {
  if (!Number.isSafeInteger(depth) || depth < 1) throw new RangeError(`nuWidths: depth must be a positive integer, got ${depth}`);
  if (!Number.isSafeInteger(baseWidth) || baseWidth < 1) throw new RangeError(`nuWidths: baseWidth must be a positive integer, got ${baseWidth}`);
  if (!(widthExponent >= 0) || !Number.isFinite(widthExponent)) throw new RangeError(`nuWidths: widthExponent must be finite and ≥ 0, got ${widthExponent}`);
  return Array.from({ length: depth }, (_, k) => Math.max(1, Math.round(baseWidth * (k + 1) ** widthExponent)));
}

/**
 * νP's target per-layer quantities, before they are folded into a multiplier table: the variance v of
 * the effective weight a·W (and of the effective bias β·b) and the learning rate λ on it that one
 * global step η gives (ΔW_eff = −η·λ·∇_{W_eff}L). Rows 1 … L, then the readout. Our stand-in, NOT
 * the paper's (unverified) formulas; see plugins/models/README.md, "`nu`".
 *
 *   hidden layer k (n_0 = d):  v = σ_w²/n_{k−1},  λ = √(n_k·n_L)/(L·n_{k−1});  bias: v = σ_b², λ = √(n_k·n_L)/L
 *   readout:                   v = σ_w²/n_L²,     λ = 1/n_L;                  bias: v = σ_b², λ = 1
 *
 * v is the fan-in variance of standard/ntk/mup, so the forward pass at initialization is theirs and
 * on the critical line when (σ_w², σ_b²) is; the readout is μP's (f = O(n_L^{−1/2}) at
 * initialization). λ is the "depthwise factor that cancels forward and backward norms" (papers.md
 * §4), taken at initialization: a step moves coordinate i of z^k directly by
 * η·λ·|∂f/∂z^k_i|·‖h^{k−1}‖²·|residual|, where ‖h^{k−1}‖² ∝ n_{k−1} (forward) and, on the critical
 * line (χ₁ = 1), ‖∂f/∂z^k‖² = ‖∂f/∂z^L‖² ∝ 1/n_L for every k (backward), so |∂f/∂z^k_i| ∝
 * 1/√(n_k·n_L). This λ makes that direct move η/L in every layer, whatever the widths; z^l, moved by
 * the l layers at or below it, then changes by O(η·l/L) ≤ O(η) at every depth. With equal widths it
 * is μP's learning rate (1 for hidden weights, n for biases) times 1/L.
 */
export interface NuLayerPlan {
  readonly weightVariance: number;
  readonly weightLearningRate: number;
  readonly biasVariance: number;
  readonly biasLearningRate: number;
}

/** νP's (v, λ) per layer (see `NuLayerPlan`): what `parameterizations.nu` folds into (a, s, β, t). */
export function nuLayerPlan({ inputDim, widths, weightVariance, biasVariance }: ScalingInputs): NuLayerPlan[] {
  const depth = widths.length;
  const last = widths[depth - 1];
  const hidden = widths.map((width, k) => {
    const fanIn = k === 0 ? inputDim : widths[k - 1];
    const backward = Math.sqrt(width * last);
    return {
      weightVariance: weightVariance / fanIn,
      weightLearningRate: backward / (depth * fanIn),
      biasVariance,
      biasLearningRate: backward / depth,
    };
  });
  return [...hidden, { weightVariance: weightVariance / (last * last), weightLearningRate: 1 / last, biasVariance, biasLearningRate: 1 }];
}

/**
 * Folds (v, λ) into (a, s) with the learning rate of the stored parameters left at η (c = 0): the
 * effective weight a·W has variance a²s² and, under gradient descent, learning rate a²·η, so
 * a = √λ and s = √v/a (the abc-parametrization's trade-off between multiplier, init and learning
 * rate; Yang & Hu 2021 §2). Exact for plain gradient descent without weight decay.
 */
function foldNu(plan: NuLayerPlan): LayerScaling {
  const weightMultiplier = Math.sqrt(plan.weightLearningRate);
  const biasMultiplier = Math.sqrt(plan.biasLearningRate);
  return {
    weightMultiplier,
    weightStd: Math.sqrt(plan.weightVariance) / weightMultiplier,
    biasMultiplier,
    biasStd: Math.sqrt(plan.biasVariance) / biasMultiplier,
  };
}

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
  nu: (inputs) => nuLayerPlan(inputs).map(foldNu),
};
