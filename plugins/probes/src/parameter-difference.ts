import type { ParameterBlock } from '@tdlab/core';
import { type FloatArray, norm2 } from '@tdlab/tensor';

/** out = a − b, elementwise, in float64 (so float32 runs lose nothing to the subtraction's rounding). */
export function subtract(a: FloatArray, b: FloatArray, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i];
  return out;
}

/** The elements of one parameter block. */
export function blockView<T extends FloatArray>(params: T, block: ParameterBlock): T {
  return params.subarray(block.offset, block.offset + block.length) as T;
}

/**
 * cos∠(a, b) = ⟨a, b⟩/(‖a‖·‖b‖), clamped to [−1, 1] against rounding. Each vector is divided by its
 * (overflow-safe) norm before the products, so parameters too large to square still give a cosine.
 * NaN when either vector is zero or not finite: the angle is undefined.
 */
export function cosine(a: Float64Array, b: Float64Array): number {
  const normA = norm2(a);
  const normB = norm2(b);
  if (!(normA > 0 && normB > 0 && Number.isFinite(normA) && Number.isFinite(normB))) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] / normA) * (b[i] / normB);
  return Math.min(1, Math.max(-1, sum));
}
