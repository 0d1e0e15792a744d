import type { Rng } from '@tdlab/tensor';

/** Σᵢ aᵢbᵢ over plain arrays and typed arrays alike (no length check: the shorter sets the sum). */
export function innerProduct(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/**
 * max |actual − expected| / max |expected|: the error relative to the scale of the reference, the
 * measure every tolerance in `checkModelDerivatives` uses. Throws a RangeError when the lengths differ.
 */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new RangeError(`maxRelativeError: actual has length ${actual.length}, expected ${expected.length}`);
  let error = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    error = Math.max(error, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return error / scale;
}

/** A Float64Array of `length` N(0, scale²) draws from `rng` (the deviates of `rng.fillNormal`). */
export function randomNormalVector(rng: Rng, length: number, scale = 1): Float64Array {
  const out = new Float64Array(length);
  rng.fillNormal(out);
  if (scale !== 1) for (let i = 0; i < length; i++) out[i] *= scale;
  return out;
}

/** point + h·direction, as a new Float64Array. */
export function shiftedVector(point: ArrayLike<number>, direction: ArrayLike<number>, h: number): Float64Array {
  const out = Float64Array.from(point);
  for (let i = 0; i < out.length; i++) out[i] += h * direction[i];
  return out;
}
