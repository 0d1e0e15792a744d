/**
 * The one array type every kernel accepts. Float64 is the default for analysis (eigenvalues of
 * the NTK or Hessian need the mantissa); Float32 exists so a run can reproduce the precision a
 * real training stack would use and study how rounding changes the dynamics.
 */
export type FloatArray = Float64Array | Float32Array;

export type Precision = 'float64' | 'float32';

/** A zero-filled array of the requested precision. */
export function allocate(precision: Precision, length: number): FloatArray {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`allocate: length must be a non-negative integer, got ${length}`);
  }
  switch (precision) {
    case 'float64':
      return new Float64Array(length);
    case 'float32':
      return new Float32Array(length);
    default: {
      // Reached only from untyped callers (e.g. a precision read from a config file).
      const unknown: never = precision;
      throw new RangeError(`allocate: unknown precision ${String(unknown)}`);
    }
  }
}
