import type { FloatArray } from '@tdlab/tensor';

/** The nonlinearities of the random-feature and neural-tangent-feature models. */
export const featureActivationNames = ['relu', 'tanh', 'linear'] as const;
export type FeatureActivationName = (typeof featureActivationNames)[number];

/**
 * out[i] = σ(z[i]) for i < length (out may be z). The switch sits outside the loops so each loop is
 * a tight pass over a typed array.
 */
export function applyActivation(name: FeatureActivationName, z: FloatArray, out: FloatArray, length: number): void {
  switch (name) {
    case 'relu':
      for (let i = 0; i < length; i++) {
        const v = z[i];
        out[i] = v > 0 ? v : 0;
      }
      return;
    case 'tanh':
      for (let i = 0; i < length; i++) out[i] = Math.tanh(z[i]);
      return;
    case 'linear':
      if (out !== z) for (let i = 0; i < length; i++) out[i] = z[i];
      return;
  }
}

/**
 * out[i] = σ'(z[i]) (out may be z). ReLU takes σ'(0) = 0, the left derivative, as the two-layer
 * model of @tdlab/plugin-models does (a neuron at exactly zero is inactive).
 */
export function applyActivationSlope(name: FeatureActivationName, z: FloatArray, out: FloatArray, length: number): void {
  switch (name) {
    case 'relu':
      for (let i = 0; i < length; i++) out[i] = z[i] > 0 ? 1 : 0;
      return;
    case 'tanh':
      for (let i = 0; i < length; i++) {
        const t = Math.tanh(z[i]);
        out[i] = 1 - t * t;
      }
      return;
    case 'linear':
      out.fill(1, 0, length);
      return;
  }
}

/** σ(z) for one value (used by tests and quadrature, not by the hot loops). */
export function activationValue(name: FeatureActivationName, z: number): number {
  switch (name) {
    case 'relu':
      return z > 0 ? z : 0;
    case 'tanh':
      return Math.tanh(z);
    case 'linear':
      return z;
  }
}

/** σ'(z) for one value. */
export function activationSlope(name: FeatureActivationName, z: number): number {
  switch (name) {
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'tanh': {
      const t = Math.tanh(z);
      return 1 - t * t;
    }
    case 'linear':
      return 1;
  }
}
