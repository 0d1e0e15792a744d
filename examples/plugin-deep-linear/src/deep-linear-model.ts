import type { DifferentiableModel, Inputs, ParameterBlock } from '@tdlab/core';
import type { FloatArray, Rng } from '@tdlab/tensor';

export interface DeepLinearModelOptions {
  /** L ≥ 1, the number of hidden weight matrices W_1 … W_L. */
  readonly depth: number;
  /** h, the width of every hidden layer. */
  readonly width: number;
  /** d, the input dimension. */
  readonly inputDim: number;
}

/**
 * The deep linear network in NTK scaling,
 *
 *   f(x) = c · v·W_L⋯W_1·x,   c = 1/√(d·h^L),
 *
 * with W_1 ∈ ℝ^{h×d}, W_2 … W_L ∈ ℝ^{h×h}, v ∈ ℝ^h and every entry drawn N(0, 1). The constant c
 * is the product of the fan-in factors 1/√d (W_1), 1/√h (W_2 … W_L) and 1/√h (v), so f(x) = O(1)
 * at initialization for inputs with O(1) entries, whatever the depth and width.
 *
 * Parameter layout (the blocks, in order): W_1 [h, d], W_2 … W_L [h, h] (row-major), then v [h].
 *
 * With z_0 = x, z_l = W_l z_{l−1} and f = c·v·z_L, every product below is exact: the forward-mode
 * derivatives are ż_l = W_l ż_{l−1} + T_l z_{l−1} and z̈_l = W_l z̈_{l−1} + 2 T_l ż_{l−1} (f is a
 * polynomial in θ, of degree L + 1), the backward pass is g_L = c·v, g_{l−1} = W_lᵀ g_l with
 * ∂f/∂W_l = g_l z_{l−1}ᵀ and ∂f/∂v = c·z_L, and the HVP is the forward-mode derivative of that
 * backward pass. All work runs on scratch buffers sized to the largest batch seen: no product
 * allocates after the first call at that batch size.
 */
export class DeepLinearModel implements DifferentiableModel {
  readonly parameterCount: number;
  readonly inputDim: number;
  readonly blocks: readonly ParameterBlock[];
  readonly depth: number;
  readonly width: number;
  /** c = 1/√(d·h^L). */
  readonly scale: number;
  /** offsets[l] is the offset of W_{l+1}; offsets[L] that of v. */
  private readonly offsets: number[];

  /** Activations z_1 … z_L per row: layer l (1-based) at [(l−1)·n·h, l·n·h), row-major n×h. */
  private z = new Float64Array(0);
  /** ż_1 … ż_L. */
  private zDot = new Float64Array(0);
  /** z̈_1 … z̈_L, or the backward g_1 … g_L in vjp/hvp. */
  private zDdot = new Float64Array(0);
  /** ġ_1 … ġ_L in hvp. */
  private gDot = new Float64Array(0);
  private capacity = 0;

  constructor(options: DeepLinearModelOptions) {
    const { depth: L, width: h, inputDim: d } = options;
    if (!Number.isInteger(L) || L < 1) throw new Error(`deep-linear: depth must be an integer ≥ 1, got ${L}`);
    if (!Number.isInteger(h) || h < 1) throw new Error(`deep-linear: width must be an integer ≥ 1, got ${h}`);
    this.depth = L;
    this.width = h;
    this.inputDim = d;
    this.scale = 1 / Math.sqrt(d * h ** L);
    const blocks: ParameterBlock[] = [];
    this.offsets = [];
    let offset = 0;
    for (let l = 1; l <= L; l++) {
      const fanIn = l === 1 ? d : h;
      this.offsets.push(offset);
      blocks.push({ name: `W${l}`, offset, length: h * fanIn, shape: [h, fanIn] });
      offset += h * fanIn;
    }
    this.offsets.push(offset);
    blocks.push({ name: 'v', offset, length: h, shape: [h] });
    offset += h;
    this.parameterCount = offset;
    this.blocks = blocks;
  }

