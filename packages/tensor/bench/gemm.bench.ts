import { bench, describe } from 'vitest';
import { gemm } from '../src/blas.js';
import type { FloatArray } from '../src/float-array.js';
import { Rng } from '../src/rng.js';

// 256³ is the size of one hidden-layer forward/backward product for a small MLP on a batch of
// 256, and large enough that cache behaviour (not call overhead) decides the time.
const N = 256;

function randomMatrix(rng: Rng, make: (length: number) => FloatArray): FloatArray {
  const out = make(N * N);
  rng.fillNormal(out);
  return out;
}

/** The textbook i-j-p triple loop: the inner loop walks B down a column, one cache line per element. */
function naiveGemm(a: FloatArray, b: FloatArray, c: FloatArray): void {
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let p = 0; p < N; p++) sum += a[i * N + p] * b[p * N + j];
      c[i * N + j] = sum;
    }
  }
}

const rng = new Rng(0);
const a64 = randomMatrix(rng, (length) => new Float64Array(length));
const b64 = randomMatrix(rng, (length) => new Float64Array(length));
const c64 = new Float64Array(N * N);
const a32 = randomMatrix(rng, (length) => new Float32Array(length));
const b32 = randomMatrix(rng, (length) => new Float32Array(length));
const c32 = new Float32Array(N * N);

describe('gemm 256×256×256, float64', () => {
  bench('gemm A·B (i-k-j, 2×4 blocked)', () => gemm(false, false, N, N, N, 1, a64, b64, 0, c64));
  bench('gemm Aᵀ·B (i-k-j, 2×4 blocked)', () => gemm(true, false, N, N, N, 1, a64, b64, 0, c64));
  bench('gemm A·Bᵀ (2×2 blocked dots)', () => gemm(false, true, N, N, N, 1, a64, b64, 0, c64));
  bench('naive triple loop (i-j-k)', () => naiveGemm(a64, b64, c64));
});

describe('gemm 256×256×256, float32', () => {
  bench('gemm A·B (i-k-j, 2×4 blocked)', () => gemm(false, false, N, N, N, 1, a32, b32, 0, c32));
  bench('naive triple loop (i-j-k)', () => naiveGemm(a32, b32, c32));
});
