import { allocate, type FloatArray, gemm, Rng } from '@tdlab/tensor';
import { type Workload, maxRelativeError } from './harness.js';

/** W1: C = A·B for square matrices, all row-major: `gemm(false, false, m, n, k, 1, a, b, 0, c)`. */
export const w1Matmul: Workload = {
  id: 'W1',
  title: (quick) => `W1 matmul ${quick ? 256 : 1024}³`,
  target: 3.0,
  // Measured as max |ΔC| / max |C|: different summation orders only.
  tolerance: { float64: 1e-10, float32: 1e-4 },
  script: 'w1_matmul.py',
  prepare(precision, quick) {
    const size = quick ? 256 : 1024;
    const [m, n, k] = [size, size, size];
    const rng = new Rng(1);
    const a = allocate(precision, m * k);
    const b = allocate(precision, k * n);
    const c = allocate(precision, m * n);
    rng.derive('a').fillNormal(a);
    rng.derive('b').fillNormal(b);
    return {
      meta: { m, n, k },
      inputs: { a, b },
      reset: () => {},
      run: () => gemm(false, false, m, n, k, 1, a, b, 0, c),
      result: () => c,
      error: (ours: FloatArray, theirs: FloatArray) => maxRelativeError(ours, theirs),
    };
  },
};