  initialize(rng: Rng, params: FloatArray): void {
    rng.fillNormal(params);
  }

  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.forwardLayers(params, inputs);
    const { n } = inputs;
    const h = this.width;
    const vOff = this.offsets[this.depth];
    const zL = (this.depth - 1) * n * h;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let a = 0; a < h; a++) s += params[vOff + a] * this.z[zL + i * h + a];
      out[i] = this.scale * s;
    }
  }

  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.forwardLayers(params, inputs);
    this.tangentLayers(params, inputs, tangent);
    const { n } = inputs;
    const h = this.width;
    const vOff = this.offsets[this.depth];
    const zL = (this.depth - 1) * n * h;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let a = 0; a < h; a++) s += tangent[vOff + a] * this.z[zL + i * h + a] + params[vOff + a] * this.zDot[zL + i * h + a];
      out[i] = this.scale * s;
    }
  }

  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    this.forwardLayers(params, inputs);
    const g = this.zDdot;
    this.backwardLayers(params, inputs.n, cotangent, g);
    out.fill(0, 0, this.parameterCount);
    this.accumulateOuter(g, this.z, inputs, out);
    this.accumulateV(cotangent, this.z, inputs.n, out);
  }

  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    const { n } = inputs;
    const L = this.depth;
    const h = this.width;
    this.forwardLayers(params, inputs);
    this.tangentLayers(params, inputs, vector);
    // g_l = ∂(Σ_i w_i f_i)/∂z_l per row, and ġ_l its derivative along the tangent:
    // ġ_L = c·w ⊗ t_v, ġ_{l−1} = ġ_l W_l + g_l T_l.
    const g = this.zDdot;
    const gDot = this.gDot;
    this.backwardLayers(params, n, weights, g);
    const vOff = this.offsets[L];
    const top = (L - 1) * n * h;
    for (let i = 0; i < n; i++) {
      const wi = this.scale * weights[i];
      for (let a = 0; a < h; a++) gDot[top + i * h + a] = wi * vector[vOff + a];
    }
    for (let l = L; l >= 2; l--) {
      const above = (l - 1) * n * h;
      const below = (l - 2) * n * h;
      const wOff = this.offsets[l - 1];
      gDot.fill(0, below, below + n * h);
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < h; a++) {
          const gd = gDot[above + i * h + a];
          const gg = g[above + i * h + a];
          const row = wOff + a * h;
          for (let b = 0; b < h; b++) gDot[below + i * h + b] += gd * params[row + b] + gg * vector[row + b];
        }
      }
    }
    // d/dε of ∂/∂W_l = g_l z_{l−1}ᵀ summed over rows: ġ_l z_{l−1}ᵀ + g_l ż_{l−1}ᵀ (ż_0 = 0).
    out.fill(0, 0, this.parameterCount);
    this.accumulateOuter(gDot, this.z, inputs, out);
    this.accumulateOuterInner(g, this.zDot, n, out);
    // d/dε of ∂/∂v = c Σ_i w_i z_L,i: c Σ_i w_i ż_L,i.
    this.accumulateV(weights, this.zDot, n, out);
  }

  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    const { n } = inputs;
    const L = this.depth;
    const h = this.width;
    this.forwardLayers(params, inputs);
    this.tangentLayers(params, inputs, vector);
    // z̈_1 = 0 (z_0 = x does not depend on θ and W_1 enters linearly); z̈_l = W_l z̈_{l−1} + 2 T_l ż_{l−1}.
    const zdd = this.zDdot;
    zdd.fill(0, 0, n * h);
    for (let l = 2; l <= L; l++) {
      const cur = (l - 1) * n * h;
      const prev = (l - 2) * n * h;
      const wOff = this.offsets[l - 1];
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < h; a++) {
          const row = wOff + a * h;
          let s = 0;
          for (let b = 0; b < h; b++) s += params[row + b] * zdd[prev + i * h + b] + 2 * vector[row + b] * this.zDot[prev + i * h + b];
          zdd[cur + i * h + a] = s;
        }
      }
    }
    const vOff = this.offsets[L];
    const top = (L - 1) * n * h;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let a = 0; a < h; a++) s += params[vOff + a] * zdd[top + i * h + a] + 2 * vector[vOff + a] * this.zDot[top + i * h + a];
      out[i] = this.scale * s;
    }
  }

  /** Grows the scratch buffers to hold n rows; allocates only when n exceeds every earlier batch. */
  private reserve(n: number): void {
    if (n <= this.capacity) return;
    const size = this.depth * n * this.width;
    this.z = new Float64Array(size);
    this.zDot = new Float64Array(size);
    this.zDdot = new Float64Array(size);
    this.gDot = new Float64Array(size);
    this.capacity = n;
  }

  /** z_l = W_l z_{l−1} for l = 1 … L. */
  private forwardLayers(params: FloatArray, inputs: Inputs): void {
    const { x, n } = inputs;
    this.reserve(n);
    const h = this.width;
    const d = this.inputDim;
    const z = this.z;
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < h; a++) {
        const row = a * d;
        let s = 0;
        for (let b = 0; b < d; b++) s += params[row + b] * x[i * d + b];
        z[i * h + a] = s;
      }
    }
    for (let l = 2; l <= this.depth; l++) {
      const cur = (l - 1) * n * h;
      const prev = (l - 2) * n * h;
      const wOff = this.offsets[l - 1];
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < h; a++) {
          const row = wOff + a * h;
          let s = 0;
          for (let b = 0; b < h; b++) s += params[row + b] * z[prev + i * h + b];
          z[cur + i * h + a] = s;
        }
      }
    }
  }

  /** ż_l = W_l ż_{l−1} + T_l z_{l−1} (ż_0 = 0); needs forwardLayers first. */
  private tangentLayers(params: FloatArray, inputs: Inputs, tangent: FloatArray): void {
    const { x, n } = inputs;
    const h = this.width;
    const d = this.inputDim;
    const z = this.z;
    const zDot = this.zDot;
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < h; a++) {
        const row = a * d;
        let s = 0;
        for (let b = 0; b < d; b++) s += tangent[row + b] * x[i * d + b];
        zDot[i * h + a] = s;
      }
    }
    for (let l = 2; l <= this.depth; l++) {
      const cur = (l - 1) * n * h;
      const prev = (l - 2) * n * h;
      const wOff = this.offsets[l - 1];
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < h; a++) {
          const row = wOff + a * h;
          let s = 0;
          for (let b = 0; b < h; b++) s += params[row + b] * zDot[prev + i * h + b] + tangent[row + b] * z[prev + i * h + b];
          zDot[cur + i * h + a] = s;
        }
      }
    }
  }

  /** g_L,i = c·w_i·v, g_{l−1},i = W_lᵀ g_l,i, written into `g` (layout as z). */
  private backwardLayers(params: FloatArray, n: number, weights: FloatArray, g: Float64Array): void {
    const L = this.depth;
    const h = this.width;
    const vOff = this.offsets[L];
    const top = (L - 1) * n * h;
    for (let i = 0; i < n; i++) {
      const wi = this.scale * weights[i];
      for (let a = 0; a < h; a++) g[top + i * h + a] = wi * params[vOff + a];
    }
    for (let l = L; l >= 2; l--) {
      const above = (l - 1) * n * h;
      const below = (l - 2) * n * h;
      const wOff = this.offsets[l - 1];
      g.fill(0, below, below + n * h);
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < h; a++) {
          const ga = g[above + i * h + a];
          if (ga === 0) continue;
          const row = wOff + a * h;
          for (let b = 0; b < h; b++) g[below + i * h + b] += ga * params[row + b];
        }
      }
    }
  }

  /** out[W_l] += Σ_i g_l,i z_{l−1},iᵀ for l = 1 … L, with z_0 = x. */
  private accumulateOuter(g: Float64Array, z: Float64Array, inputs: Inputs, out: FloatArray): void {
    const { x, n } = inputs;
    const h = this.width;
    const d = this.inputDim;
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < h; a++) {
        const ga = g[i * h + a];
        const row = a * d;
        for (let b = 0; b < d; b++) out[row + b] += ga * x[i * d + b];
      }
    }
    for (let l = 2; l <= this.depth; l++) {
      const cur = (l - 1) * n * h;
      const prev = (l - 2) * n * h;
      const wOff = this.offsets[l - 1];
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < h; a++) {
          const ga = g[cur + i * h + a];
          const row = wOff + a * h;
          for (let b = 0; b < h; b++) out[row + b] += ga * z[prev + i * h + b];
        }
      }
    }
  }

  /** out[W_l] += Σ_i g_l,i ż_{l−1},iᵀ for l = 2 … L (the l = 1 term vanishes: ż_0 = 0). */
  private accumulateOuterInner(g: Float64Array, zDot: Float64Array, n: number, out: FloatArray): void {
    const h = this.width;
    for (let l = 2; l <= this.depth; l++) {
      const cur = (l - 1) * n * h;
      const prev = (l - 2) * n * h;
      const wOff = this.offsets[l - 1];
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < h; a++) {
          const ga = g[cur + i * h + a];
          const row = wOff + a * h;
          for (let b = 0; b < h; b++) out[row + b] += ga * zDot[prev + i * h + b];
        }
      }
    }
  }

  /** out[v] += c Σ_i w_i z_L,i. */
  private accumulateV(weights: FloatArray, z: Float64Array, n: number, out: FloatArray): void {
    const h = this.width;
    const vOff = this.offsets[this.depth];
    const top = (this.depth - 1) * n * h;
    for (let i = 0; i < n; i++) {
      const wi = this.scale * weights[i];
      for (let a = 0; a < h; a++) out[vOff + a] += wi * z[top + i * h + a];
    }
  }
}
