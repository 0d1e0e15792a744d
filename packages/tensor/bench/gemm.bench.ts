import { bench, describe } from 'vitest';
import { gemm, referenceGemm } from '../src/blas.js';
import type { FloatArray } from '../src/float-array.js';
import { Rng } from '../src/rng.js';
import { startGemmThreads, wasmGemm } from '../src/wasm/engine.js';

/*
 * gemm: the WASM SIMD kernels against the TypeScript reference. A product of size n³ is 2·n³ flops,
 * so GFLOP/s = 2·n³ / (mean time) (256³: 0.0336 GFLOP, 1024³: 2.15 GFLOP).
 *
 * 256³ is one hidden-layer forward/backward product for a small MLP on a batch of 256, and large
 * enough that cache behaviour (not call overhead) decides the time; 1024³ is where a single core
 * is compute bound and the blocking for L1/L2 matters.
 */

const rng = new Rng(0);
// Start the worker pool up front so the threaded entries are threaded from their first iteration.
const THREADS = await startGemmThreads();
const threaded = `${THREADS} thread${THREADS > 1 ? 's' : ''}`;

function randomMatrix(length: number, make: (length: number) => FloatArray): FloatArray {
  const out = make(length);
  rng.fillNormal(out);
  return out;
}
const f64 = (length: number) => new Float64Array(length);
const f32 = (length: number) => new Float32Array(length);

/** The textbook i-j-p triple loop: the inner loop walks B down a column, one cache line per element. */
function naiveGemm(N: number, a: FloatArray, b: FloatArray, c: FloatArray): void {
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let p = 0; p < N; p++) sum += a[i * N + p] * b[p * N + j];
      c[i * N + j] = sum;
    }
  }
}

{
  const N = 256;
  const a64 = randomMatrix(N * N, f64);
  const b64 = randomMatrix(N * N, f64);
  const c64 = new Float64Array(N * N);
  const a32 = randomMatrix(N * N, f32);
  const b32 = randomMatrix(N * N, f32);
  const c32 = new Float32Array(N * N);

  describe('gemm 256×256×256, float64', () => {
    bench('wasm A·B (4×4 f64x2 tiles), 1 thread', () => wasmGemm(false, false, N, N, N, 1, a64, b64, 0, c64, 'single'));
    bench(`wasm A·B, ${threaded}`, () => wasmGemm(false, false, N, N, N, 1, a64, b64, 0, c64));
    bench('wasm Aᵀ·Bᵀ, 1 thread', () => wasmGemm(true, true, N, N, N, 1, a64, b64, 0, c64, 'single'));
    bench('reference A·B (TS, i-k-j, 2×4 blocked)', () => referenceGemm(false, false, N, N, N, 1, a64, b64, 0, c64));
    bench('reference Aᵀ·B (TS)', () => referenceGemm(true, false, N, N, N, 1, a64, b64, 0, c64));
    bench('reference A·Bᵀ (TS, 2×2 blocked dots)', () => referenceGemm(false, true, N, N, N, 1, a64, b64, 0, c64));
    bench('naive triple loop (i-j-k)', () => naiveGemm(N, a64, b64, c64));
  });

  describe('gemm 256×256×256, float32', () => {
    bench('wasm A·B (4×8 f32x4 tiles), 1 thread', () => wasmGemm(false, false, N, N, N, 1, a32, b32, 0, c32, 'single'));
    bench(`wasm A·B, ${threaded}`, () => wasmGemm(false, false, N, N, N, 1, a32, b32, 0, c32));
    bench('wasm Aᵀ·Bᵀ, 1 thread', () => wasmGemm(true, true, N, N, N, 1, a32, b32, 0, c32, 'single'));
    bench('reference A·B (TS, i-k-j, 2×4 blocked)', () => referenceGemm(false, false, N, N, N, 1, a32, b32, 0, c32));
    bench('naive triple loop (i-j-k)', () => naiveGemm(N, a32, b32, c32));
  });
}

{
  const N = 1024;
  const a64 = randomMatrix(N * N, f64);
  const b64 = randomMatrix(N * N, f64);
  const c64 = new Float64Array(N * N);
  const a32 = randomMatrix(N * N, f32);
  const b32 = randomMatrix(N * N, f32);
  const c32 = new Float32Array(N * N);
  // A TS reference product at this size takes seconds: a few iterations only.
  const few = { time: 0, iterations: 5, warmupTime: 0, warmupIterations: 1 };
  const once = { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0 };

  describe('gemm 1024×1024×1024, float64', () => {
    bench('wasm A·B, 1 thread', () => wasmGemm(false, false, N, N, N, 1, a64, b64, 0, c64, 'single'), few);
    bench(`wasm A·B, ${threaded}`, () => wasmGemm(false, false, N, N, N, 1, a64, b64, 0, c64), few);
    bench('reference A·B (TS)', () => referenceGemm(false, false, N, N, N, 1, a64, b64, 0, c64), once);
  });

  describe('gemm 1024×1024×1024, float32', () => {
    bench('wasm A·B, 1 thread', () => wasmGemm(false, false, N, N, N, 1, a32, b32, 0, c32, 'single'), few);
    bench(`wasm A·B, ${threaded}`, () => wasmGemm(false, false, N, N, N, 1, a32, b32, 0, c32), few);
    bench('reference A·B (TS)', () => referenceGemm(false, false, N, N, N, 1, a32, b32, 0, c32), once);
  });
}

// The dispatch threshold (GEMM_WASM_MIN_WORK in src/blas.ts): at which size does WASM start to win?
for (const [label, make] of [
  ['float64', f64],
  ['float32', f32],
] as const) {
  for (const N of [6, 8, 10, 12, 16]) {
    const a = randomMatrix(N * N, make);
    const b = randomMatrix(N * N, make);
    const c = make(N * N);
    describe(`crossover ${N}³, ${label}`, () => {
      bench('wasm', () => wasmGemm(false, false, N, N, N, 1, a, b, 0, c));
      bench('reference (TS)', () => referenceGemm(false, false, N, N, N, 1, a, b, 0, c));
      bench('gemm (dispatched)', () => gemm(false, false, N, N, N, 1, a, b, 0, c));
    });
  }
}
