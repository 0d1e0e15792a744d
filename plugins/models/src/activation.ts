import type { FloatArray } from '@tdlab/tensor';

/** The hidden-layer nonlinearities of the two-layer model. */
export const activationNames = ['relu', 'leaky-relu', 'linear', 'tanh'] as const;
export type ActivationName = (typeof activationNames)[number];

/**
 * σ and its first two derivatives, applied elementwise over a buffer. The switch on the kind sits
 * outside the loops so each loop is a tight, monomorphic pass over a typed array.
 *
 * Kinks: ReLU and leaky ReLU are not differentiable at 0. We take the right-continuous convention
 * of the "inactive" side, σ'(0) = 0 for ReLU (slope for leaky ReLU), which matches the indicator
 * 1{uᵢ·x > 0} of the NTK formula and what autodiff frameworks return. σ'' is 0 almost everywhere
 * for the piecewise-linear activations (the Dirac mass at the kink is dropped, as autodiff does).
 */
export class Activation {
  constructor(
    readonly name: ActivationName,
    /** The negative-side slope of leaky ReLU; ignored by the other activations. */
    readonly leakySlope = 0.01,
  ) {}

  /** True when σ'' vanishes almost everywhere, so second-order products skip the σ'' term. */
  get piecewiseLinear(): boolean {
    return this.name !== 'tanh';
  }

  /** σ at a single point (used by tests and diagnostics, not by the hot paths). */
  value(z: number): number {
    switch (this.name) {
      case 'relu':
        return z > 0 ? z : 0;
      case 'leaky-relu':
        return z > 0 ? z : this.leakySlope * z;
      case 'linear':
        return z;
      case 'tanh':
        return Math.tanh(z);
    }
  }

  /** out[i] = σ(z[i]) for i < length. out may be z itself. */
  apply(z: FloatArray, out: FloatArray, length: number): void {
    switch (this.name) {
      case 'relu':
        for (let i = 0; i < length; i++) {
          const x = z[i];
          out[i] = x > 0 ? x : 0;
        }
        return;
      case 'leaky-relu': {
        const slope = this.leakySlope;
        for (let i = 0; i < length; i++) {
          const x = z[i];
          out[i] = x > 0 ? x : slope * x;
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
        for (let i = 0; i < length; i++) out[i] = z[i] > 0 ? 1 : 0;
        return;
      case 'leaky-relu': {
        const slope = this.leakySlope;
        for (let i = 0; i < length; i++) out[i] = z[i] > 0 ? 1 : slope;
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
