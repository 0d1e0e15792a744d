import type { FloatArray } from '@tdlab/tensor';

/** The hidden-layer nonlinearities of the two-layer model. */
export const activationNames = ['relu', 'leaky-relu', 'linear', 'tanh'] as const;
export type ActivationName = (typeof activationNames)[number];

/**
 * σ and its first two derivatives, applied elementwise over a buffer. The switch on the kind sits
 * outside the loops so each loop is a tight, monomorphic pass over a typed array.
 *
 * Kinks: ReLU and leaky ReLU are not differentiable at 0. We take the left derivative there,
 * σ'(0) = 0 for ReLU (the slope for leaky ReLU): a neuron with zero pre-activation is inactive,
 * matching the indicator 1{uᵢ·x > 0} of the NTK formula and what PyTorch and JAX return. σ'' is 0 almost everywhere
 * for the piecewise-linear activations (the Dirac mass at the kink is dropped, as autodiff does).
 */
export class Activation {
  /**
   * σ'(z) = gate[+(z > 0)] for relu (gate = [0, 1]) and leaky relu ([slope, 1]), and σ(z) = z·σ'(z).
   * The indexed load is branch-free: pre-activations of random data have random signs, and a
   * mispredicted branch per element made these loops ~2.5× slower. A side effect: NaN and −∞
   * pre-activations give NaN (not 0), so a diverged state stays visibly non-finite.
   */
  private readonly gate: Float64Array;

  constructor(
    readonly name: ActivationName,
    /** The negative-side slope of leaky ReLU; ignored by the other activations. */
    readonly leakySlope = 0.01,
  ) {
    this.gate = Float64Array.of(name === 'leaky-relu' ? leakySlope : 0, 1);
  }

  /** True when σ'' vanishes almost everywhere, so second-order products skip the σ'' term. */
  get piecewiseLinear(): boolean {
    return this.name !== 'tanh';
  }

  /**
   * The fused primal pass of the two-layer model, over an n×m matrix that holds the
   * pre-activations Z on entry: value ← σ(Z) in place and slope ← σ'(Z), one σ evaluation (one
   * tanh) per element. When `out` is given it also forms the outputs in the same pass,
   * out_k = scale·Σᵢ σ(z_ki)·θ[vOffset + i], summing the values as stored (so a float32 buffer gives
   * the same outputs as a later pass over the stored values would).
   */
  evaluate(
    value: FloatArray,
    slope: FloatArray,
    n: number,
    m: number,
    theta: FloatArray,
    vOffset: number,
    scale: number,
    out: FloatArray | undefined,
  ): void {
    switch (this.name) {
      case 'relu':
      case 'leaky-relu': {
        const gate = this.gate;
        for (let k = 0; k < n; k++) {
          const row = k * m;
          let sum = 0;
          for (let i = 0; i < m; i++) {
            const z = value[row + i];
            const g = gate[+(z > 0)];
            value[row + i] = z * g;
            slope[row + i] = g;
            sum += value[row + i] * theta[vOffset + i];
          }
          if (out) out[k] = scale * sum;
        }
        return;
      }
      case 'linear':
        slope.fill(1, 0, n * m);
        if (out) {
          for (let k = 0; k < n; k++) {
            const row = k * m;
            let sum = 0;
            for (let i = 0; i < m; i++) sum += value[row + i] * theta[vOffset + i];
            out[k] = scale * sum;
          }
        }
        return;
      case 'tanh':
        for (let k = 0; k < n; k++) {
          const row = k * m;
          let sum = 0;
          for (let i = 0; i < m; i++) {
            const t = Math.tanh(value[row + i]);
            value[row + i] = t;
            slope[row + i] = 1 - t * t;
            sum += value[row + i] * theta[vOffset + i];
          }
          if (out) out[k] = scale * sum;
        }
        return;
    }
  }

  /** out[i] = σ(z[i]) for i < length. out may be z itself. */
  apply(z: FloatArray, out: FloatArray, length: number): void {
    switch (this.name) {
      case 'relu':
      case 'leaky-relu': {
        const gate = this.gate;
        for (let i = 0; i < length; i++) {
          const x = z[i];
          out[i] = x * gate[+(x > 0)];
        }
        return;
      }
      case 'linear':
        if (out !== z) for (let i = 0; i < length; i++) out[i] = z[i];
        return;
      case 'tanh':
        for (let i = 0; i < length; i++) out[i] = Math.tanh(z[i]);
        return;
    }
  }

  /** out[i] = σ'(z[i]) for i < length (σ'(0) = 0 for ReLU). out may be z itself. */
  applyDerivative(z: FloatArray, out: FloatArray, length: number): void {
    switch (this.name) {
      case 'relu':
      case 'leaky-relu': {
        const gate = this.gate;
        for (let i = 0; i < length; i++) out[i] = gate[+(z[i] > 0)];
        return;
      }
      case 'linear':
        out.fill(1, 0, length);
        return;
      case 'tanh':
        for (let i = 0; i < length; i++) {
          const t = Math.tanh(z[i]);
          out[i] = 1 - t * t;
        }
        return;
    }
  }

  /** out[i] = σ''(z[i]) for i < length: 0 for the piecewise-linear kinds, −2·tanh·(1 − tanh²) for tanh. */
  applySecondDerivative(z: FloatArray, out: FloatArray, length: number): void {
    if (this.piecewiseLinear) {
      out.fill(0, 0, length);
      return;
    }
    for (let i = 0; i < length; i++) {
      const t = Math.tanh(z[i]);
      out[i] = -2 * t * (1 - t * t);
    }
  }
}
